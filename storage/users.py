"""Users (operators, planners, drivers) and login attempts. Hashes only; `api` hashes.

A user's `token_version` is bumped by the database (migration 0006) whenever its password,
role, vehicle, tenant, username or active flag changes: tokens carry it, and `UserAuthState`
is what the API compares them with on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from storage.errors import NotFound

DictConn = psycopg.Connection[Any]  # rows are dicts (storage.connect's row factory)

_COLUMNS = "id, tenant_id, username, role, vehicle_id, full_name, active, created_at"


@dataclass(frozen=True, slots=True)
class UserAuthState:
    """What a token is checked against: the user as it is now."""

    user_id: int
    tenant_id: str | None
    role: str
    vehicle_id: int | None
    active: bool
    token_version: int


def user_auth_state(conn: DictConn, user_id: int) -> UserAuthState | None:
    """The user's current state; None when there is no such user (deleted)."""
    row = conn.execute(
        "SELECT id, tenant_id, role, vehicle_id, active, token_version FROM users WHERE id = %s",
        (user_id,),
    ).fetchone()
    if row is None:
        return None
    return UserAuthState(
        user_id=row["id"],
        tenant_id=row["tenant_id"],
        role=row["role"],
        vehicle_id=row["vehicle_id"],
        active=row["active"],
        token_version=row["token_version"],
    )


def create_user(
    conn: DictConn,
    *,
    tenant_id: str | None,
    username: str,
    password_hash: str,
    role: str,
    vehicle_id: int | None = None,
    full_name: str | None = None,
) -> dict[str, Any]:
    row = conn.execute(
        f"INSERT INTO users (tenant_id, username, password_hash, role, vehicle_id, full_name)"
        f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (tenant_id, username, password_hash, role, vehicle_id, full_name),
    ).fetchone()
    assert row is not None  # INSERT ... RETURNING returns the row
    return row


def find_login(conn: DictConn, username: str) -> dict[str, Any] | None:
    """The active user with this username (any tenant), with its password hash."""
    return conn.execute(
        f"SELECT {_COLUMNS}, password_hash, token_version FROM users"
        " WHERE lower(username) = lower(%s) AND active",
        (username,),
    ).fetchone()


def find_user_by_username(conn: DictConn, username: str) -> dict[str, Any] | None:
    """The user with this username (any tenant, active or not)."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE lower(username) = lower(%s)", (username,)
    ).fetchone()


def get_user(conn: DictConn, tenant_id: str | None, user_id: int) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s",
        (user_id, tenant_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def list_users(
    conn: DictConn,
    tenant_id: str | None,
    *,
    role: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    where = "tenant_id IS NOT DISTINCT FROM %s" + (" AND role = %s" if role else "")
    params: tuple = (tenant_id, role) if role else (tenant_id,)
    counted = conn.execute(f"SELECT count(*) AS n FROM users WHERE {where}", params).fetchone()
    count = counted["n"] if counted else 0
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE {where} ORDER BY id LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return rows, count


def update_user(
    conn: DictConn, tenant_id: str | None, user_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change some of: password_hash, role, vehicle_id, full_name, active (the database bumps
    the token version where that ends the user's tokens)."""
    allowed = {"password_hash", "role", "vehicle_id", "full_name", "active"}
    fields = {k: v for k, v in changes.items() if k in allowed}
    if not fields:
        return get_user(conn, tenant_id, user_id)
    sets = ", ".join(f"{k} = %s" for k in fields)
    row = conn.execute(
        f"UPDATE users SET {sets} WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s"
        f" RETURNING {_COLUMNS}",
        (*fields.values(), user_id, tenant_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def delete_user(conn: DictConn, tenant_id: str | None, user_id: int) -> None:
    cur = conn.execute(
        "DELETE FROM users WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s",
        (user_id, tenant_id),
    )
    if cur.rowcount == 0:
        raise NotFound(f"no user {user_id}")


def record_login_attempt(conn: DictConn, username: str, client_ip: str, succeeded: bool) -> None:
    conn.execute(
        "INSERT INTO login_attempts (username, client_ip, succeeded) VALUES (%s, %s, %s)",
        (username[:200], client_ip[:100], succeeded),
    )


def prune_login_attempts(conn: DictConn, before: datetime) -> int:
    return conn.execute("DELETE FROM login_attempts WHERE attempted_at < %s", (before,)).rowcount
