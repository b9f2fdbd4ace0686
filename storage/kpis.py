"""Key figures per tenant and period: planned km and hours, collections, fill at emptying,
overflows, skipped stops. The period is [start, end) as timestamps (the API passes local
midnights of the tenant)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg


def tenant_kpis(
    conn: psycopg.Connection, tenant_id: str, start: datetime, end: datetime
) -> dict[str, Any]:
    p = {"t": tenant_id, "s": start, "e": end}
    plans = conn.execute(
        "SELECT count(DISTINCT p.id) AS plans, count(r.*) AS routes,"
        "       coalesce(sum(r.distance_m), 0)::float8 / 1000 AS km,"
        "       coalesce(sum(r.duration_s), 0)::float8 / 3600 AS hours,"
        "       coalesce(sum(r.n_containers), 0) AS planned_stops,"
        "       coalesce(sum(r.n_unloads), 0) AS planned_unloads"
        "  FROM plans p JOIN plan_routes r ON r.plan_id = p.id"
        " WHERE p.tenant_id = %(t)s AND p.status = 'published'"
        "   AND r.start_at >= %(s)s AND r.start_at < %(e)s",
        p,
    ).fetchone()
    events = conn.execute(
        "SELECT count(*) FILTER (WHERE kind = 'emptied') AS collections,"
        "       avg(coalesce(observed_fill_fraction, sensor_fill_fraction))"
        "           FILTER (WHERE kind = 'emptied')::float8 AS avg_fill_at_emptying,"
        "       count(*) FILTER (WHERE kind = 'skipped') AS skipped_stops,"
        "       count(*) FILTER (WHERE skip_reason = 'blocked') AS skipped_blocked,"
        "       count(*) FILTER (WHERE skip_reason = 'broken') AS skipped_broken,"
        "       count(*) FILTER (WHERE skip_reason = 'not_out') AS skipped_not_out,"
        "       count(*) FILTER (WHERE skip_reason = 'already_empty') AS skipped_already_empty,"
        "       count(*) FILTER (WHERE kind = 'disposal') AS disposal_trips,"
        "       coalesce(sum(weight_kg) FILTER (WHERE kind = 'disposal'), 0)::float8 AS disposed_kg"
        "  FROM stop_events"
        " WHERE tenant_id = %(t)s AND occurred_at >= %(s)s AND occurred_at < %(e)s",
        p,
    ).fetchone()
    overflows = conn.execute(
        "SELECT count(*) AS n FROM ("
        "  SELECT container_id, date_trunc('day', measured_at) FROM readings"
        "   WHERE tenant_id = %(t)s AND measured_at >= %(s)s AND measured_at < %(e)s"
        "     AND fill_fraction >= 0.999"
        "  UNION"
        "  SELECT container_id, date_trunc('day', occurred_at) FROM stop_events"
        "   WHERE tenant_id = %(t)s AND occurred_at >= %(s)s AND occurred_at < %(e)s"
        "     AND kind = 'emptied' AND observed_fill_fraction >= 1.0) x",
        p,
    ).fetchone()
    return {**plans, **events, "overflows": overflows["n"]}
