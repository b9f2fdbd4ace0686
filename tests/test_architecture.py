"""The import rules of ../shared/ARCHITECTURE.md, enforced on every first-party module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"domain", "storage", "ingest", "optimizer", "planning", "api", "simulator", "cli"}
ALLOWED = {
    "domain": set(),
    "storage": {"domain"},
    "optimizer": {"domain"},
    # Forecast and selection, pure: shared by the service and the offline trial.
    "planning": {"domain", "optimizer"},
    "ingest": {"domain", "storage"},
    "api": {"domain", "storage", "optimizer", "planning"},
    # The simulator talks to the service over MQTT and HTTP; the offline trial uses the optimizer.
    "simulator": {"domain", "optimizer", "planning"},
    "cli": FIRST_PARTY - {"cli"},
}
FORBIDDEN_THIRD_PARTY = {
    "domain": {"psycopg", "paho", "fastapi", "ortools"},
    "optimizer": {"psycopg", "paho", "fastapi", "httpx"},
    "planning": {"psycopg", "paho", "fastapi", "httpx", "procrastinate"},
    "storage": {"paho", "fastapi", "ortools"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_architecture_allows(package):
    """No module of a package imports a first-party package outside its allowed list."""
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        imported = imports_of(path)
        bad = (imported & FIRST_PARTY) - ALLOWED[package] - {package}
        bad |= imported & FORBIDDEN_THIRD_PARTY.get(package, set())
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_the_checker_sees_a_violation(tmp_path):
    """The import scanner finds both plain and from-imports (so the rule test can fail)."""
    sample = tmp_path / "m.py"
    sample.write_text("import storage.db\nfrom api import app\nfrom . import x\n")
    assert imports_of(sample) == {"storage", "api"}
