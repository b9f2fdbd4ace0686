"""What the database holds for the demo tenant at the end: the figures of the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DemoCounts:
    readings: int
    rejected: int
    plans: int
    published: int
    routes: int
    planned_stops: int
    emptied_events: int
    disposal_events: int
    containers_emptied: int
    containers_with_state: int


def count_outcomes(url: str, tenant_id: str, since: datetime) -> DemoCounts:
    """Counts straight from the tables (not from the demo's own bookkeeping)."""
    from storage import connect

    q = {
        "readings": "SELECT count(*) AS n FROM readings WHERE tenant_id = %(t)s",
        "rejected": "SELECT count(*) AS n FROM rejected_messages WHERE tenant_id = %(t)s"
        " OR (tenant_id IS NULL AND received_at >= %(since)s)",
        "plans": "SELECT count(*) AS n FROM plans WHERE tenant_id = %(t)s",
        "published": "SELECT count(*) AS n FROM plans WHERE tenant_id = %(t)s"
        " AND status = 'published'",
        "routes": "SELECT count(*) AS n FROM plan_routes r JOIN plans p ON p.id = r.plan_id"
        " WHERE r.tenant_id = %(t)s AND p.status = 'published'",
        "planned_stops": "SELECT count(*) AS n FROM plan_stops s JOIN plans p ON p.id = s.plan_id"
        " WHERE s.tenant_id = %(t)s AND p.status = 'published'",
        "emptied_events": "SELECT count(*) AS n FROM stop_events WHERE tenant_id = %(t)s"
        " AND kind = 'emptied'",
        "disposal_events": "SELECT count(*) AS n FROM stop_events WHERE tenant_id = %(t)s"
        " AND kind = 'disposal'",
        "containers_emptied": "SELECT count(*) AS n FROM container_state WHERE tenant_id = %(t)s"
        " AND date_last_emptying IS NOT NULL",
        "containers_with_state": "SELECT count(*) AS n FROM container_state"
        " WHERE tenant_id = %(t)s",
    }
    with connect(url, autocommit=True) as conn:
        values = {
            k: int(_one(conn.execute(sql, {"t": tenant_id, "since": since}).fetchone()))
            for k, sql in q.items()
        }
    return DemoCounts(**values)


def _one(row: Any) -> int:
    """The `n` of a count(*) row (dict rows)."""
    return int(row["n"])
