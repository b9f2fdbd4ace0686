"""API keys of machine clients: the public prefix and an argon2 hash, never the key."""

from __future__ import annotations

from typing import Any

import psycopg

from storage.errors import NotFound

_COLUMNS = "id, tenant_id, name, prefix, role, vehicle_id, created_at, revoked_at, last_used_at"


def create_api_key(
    conn: psycopg.Connection,
    *,
    tenant_id: str | None,
    name: str,
    prefix: str,
    key_hash: str,
    role: str,
    vehicle_id: int | None = None,
) -> dict[str, Any]:
    return conn.execute(
        f"INSERT INTO api_keys (tenant_id, name, prefix, key_hash, role, vehicle_id)"
        f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (tenant_id, name, prefix, key_hash, role, vehicle_id),
    ).fetchone()


def find_api_key(conn: psycopg.Connection, prefix: str) -> dict[str, Any] | None:
    """The unrevoked key with this prefix, with its hash."""
    return conn.execute(
        f"SELECT {_COLUMNS}, key_hash FROM api_keys WHERE prefix = %s AND revoked_at IS NULL",
        (prefix,),
    ).fetchone()


def touch_api_key(conn: psycopg.Connection, key_id: int) -> None:
    conn.execute("UPDATE api_keys SET last_used_at = now() WHERE id = %s", (key_id,))


def list_api_keys(conn: psycopg.Connection, tenant_id: str | None) -> list[dict[str, Any]]:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM api_keys WHERE tenant_id IS NOT DISTINCT FROM %s ORDER BY id",
        (tenant_id,),
    ).fetchall()


def revoke_api_key(conn: psycopg.Connection, tenant_id: str | None, key_id: int) -> None:
    cur = conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s"
        " AND revoked_at IS NULL",
        (key_id, tenant_id),
    )
    if cur.rowcount == 0:
        raise NotFound(f"no api key {key_id}")
