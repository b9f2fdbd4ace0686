"""Container queries the API needs: CRUD scoped by tenant, bulk upsert, export, with state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from storage.errors import NotFound

FIELDS = (
    "external_id",
    "lat",
    "lon",
    "fraction",
    "volume_l",
    "depth_mm",
    "model",
    "service_time_s",
    "open_from",
    "open_until",
    "address",
)
COLUMNS = "id, " + ", ".join(FIELDS) + ", created_at"
_C_COLUMNS = ", ".join(f"c.{c}" for c in COLUMNS.split(", "))
STATE_COLUMNS = (
    "s.measured_at, s.fill_fraction, s.temperature_c, s.battery_pct, s.tilt, s.rssi_dbm,"
    " coalesce(s.fire_alarm, false) AS fire_alarm, coalesce(s.tilt_alarm, false) AS tilt_alarm,"
    " coalesce(s.report_alarm, false) AS report_alarm, s.date_last_emptying"
)


def create_container(
    conn: psycopg.Connection, tenant_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    cols = [c for c in FIELDS if c in values]
    return conn.execute(
        f"INSERT INTO containers (tenant_id, {', '.join(cols)})"
        f" VALUES (%s, {', '.join(['%s'] * len(cols))})"
        f" RETURNING {COLUMNS}",
        (tenant_id, *(values[c] for c in cols)),
    ).fetchone()


def get_container(conn: psycopg.Connection, tenant_id: str, container_id: int) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM containers WHERE tenant_id = %s AND id = %s",
        (tenant_id, container_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no container {container_id}")
    return row


def list_containers(
    conn: psycopg.Connection,
    tenant_id: str,
    *,
    fraction: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    where, params = "tenant_id = %s", [tenant_id]
    if fraction:
        where += " AND fraction = %s"
        params.append(fraction)
    count = conn.execute(f"SELECT count(*) AS n FROM containers WHERE {where}", params).fetchone()[
        "n"
    ]
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM containers WHERE {where} ORDER BY id LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return rows, count


def update_container(
    conn: psycopg.Connection, tenant_id: str, container_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    fields = {k: v for k, v in changes.items() if k in FIELDS}
    if not fields:
        return get_container(conn, tenant_id, container_id)
    sets = ", ".join(f"{k} = %s" for k in fields)
    row = conn.execute(
        f"UPDATE containers SET {sets} WHERE tenant_id = %s AND id = %s RETURNING {COLUMNS}",
        (*fields.values(), tenant_id, container_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no container {container_id}")
    return row


def delete_container(conn: psycopg.Connection, tenant_id: str, container_id: int) -> None:
    if (
        conn.execute(
            "DELETE FROM containers WHERE tenant_id = %s AND id = %s", (tenant_id, container_id)
        ).rowcount
        == 0
    ):
        raise NotFound(f"no container {container_id}")


def upsert_containers(
    conn: psycopg.Connection, tenant_id: str, rows: Iterable[dict[str, Any]]
) -> tuple[int, int]:
    """Insert or update by external id. Returns (created, updated)."""
    created = updated = 0
    cols = ", ".join(FIELDS)
    marks = ", ".join(["%s"] * len(FIELDS))
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in FIELDS if c != "external_id")
    sql = (
        f"INSERT INTO containers (tenant_id, {cols}) VALUES (%s, {marks})"
        f" ON CONFLICT (tenant_id, external_id) DO UPDATE SET {sets}"
        f" RETURNING (xmax = 0) AS inserted"
    )
    with conn.cursor() as cur:
        for row in rows:
            inserted = cur.execute(sql, (tenant_id, *(row.get(c) for c in FIELDS))).fetchone()[
                "inserted"
            ]
            created += inserted
            updated += not inserted
    return created, updated


def containers_with_state(
    conn: psycopg.Connection,
    tenant_id: str,
    *,
    fraction: str | None = None,
    container_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Containers joined with their latest state (None fields where no reading arrived yet)."""
    where, params = ["c.tenant_id = %s"], [tenant_id]
    if fraction:
        where.append("c.fraction = %s")
        params.append(fraction)
    if container_id is not None:
        where.append("c.id = %s")
        params.append(container_id)
    sql = (
        f"SELECT {_C_COLUMNS}, {STATE_COLUMNS},"
        f" (SELECT array_agg(d.device_id ORDER BY d.device_id) FROM devices d"
        f"   WHERE d.tenant_id = c.tenant_id AND d.container_id = c.id) AS device_ids"
        f" FROM containers c LEFT JOIN container_state s"
        f"   ON s.tenant_id = c.tenant_id AND s.container_id = c.id"
        f" WHERE {' AND '.join(where)} ORDER BY c.id"
    )
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return conn.execute(sql, params).fetchall()
