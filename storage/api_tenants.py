"""Tenants as the operator manages them through the API."""

from __future__ import annotations

from typing import Any

import psycopg

from storage.errors import NotFound

_COLUMNS = "id, name, timezone, created_at"


def create_tenant(
    conn: psycopg.Connection, tenant_id: str, name: str, timezone: str = "Europe/Amsterdam"
) -> dict[str, Any]:
    return conn.execute(
        f"INSERT INTO tenants (id, name, timezone) VALUES (%s, %s, %s) RETURNING {_COLUMNS}",
        (tenant_id, name, timezone),
    ).fetchone()


def get_tenant(conn: psycopg.Connection, tenant_id: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {_COLUMNS} FROM tenants WHERE id = %s", (tenant_id,)).fetchone()
    if row is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return row


def list_tenants(
    conn: psycopg.Connection, limit: int = 100, offset: int = 0
) -> tuple[list[dict], int]:
    n = conn.execute("SELECT count(*) AS n FROM tenants").fetchone()["n"]
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM tenants ORDER BY id LIMIT %s OFFSET %s", (limit, offset)
    ).fetchall()
    return rows, n


def update_tenant(
    conn: psycopg.Connection, tenant_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    fields = {k: v for k, v in changes.items() if k in {"name", "timezone"}}
    if not fields:
        return get_tenant(conn, tenant_id)
    sets = ", ".join(f"{k} = %s" for k in fields)
    row = conn.execute(
        f"UPDATE tenants SET {sets} WHERE id = %s RETURNING {_COLUMNS}",
        (*fields.values(), tenant_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return row
