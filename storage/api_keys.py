"""API keys of machine clients: the public prefix and an argon2 hash, never the key.

Each key has an owner (a user): the planner who made it, or the driver it was made for. The
one rule of when a key works is `_USABLE` below: it is unrevoked, and its owner exists, is
active, belongs to the key's tenant and may still do what the key does: a planner (any key of
its tenant), or the driver of exactly the key's vehicle. A driver key always has a vehicle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from storage.errors import NotFound

DictConn = psycopg.Connection[Any]  # rows are dicts (storage.connect's row factory)

_COLUMNS = (
    "id, tenant_id, name, prefix, role, vehicle_id, owner_id, created_at, revoked_at, last_used_at"
)
_USABLE = """
    k.revoked_at IS NULL
    AND u.active
    AND u.tenant_id IS NOT DISTINCT FROM k.tenant_id
    AND (k.role <> 'driver' OR k.vehicle_id IS NOT NULL)
    AND (u.role = 'planner' OR (u.role = 'driver' AND k.role = 'driver'
                                AND u.vehicle_id = k.vehicle_id))
"""


@dataclass(frozen=True, slots=True)
class UsableKey:
    """A key that works now, with its hash to verify the presented key against."""

    id: int
    tenant_id: str | None
    role: str
    vehicle_id: int | None
    owner_id: int
    key_hash: str


def create_api_key(
    conn: DictConn,
    *,
    tenant_id: str | None,
    name: str,
    prefix: str,
    key_hash: str,
    role: str,
    owner_id: int,
    vehicle_id: int | None = None,
) -> dict[str, Any]:
    row = conn.execute(
        f"INSERT INTO api_keys (tenant_id, name, prefix, key_hash, role, vehicle_id, owner_id)"
        f" VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (tenant_id, name, prefix, key_hash, role, vehicle_id, owner_id),
    ).fetchone()
    assert row is not None  # INSERT ... RETURNING returns the row
    return row


def find_usable_api_key(conn: DictConn, prefix: str) -> UsableKey | None:
    """The key with this prefix when it works now (see the module's rule); None otherwise."""
    row = conn.execute(
        "SELECT k.id, k.tenant_id, k.role, k.vehicle_id, k.owner_id, k.key_hash"
        "  FROM api_keys k JOIN users u ON u.id = k.owner_id"
        f" WHERE k.prefix = %s AND {_USABLE}",
        (prefix,),
    ).fetchone()
    if row is None:
        return None
    return UsableKey(
        id=row["id"],
        tenant_id=row["tenant_id"],
        role=row["role"],
        vehicle_id=row["vehicle_id"],
        owner_id=row["owner_id"],
        key_hash=row["key_hash"],
    )


def touch_api_key(conn: DictConn, key_id: int) -> None:
    conn.execute("UPDATE api_keys SET last_used_at = now() WHERE id = %s", (key_id,))


def list_api_keys(conn: DictConn, tenant_id: str | None) -> list[dict[str, Any]]:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM api_keys WHERE tenant_id IS NOT DISTINCT FROM %s ORDER BY id",
        (tenant_id,),
    ).fetchall()


def revoke_api_key(conn: DictConn, tenant_id: str | None, key_id: int) -> None:
    cur = conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s"
        " AND revoked_at IS NULL",
        (key_id, tenant_id),
    )
    if cur.rowcount == 0:
        raise NotFound(f"no api key {key_id}")


def revoke_owned_api_keys(conn: DictConn, tenant_id: str | None, owner_id: int) -> int:
    """Revoke every unrevoked key of this owner (its role changed); how many."""
    return conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE owner_id = %s"
        " AND tenant_id IS NOT DISTINCT FROM %s AND revoked_at IS NULL",
        (owner_id, tenant_id),
    ).rowcount
