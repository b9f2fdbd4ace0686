"""`wasteroute applications add|list|remove`: a tenant's LoRaWAN applications, with one-line
errors (exit 2) for an unknown tenant, an application already registered, a bad name."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests.ingest.conftest import ROOT


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "applications", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_add_list_remove_and_errors(database_url, tenant_id, db):
    app = f"waste-{uuid.uuid4().hex[:8]}@ttn"
    ok = _cli(database_url, "add", "--tenant", tenant_id, "--format", "tts", app)
    assert ok.returncode == 0, ok.stderr
    listed = _cli(database_url, "list", "--tenant", tenant_id)
    assert listed.returncode == 0 and app in listed.stdout
    row = db.execute(
        "SELECT tenant_id, source_format FROM ingest_applications WHERE application = %s", (app,)
    ).fetchone()
    assert row == {"tenant_id": tenant_id, "source_format": "tts-v3"}

    other = f"t-{uuid.uuid4().hex[:12]}"
    db.execute("INSERT INTO tenants (id, name) VALUES (%s, 'other')", (other,))
    taken = _cli(database_url, "add", "--tenant", other, "--format", "tts", app)
    assert taken.returncode == 2 and "already registered" in taken.stderr
    assert tenant_id not in taken.stderr and len(taken.stderr.strip().splitlines()) == 1
    for bad in (
        ["add", "--tenant", "nosuch", "--format", "tts", "x@ttn"],
        ["add", "--tenant", tenant_id, "--format", "chirpstack", "a/b"],
        ["remove", "--tenant", other, "--format", "tts", app],
    ):
        out = _cli(database_url, *bad)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr

    gone = _cli(database_url, "remove", "--tenant", tenant_id, "--format", "tts", app)
    assert gone.returncode == 0
    assert (
        db.execute(
            "SELECT count(*) AS n FROM ingest_applications WHERE application = %s", (app,)
        ).fetchone()["n"]
        == 0
    )
