"""Users (operators, planners, drivers) and login attempts. Hashes only; `api` hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from storage.errors import NotFound

_COLUMNS = "id, tenant_id, username, role, vehicle_id, full_name, active, created_at"


def create_user(
    conn: psycopg.Connection,
    *,
    tenant_id: str | None,
    username: str,
    password_hash: str,
    role: str,
    vehicle_id: int | None = None,
    full_name: str | None = None,
) -> dict[str, Any]:
    return conn.execute(
        f"INSERT INTO users (tenant_id, username, password_hash, role, vehicle_id, full_name)"
        f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (tenant_id, username, password_hash, role, vehicle_id, full_name),
    ).fetchone()


def find_login(conn: psycopg.Connection, username: str) -> dict[str, Any] | None:
    """The active user with this username (any tenant), with its password hash."""
    return conn.execute(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(username) = lower(%s) AND active",
        (username,),
    ).fetchone()


def get_user(conn: psycopg.Connection, tenant_id: str | None, user_id: int) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s",
        (user_id, tenant_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def list_users(
    conn: psycopg.Connection,
    tenant_id: str | None,
    *,
    role: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    where = "tenant_id IS NOT DISTINCT FROM %s" + (" AND role = %s" if role else "")
    params: tuple = (tenant_id, role) if role else (tenant_id,)
    count = conn.execute(f"SELECT count(*) AS n FROM users WHERE {where}", params).fetchone()["n"]
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE {where} ORDER BY id LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return rows, count


def update_user(
    conn: psycopg.Connection, tenant_id: str | None, user_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change some of: password_hash, vehicle_id, full_name, active."""
    allowed = {"password_hash", "vehicle_id", "full_name", "active"}
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


def delete_user(conn: psycopg.Connection, tenant_id: str | None, user_id: int) -> None:
    cur = conn.execute(
        "DELETE FROM users WHERE id = %s AND tenant_id IS NOT DISTINCT FROM %s",
        (user_id, tenant_id),
    )
    if cur.rowcount == 0:
        raise NotFound(f"no user {user_id}")


def record_login_attempt(
    conn: psycopg.Connection, username: str, client_ip: str, succeeded: bool
) -> None:
    conn.execute(
        "INSERT INTO login_attempts (username, client_ip, succeeded) VALUES (%s, %s, %s)",
        (username[:200], client_ip[:100], succeeded),
    )


def recent_login_failures(
    conn: psycopg.Connection, username: str, client_ip: str, since: datetime
) -> tuple[int, int, datetime | None]:
    """Failed attempts since `since`: (for this username, from this address, the oldest)."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE lower(username) = lower(%s)) AS by_user,"
        "       count(*) FILTER (WHERE client_ip = %s) AS by_ip,"
        "       min(attempted_at) AS oldest"
        "  FROM login_attempts"
        " WHERE NOT succeeded AND attempted_at >= %s"
        "   AND (lower(username) = lower(%s) OR client_ip = %s)",
        (username, client_ip, since, username, client_ip),
    ).fetchone()
    return row["by_user"], row["by_ip"], row["oldest"]


def prune_login_attempts(conn: psycopg.Connection, before: datetime) -> int:
    return conn.execute("DELETE FROM login_attempts WHERE attempted_at < %s", (before,)).rowcount
