"""Stop events from drivers' tablets: idempotent by the tablet's event id.

`record_stop_event` inserts one event unless its `event_id` is already stored for the tenant,
and only a newly stored `emptied` event resets the container's state (fill 0, alarms of a
full container cleared, `date_last_emptying`), so a retry never double-counts.
"""

from __future__ import annotations

from typing import Any

import psycopg

_FIELDS = (
    "event_id",
    "kind",
    "occurred_at",
    "user_id",
    "vehicle_id",
    "plan_id",
    "stop_id",
    "container_id",
    "disposal_site_id",
    "observed_fill_fraction",
    "sensor_fill_fraction",
    "skip_reason",
    "weight_kg",
    "note",
)
_PUBLIC = "id, " + ", ".join(_FIELDS) + ", received_at"


def find_stop(conn: psycopg.Connection, tenant_id: str, stop_id: int) -> dict[str, Any] | None:
    """A planned stop of this tenant with its plan, vehicle, container and site."""
    return conn.execute(
        "SELECT s.id, s.plan_id, s.kind, s.container_id, s.disposal_site_id, r.vehicle_id"
        "  FROM plan_stops s JOIN plan_routes r ON r.plan_id = s.plan_id AND r.route_no = s.route_no"
        " WHERE s.tenant_id = %s AND s.id = %s",
        (tenant_id, stop_id),
    ).fetchone()


def container_in_tenant(conn: psycopg.Connection, tenant_id: str, container_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 AS ok FROM containers WHERE tenant_id = %s AND id = %s",
            (tenant_id, container_id),
        ).fetchone()
        is not None
    )


def site_in_tenant(conn: psycopg.Connection, tenant_id: str, site_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 AS ok FROM disposal_sites WHERE tenant_id = %s AND id = %s",
            (tenant_id, site_id),
        ).fetchone()
        is not None
    )


def record_stop_event(
    conn: psycopg.Connection, tenant_id: str, event: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Store the event once. Returns (the stored event, True if stored now)."""
    if event["kind"] == "emptied":
        state = conn.execute(
            "SELECT fill_fraction FROM container_state WHERE tenant_id = %s AND container_id = %s",
            (tenant_id, event["container_id"]),
        ).fetchone()
        event = {**event, "sensor_fill_fraction": state["fill_fraction"] if state else None}
    values = [event.get(f) for f in _FIELDS]
    row = conn.execute(
        f"INSERT INTO stop_events (tenant_id, {', '.join(_FIELDS)})"
        f" VALUES (%s, {', '.join(['%s'] * len(_FIELDS))})"
        f" ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING {_PUBLIC}",
        (tenant_id, *values),
    ).fetchone()
    if row is None:
        existing = conn.execute(
            f"SELECT {_PUBLIC} FROM stop_events WHERE tenant_id = %s AND event_id = %s",
            (tenant_id, event["event_id"]),
        ).fetchone()
        return existing, False
    if row["kind"] == "emptied":
        reset_container_state(conn, tenant_id, row["container_id"], row["occurred_at"])
    return row, True


def reset_container_state(
    conn: psycopg.Connection, tenant_id: str, container_id: int, emptied_at
) -> None:
    """The container was emptied at `emptied_at`: fill 0 unless a later reading says otherwise."""
    conn.execute(
        "INSERT INTO container_state AS s (tenant_id, container_id, fill_fraction, date_last_emptying)"
        " VALUES (%(t)s, %(c)s, 0, %(at)s)"
        " ON CONFLICT (container_id) DO UPDATE SET"
        "   date_last_emptying = greatest(s.date_last_emptying, %(at)s),"
        "   fill_fraction = CASE WHEN s.measured_at IS NULL OR s.measured_at <= %(at)s"
        "                        THEN 0 ELSE s.fill_fraction END,"
        "   report_alarm = CASE WHEN s.measured_at IS NULL OR s.measured_at <= %(at)s"
        "                       THEN false ELSE s.report_alarm END,"
        "   updated_at = now()"
        " WHERE s.tenant_id = %(t)s",
        {"t": tenant_id, "c": container_id, "at": emptied_at},
    )


def list_stop_events(
    conn: psycopg.Connection,
    tenant_id: str,
    *,
    since=None,
    until=None,
    vehicle_id: int | None = None,
    container_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    where, params = ["tenant_id = %s"], [tenant_id]
    for column, op, value in (
        ("occurred_at", ">=", since),
        ("occurred_at", "<", until),
        ("vehicle_id", "=", vehicle_id),
        ("container_id", "=", container_id),
    ):
        if value is not None:
            where.append(f"{column} {op} %s")
            params.append(value)
    clause = " AND ".join(where)
    n = conn.execute(f"SELECT count(*) AS n FROM stop_events WHERE {clause}", params).fetchone()[
        "n"
    ]
    rows = conn.execute(
        f"SELECT {_PUBLIC} FROM stop_events WHERE {clause}"
        f" ORDER BY occurred_at DESC, id DESC LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return rows, n
