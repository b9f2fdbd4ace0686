"""Published routes for drivers: routes of a day with their stops, coordinates and ETAs."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg


def published_routes(
    conn: psycopg.Connection, tenant_id: str, plan_date: date, vehicle_id: int | None = None
) -> list[dict[str, Any]]:
    """Routes of the day's published plans (every fraction), optionally of one vehicle."""
    sql = (
        "SELECT r.id AS route_id, r.plan_id, p.version AS plan_version, p.fraction, p.plan_date,"
        "       p.published_at, r.route_no, r.vehicle_id, v.name AS vehicle_name, r.start_at,"
        "       r.end_at, r.break_start_at, r.distance_m, r.duration_s, r.n_containers,"
        "       r.n_unloads, d.id AS depot_id, d.name AS depot_name, d.lat AS depot_lat,"
        "       d.lon AS depot_lon"
        "  FROM plans p"
        "  JOIN plan_routes r ON r.tenant_id = p.tenant_id AND r.plan_id = p.id"
        "  JOIN vehicles v ON v.tenant_id = r.tenant_id AND v.id = r.vehicle_id"
        "  JOIN depots d ON d.tenant_id = v.tenant_id AND d.id = v.depot_id"
        " WHERE p.tenant_id = %s AND p.plan_date = %s AND p.status = 'published'"
    )
    params: list = [tenant_id, plan_date]
    if vehicle_id is not None:
        sql += " AND r.vehicle_id = %s"
        params.append(vehicle_id)
    return conn.execute(sql + " ORDER BY r.start_at, r.plan_id, r.route_no", params).fetchall()


def route_stops(
    conn: psycopg.Connection, tenant_id: str, routes: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    """The stops of the given (plan_id, route_no) routes in order, with where they are."""
    if not routes:
        return []
    plan_ids = [p for p, _ in routes]
    route_nos = [r for _, r in routes]
    return conn.execute(
        "SELECT s.plan_id, s.route_no, s.id AS stop_id, s.seq, s.kind, s.container_id,"
        "       s.disposal_site_id, s.eta, s.start_at, s.departure_at, s.load_l, s.load_kg,"
        "       coalesce(c.lat, ds.lat) AS lat, coalesce(c.lon, ds.lon) AS lon,"
        "       c.external_id, c.address, c.fraction, c.volume_l, ds.name AS site_name"
        "  FROM plan_stops s"
        "  JOIN unnest(%s::bigint[], %s::int[]) AS want(plan_id, route_no)"
        "    ON want.plan_id = s.plan_id AND want.route_no = s.route_no"
        "  LEFT JOIN containers c ON c.tenant_id = s.tenant_id AND c.id = s.container_id"
        "  LEFT JOIN disposal_sites ds ON ds.tenant_id = s.tenant_id AND ds.id = s.disposal_site_id"
        " WHERE s.tenant_id = %s ORDER BY s.plan_id, s.route_no, s.seq",
        (plan_ids, route_nos, tenant_id),
    ).fetchall()


def plan_route_depots(
    conn: psycopg.Connection, tenant_id: str, plan_id: int
) -> dict[int, dict[str, Any]]:
    """route_no -> the depot its vehicle starts from and returns to, for one plan."""
    rows = conn.execute(
        "SELECT r.route_no, d.id, d.name, d.lat, d.lon"
        "  FROM plan_routes r"
        "  JOIN vehicles v ON v.tenant_id = r.tenant_id AND v.id = r.vehicle_id"
        "  JOIN depots d ON d.tenant_id = v.tenant_id AND d.id = v.depot_id"
        " WHERE r.tenant_id = %s AND r.plan_id = %s",
        (tenant_id, plan_id),
    ).fetchall()
    return {r["route_no"]: {k: r[k] for k in ("id", "name", "lat", "lon")} for r in rows}


def plan_job_status(conn: psycopg.Connection, tenant_id: str, job_id: int) -> dict[str, Any] | None:
    """A planning job of this tenant (procrastinate_jobs), or None."""
    if (
        conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS ok").fetchone()["ok"]
        is False
    ):
        return None
    return conn.execute(
        "SELECT j.id, j.status::text AS status, j.attempts, j.args, j.scheduled_at,"
        " (SELECT min(at) FROM procrastinate_events e WHERE e.job_id = j.id) AS queued_at,"
        " (SELECT max(at) FROM procrastinate_events e WHERE e.job_id = j.id) AS updated_at"
        " FROM procrastinate_jobs j WHERE j.id = %s AND j.args->>'tenant_id' = %s",
        (job_id, tenant_id),
    ).fetchone()
