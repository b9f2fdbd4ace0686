"""Ordered SQL migrations in storage/migrations/NNNN_name.sql, applied once each.

Applied versions are recorded in `schema_migrations`. Each file runs in its own transaction
under an advisory lock, so concurrent `migrate` calls (two workers starting) are safe and
applying twice is a no-op.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from storage.errors import MigrationError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_401_055_001  # advisory lock id for migrations


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version: {versions}")
    return found


def applied_versions(conn: psycopg.Connection) -> list[int]:
    _ensure_table(conn)
    return [
        r["version"] if isinstance(r, dict) else r[0]
        for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")
    ]


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply every migration not yet applied, in order. Returns those applied now."""
    conn.autocommit = True
    _ensure_table(conn)
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        done = set(applied_versions(conn))
        applied = []
        for migration in available_migrations():
            if migration.version in done:
                continue
            log.info("applying migration %04d_%s", migration.version, migration.name)
            try:
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
            except psycopg.Error as exc:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name}.sql failed: {exc}"
                ) from exc
            applied.append(migration)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _ensure_table(conn: psycopg.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
