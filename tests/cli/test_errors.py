"""The usual mistakes of a new user, through every command: each answer is one line on stderr
that says what is wrong and what to do, exit code 2, no traceback (issue 20).

On the real TimescaleDB: a database that does not exist, one without the schema, an unknown
tenant, a missing file, a bad date, a bad format, a tenant with containers but no vehicles.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from cli.main import main
from domain import Container, Fraction, GeoPoint
from storage.containers import add_container
from tests.conftest import ADMIN_URL, _url_for

WASTEROUTE = str(Path(sys.executable).with_name("wasteroute"))
DB_COMMANDS = [  # every command that reads a tenant's data from the database
    ["tenants", "list"],
    ["plans", "list", "--tenant", "t"],
    ["plans", "show", "1", "--tenant", "t"],
    ["containers", "list", "--tenant", "t"],
    ["fleet", "vehicles", "list", "--tenant", "t"],
    ["plan", "--tenant", "t", "--date", "2026-03-02"],
    ["forecast", "--tenant", "t"],
    ["users", "list", "--tenant", "t"],
    ["db", "status"],
]


def _error_line(capsys, argv: list[str], env: dict[str, str] | None = None, monkeypatch=None):
    """Run `wasteroute argv` in this process; the one stderr line of its answer."""
    if env and monkeypatch:
        for k, v in env.items():
            monkeypatch.setenv(k, v)
    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    lines = [line for line in out.err.splitlines() if line.strip()]
    assert code == 2, (argv, code, out.out, out.err)
    assert "Traceback" not in out.err
    assert len(lines) == 1, (argv, out.err)
    assert lines[0].startswith("wasteroute"), lines[0]
    return lines[0]


@pytest.fixture
def missing_db_url() -> str:
    return _url_for(f"wasteroute_nosuch_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def empty_db_url():
    """A database with no wasteroute schema."""
    name = f"wasteroute_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _url_for(name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("argv", DB_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_no_database_says_db_migrate_creates_it(argv, capsys, monkeypatch, missing_db_url):
    line = _error_line(capsys, argv, {"DATABASE_URL": missing_db_url}, monkeypatch)
    assert "does not exist" in line and "wasteroute db migrate" in line


@pytest.mark.parametrize("argv", DB_COMMANDS[:4], ids=lambda a: " ".join(a[:2]))
def test_no_server_says_how_to_start_one(argv, capsys, monkeypatch):
    url = "postgresql://postgres@127.0.0.1:1/wasteroute"
    line = _error_line(capsys, argv, {"DATABASE_URL": url}, monkeypatch)
    assert "cannot connect to" in line and "services.sh up" in line


def test_no_database_url_at_all(capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    line = _error_line(capsys, ["tenants", "list"])
    assert "DATABASE_URL" in line


@pytest.mark.parametrize("argv", DB_COMMANDS[:6], ids=lambda a: " ".join(a[:2]))
def test_no_schema_says_run_db_migrate(argv, capsys, monkeypatch, empty_db_url):
    line = _error_line(capsys, argv, {"DATABASE_URL": empty_db_url}, monkeypatch)
    assert "no wasteroute schema" in line and "wasteroute db migrate" in line


def test_db_migrate_creates_a_missing_database(capsys, missing_db_url):
    """`db migrate` on a database that does not exist creates it, then migrates it."""
    try:
        assert main(["db", "migrate", "--database-url", missing_db_url]) == 0
        out = capsys.readouterr().out
        assert "created database" in out and "schema up to date" in out
        with psycopg.connect(missing_db_url) as conn:
            assert conn.execute("SELECT to_regclass('tenants')").fetchone()[0] == "tenants"
    finally:
        name = missing_db_url.rsplit("/", 1)[1]
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "argv",
    [
        ["plans", "list", "--tenant", "nosuch"],
        ["plans", "jobs", "--tenant", "nosuch"],
        ["containers", "list", "--tenant", "nosuch"],
        ["fleet", "vehicles", "list", "--tenant", "nosuch"],
        ["plan", "--tenant", "nosuch", "--date", "2026-03-02"],
        ["forecast", "--tenant", "nosuch"],
        ["tenants", "schedule", "nosuch"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_unknown_tenant_is_named(argv, capsys, monkeypatch, database_url):
    line = _error_line(capsys, argv, {"DATABASE_URL": database_url}, monkeypatch)
    assert "'nosuch'" in line and "does not exist" in line and "tenants add" in line


def test_import_for_an_unknown_tenant(capsys, monkeypatch, database_url, tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("id,lat,lon,fraction,volume_l\na,52.0,4.3,Rest,5000\n")
    argv = ["containers", "import", str(csv), "--tenant", "nosuch"]
    line = _error_line(capsys, argv, {"DATABASE_URL": database_url}, monkeypatch)
    assert "'nosuch'" in line and "does not exist" in line


@pytest.mark.parametrize(
    "argv",
    [
        ["containers", "import", "missing.csv", "--tenant", "t"],
        ["solve", "missing.vrp"],
        ["trial", "--days", "1", "--city-file", "missing.geojson"],
    ],
    ids=lambda a: a[0],
)
def test_missing_file_is_named(argv, capsys, monkeypatch, database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    line = _error_line(capsys, argv, {"DATABASE_URL": database_url}, monkeypatch)
    assert "missing." in line and "Errno" not in line


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--tenant", "t", "--date", "2026-02-30"],
        ["plans", "list", "--tenant", "t", "--date", "yesterday"],
        ["trial", "--start", "2026-02-30"],
        ["simulate", "--tenant", "t", "--start", "2026-02-30"],
        ["forecast", "--tenant", "t", "--now", "noon"],
    ],
    ids=lambda a: a[0],
)
def test_bad_date_says_what_a_date_looks_like(argv, capsys):
    line = _error_line(capsys, argv)
    assert "2026-11-25" in line and "fromisoformat" not in line and "--help" in line


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["solve", "FILE", "--format", "xlsx"], "invalid choice"),
        (["solve", "FILE.csv"], "--format"),
        (["containers", "import", "FILE.csv", "--tenant", "t"], "header lacks"),
        (["tenants", "schedule", "t", "--at", "25:00"], "time of day"),
        (["plan", "--tenant", "t", "--date", "2026-03-02", "--fraction", "gold"], "gold"),
    ],
    ids=lambda a: a[0] if isinstance(a, list) else a,
)
def test_bad_format_says_what_is_expected(argv, words, capsys, monkeypatch, database_url,
                                          tenant_id, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    argv = [str(bad) if a.startswith("FILE") else tenant_id if a == "t" else a for a in argv]
    line = _error_line(capsys, argv, {"DATABASE_URL": database_url}, monkeypatch)
    assert words in line


def test_plan_without_vehicles_says_so(capsys, monkeypatch, database_url, db, tenant_id):
    """Containers but no vehicles: not 'no containers' (issue 20, item 6)."""
    add_container(db, tenant_id, Container(
        id=0, tenant_id=tenant_id, external_id="c1", location=GeoPoint(52.0, 4.3),
        fraction=Fraction.parse("glass"), volume_l=3000.0))
    argv = ["plan", "--tenant", tenant_id, "--date", "2026-03-02"]
    line = _error_line(capsys, argv, {"DATABASE_URL": database_url}, monkeypatch)
    assert "no vehicles" in line and "has no containers" not in line
    assert "fleet vehicles add" in line


def test_the_console_script_prints_one_line(missing_db_url):
    """The real `wasteroute` process: one line on stderr, exit code 2, nothing on stdout."""
    done = subprocess.run(
        [WASTEROUTE, "plans", "--database-url", missing_db_url, "list", "--tenant", "x"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "does not exist" in done.stderr


def test_a_command_that_wraps_the_database_error_still_says_it_in_one_line(
        capsys, monkeypatch, missing_db_url):
    """`wasteroute api` wraps the storage error in its own UserError: the same one line."""
    monkeypatch.setenv("API_JWT_SECRET", "x" * 48)
    line = _error_line(capsys, ["api"], {"DATABASE_URL": missing_db_url}, monkeypatch)
    assert "does not exist" in line and "wasteroute db migrate" in line


@pytest.mark.parametrize("url", ["foo", "postgresql://postgres@127.0.0.1:5433/x?nosuchopt=1"])
def test_a_database_url_that_is_not_one_says_how_to_write_it(url, capsys, monkeypatch):
    line = _error_line(capsys, ["tenants", "list"], {"DATABASE_URL": url}, monkeypatch)
    assert "is not a database address" in line and "postgresql://USER" in line
