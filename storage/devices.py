"""Sensors as the API manages them: register, map to a container, broker credentials.

Device ids (and DevEUIs) are unique across the deployment (network servers know devices
without our tenant), but every read and write here is scoped by `tenant_id`. Also the
tenant's network-server integration account (`integration_credentials`).
"""

from __future__ import annotations

from typing import Any

import psycopg

from storage.errors import NotFound

_COLUMNS = (
    "d.device_id, d.dev_eui, d.container_id, d.model, d.active, d.created_at,"
    " c.username AS broker_username, c.rotated_at AS credentials_rotated_at"
)
_FROM = "devices d LEFT JOIN device_credentials c ON c.device_id = d.device_id"


def create_device(
    conn: psycopg.Connection,
    tenant_id: str,
    *,
    device_id: str,
    container_id: int,
    dev_eui: str | None,
    model: str | None,
    broker_username: str,
    password_hash: str,
) -> dict[str, Any]:
    conn.execute(
        "INSERT INTO devices (tenant_id, device_id, dev_eui, container_id, model)"
        " VALUES (%s, %s, %s, %s, %s)",
        (tenant_id, device_id, dev_eui, container_id, model),
    )
    conn.execute(
        "INSERT INTO device_credentials (tenant_id, device_id, username, password_hash)"
        " VALUES (%s, %s, %s, %s)",
        (tenant_id, device_id, broker_username, password_hash),
    )
    return get_device(conn, tenant_id, device_id)


def get_device(conn: psycopg.Connection, tenant_id: str, device_id: str) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE d.tenant_id = %s AND d.device_id = %s",
        (tenant_id, device_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no device {device_id!r}")
    return row


def list_devices(
    conn: psycopg.Connection,
    tenant_id: str,
    *,
    container_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    where, params = "d.tenant_id = %s", [tenant_id]
    if container_id is not None:
        where += " AND d.container_id = %s"
        params.append(container_id)
    n = conn.execute(f"SELECT count(*) AS n FROM devices d WHERE {where}", params).fetchone()["n"]
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} ORDER BY d.device_id LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return rows, n


def update_device(
    conn: psycopg.Connection, tenant_id: str, device_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change some of: container_id (re-map), dev_eui, model, active."""
    fields = {
        k: v for k, v in changes.items() if k in {"container_id", "dev_eui", "model", "active"}
    }
    if fields:
        sets = ", ".join(f"{k} = %s" for k in fields)
        cur = conn.execute(
            f"UPDATE devices SET {sets} WHERE tenant_id = %s AND device_id = %s",
            (*fields.values(), tenant_id, device_id),
        )
        if cur.rowcount == 0:
            raise NotFound(f"no device {device_id!r}")
    return get_device(conn, tenant_id, device_id)


def set_device_password(
    conn: psycopg.Connection,
    tenant_id: str,
    device_id: str,
    broker_username: str,
    password_hash: str,
) -> dict[str, Any]:
    get_device(conn, tenant_id, device_id)
    conn.execute(
        "INSERT INTO device_credentials (tenant_id, device_id, username, password_hash)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (device_id) DO UPDATE"
        " SET username = EXCLUDED.username, password_hash = EXCLUDED.password_hash,"
        " rotated_at = now()",
        (tenant_id, device_id, broker_username, password_hash),
    )
    return get_device(conn, tenant_id, device_id)


def device_ids_taken(conn: psycopg.Connection, device_id: str | None, dev_eui: str | None) -> bool:
    """Whether a device id or DevEUI is registered in any tenant (they are unique across the
    deployment; the caller must not say where)."""
    row = conn.execute(
        "SELECT 1 AS taken FROM devices WHERE device_id = %s OR dev_eui = %s LIMIT 1",
        (device_id, dev_eui),
    ).fetchone()
    return row is not None


def set_integration_password(
    conn: psycopg.Connection, tenant_id: str, password_hash: str
) -> dict[str, Any]:
    """Create or rotate the tenant's network-server integration broker account."""
    return conn.execute(
        "INSERT INTO integration_credentials (tenant_id, password_hash) VALUES (%s, %s)"
        " ON CONFLICT (tenant_id) DO UPDATE"
        " SET password_hash = EXCLUDED.password_hash, rotated_at = now()"
        " RETURNING tenant_id, rotated_at",
        (tenant_id, password_hash),
    ).fetchone()


def integration_credentials(
    conn: psycopg.Connection, tenant_id: str | None = None
) -> list[dict[str, Any]]:
    """Every tenant's integration account hash (one tenant's when given)."""
    sql = "SELECT tenant_id, password_hash FROM integration_credentials"
    params: list = []
    if tenant_id is not None:
        sql += " WHERE tenant_id = %s"
        params.append(tenant_id)
    return conn.execute(sql + " ORDER BY tenant_id", params).fetchall()


def delete_device(conn: psycopg.Connection, tenant_id: str, device_id: str) -> None:
    if (
        conn.execute(
            "DELETE FROM devices WHERE tenant_id = %s AND device_id = %s", (tenant_id, device_id)
        ).rowcount
        == 0
    ):
        raise NotFound(f"no device {device_id!r}")


def broker_credentials(
    conn: psycopg.Connection, tenant_id: str | None = None
) -> list[dict[str, Any]]:
    """Every active device's broker username, hash and tenant (all tenants when None)."""
    sql = (
        "SELECT c.tenant_id, c.device_id, c.username, c.password_hash FROM device_credentials c"
        " JOIN devices d ON d.device_id = c.device_id WHERE d.active"
    )
    params: list = []
    if tenant_id is not None:
        sql += " AND c.tenant_id = %s"
        params.append(tenant_id)
    return conn.execute(sql + " ORDER BY c.username", params).fetchall()
