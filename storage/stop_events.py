"""Stop events from drivers' tablets: idempotent by the tablet's event id.

`record_stop_events` stores a batch in one statement (`INSERT ... SELECT FROM unnest(...)
ON CONFLICT DO NOTHING RETURNING`), skipping every `event_id` already stored for the tenant,
and only newly stored `emptied` events reset their containers' state (fill 0, alarms of a
full container cleared, `date_last_emptying`) in one more statement, so a retry never
double-counts. `resolve_references` looks up a batch's stops, containers and sites in one
query. `record_stop_event` is the same for one event.
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
        "  FROM plan_stops s"
        " JOIN plan_routes r ON r.plan_id = s.plan_id AND r.route_no = s.route_no"
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


_TYPES = {
    "event_id": "uuid",
    "kind": "text",
    "occurred_at": "timestamptz",
    "user_id": "bigint",
    "vehicle_id": "bigint",
    "plan_id": "bigint",
    "stop_id": "bigint",
    "container_id": "bigint",
    "disposal_site_id": "bigint",
    "observed_fill_fraction": "real",
    "skip_reason": "text",
    "weight_kg": "real",
    "note": "text",
}
_IN = [f for f in _FIELDS if f != "sensor_fill_fraction"]
_INSERT_BATCH = (
    f"INSERT INTO stop_events AS e (tenant_id, {', '.join(_FIELDS)})"
    f" SELECT %s, {', '.join('b.' + f for f in _IN[:10])}, st.fill_fraction,"
    f"        {', '.join('b.' + f for f in _IN[10:])}"
    f"   FROM unnest({', '.join(f'%s::{_TYPES[f]}[]' for f in _IN)})"
    f"        WITH ORDINALITY AS b({', '.join(_IN)}, n)"
    "   LEFT JOIN container_state st ON b.kind = 'emptied' AND st.container_id = b.container_id"
    "        AND st.tenant_id = %s"
    "  ORDER BY b.n"
    " ON CONFLICT (tenant_id, event_id) DO NOTHING"
    " RETURNING e.id, e.event_id, e.kind, e.container_id, e.occurred_at"
)


def resolve_references(
    conn: psycopg.Connection,
    tenant_id: str,
    stop_ids: list[int],
    container_ids: list[int],
    site_ids: list[int],
) -> tuple[dict[int, dict[str, Any]], set[int], set[int]]:
    """One query: the tenant's stops (id -> plan, its status and day, the tenant's time
    zone, container, vehicle), containers and sites among the ids given; an id missing from
    the answer is not in the tenant."""
    if not (stop_ids or container_ids or site_ids):
        return {}, set(), set()
    rows = conn.execute(
        "SELECT 's' AS what, s.id, s.plan_id, s.container_id, r.vehicle_id,"
        "       p.status AS plan_status, p.plan_date, t.timezone"
        "  FROM plan_stops s"
        "  JOIN plan_routes r ON r.plan_id = s.plan_id AND r.route_no = s.route_no"
        "  JOIN plans p ON p.id = s.plan_id AND p.tenant_id = s.tenant_id"
        "  JOIN tenants t ON t.id = s.tenant_id"
        " WHERE s.tenant_id = %(t)s AND s.id = ANY(%(s)s::bigint[])"
        " UNION ALL SELECT 'c', id, NULL, NULL, NULL, NULL, NULL, NULL FROM containers"
        " WHERE tenant_id = %(t)s AND id = ANY(%(c)s::bigint[])"
        " UNION ALL SELECT 'd', id, NULL, NULL, NULL, NULL, NULL, NULL FROM disposal_sites"
        " WHERE tenant_id = %(t)s AND id = ANY(%(d)s::bigint[])",
        {"t": tenant_id, "s": stop_ids, "c": container_ids, "d": site_ids},
    ).fetchall()
    stops = {r["id"]: r for r in rows if r["what"] == "s"}
    containers = {r["id"] for r in rows if r["what"] == "c"}
    sites = {r["id"] for r in rows if r["what"] == "d"}
    return stops, containers, sites


def record_stop_events(
    conn: psycopg.Connection, tenant_id: str, events: list[dict[str, Any]]
) -> list[tuple[int, bool]]:
    """Store a batch, each `event_id` once (also within the batch). Returns, per event in
    order, (the stored event's id, True if stored now). Two statements, three when some
    were stored before."""
    if not events:
        return []
    columns = [[e.get(f) for e in events] for f in _IN]
    rows = conn.execute(_INSERT_BATCH, (tenant_id, *columns, tenant_id)).fetchall()
    new = {r["event_id"]: r for r in rows}
    emptied = [r for r in rows if r["kind"] == "emptied"]
    if emptied:
        reset_containers_state(
            conn,
            tenant_id,
            [r["container_id"] for r in emptied],
            [r["occurred_at"] for r in emptied],
        )
    old = {}
    if len(new) < len({e["event_id"] for e in events}):
        old = {
            r["event_id"]: r["id"]
            for r in conn.execute(
                "SELECT id, event_id FROM stop_events WHERE tenant_id = %s"
                " AND event_id = ANY(%s::uuid[])",
                (tenant_id, [e["event_id"] for e in events if e["event_id"] not in new]),
            )
        }
    out, seen = [], set()
    for e in events:
        eid = e["event_id"]
        if eid in new:
            out.append((new[eid]["id"], eid not in seen))
            seen.add(eid)
        else:
            out.append((old[eid], False))
    return out


def reset_containers_state(
    conn: psycopg.Connection, tenant_id: str, container_ids: list[int], emptied_at: list
) -> None:
    """These containers were emptied at these times: one upsert for the batch, the latest
    emptying per container; fill 0 unless a later reading says otherwise."""
    conn.execute(
        "INSERT INTO container_state AS s"
        "       (tenant_id, container_id, fill_fraction, date_last_emptying)"
        " SELECT %(t)s, c, 0, max(at)"
        "   FROM unnest(%(c)s::bigint[], %(at)s::timestamptz[]) AS e(c, at)"
        "  GROUP BY c"
        " ON CONFLICT (container_id) DO UPDATE SET"
        "   date_last_emptying = greatest(s.date_last_emptying, excluded.date_last_emptying),"
        "   fill_fraction = CASE WHEN s.measured_at IS NULL"
        "                          OR s.measured_at <= excluded.date_last_emptying"
        "                        THEN 0 ELSE s.fill_fraction END,"
        "   report_alarm = CASE WHEN s.measured_at IS NULL"
        "                         OR s.measured_at <= excluded.date_last_emptying"
        "                       THEN false ELSE s.report_alarm END,"
        "   updated_at = now()"
        " WHERE s.tenant_id = %(t)s",
        {"t": tenant_id, "c": container_ids, "at": emptied_at},
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
        "INSERT INTO container_state AS s"
        " (tenant_id, container_id, fill_fraction, date_last_emptying)"
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
