"""Tenants and their daily planning schedule.

Public API:
- `add_tenant`, `get_tenant`, `list_tenants`, `delete_tenant`: municipalities on the
  deployment.
- `PlanSchedule`, `get_plan_schedule`, `set_plan_schedule`, `list_plan_schedules`: when each
  tenant's daily plan runs, in its own time zone.
- `claim_schedule_run`: record, once, that a tenant's plans for a date were queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import psycopg

from domain import Tenant
from storage.errors import NotFound


@dataclass(frozen=True, slots=True)
class PlanSchedule:
    """When a tenant's plans are made: `local_time` in the tenant's time zone, for the day
    `day_offset` days ahead (0: the same day), with a solver limit, optionally published."""

    tenant_id: str
    timezone: str
    local_time: time = time(5, 0)
    day_offset: int = 0
    time_limit_s: float = 30.0
    auto_publish: bool = False
    enabled: bool = True


def add_tenant(conn: psycopg.Connection, tenant_id: str, name: str,
               timezone: str = "Europe/Amsterdam") -> Tenant:
    """Create a tenant. Raises psycopg.errors.UniqueViolation if the id is taken."""
    conn.execute("INSERT INTO tenants (id, name, timezone) VALUES (%s, %s, %s)",
                 (tenant_id, name, timezone))
    return Tenant(id=tenant_id, name=name, timezone=timezone)


def delete_tenant(conn: psycopg.Connection, tenant_id: str) -> None:
    """Remove a tenant and everything it owns, in one transaction (the benchmarks' throwaway
    tenants). Readings and rejected messages carry no foreign key (hypertable, and kept even
    for unknown tenants), and plans must go before the containers their stops refer to; the
    rest goes by ON DELETE CASCADE."""
    with conn.transaction():
        conn.execute("DELETE FROM readings WHERE tenant_id = %s", (tenant_id,))
        conn.execute("DELETE FROM rejected_messages WHERE tenant_id = %s", (tenant_id,))
        conn.execute("DELETE FROM plans WHERE tenant_id = %s", (tenant_id,))
        conn.execute("DELETE FROM tenants WHERE id = %s", (tenant_id,))


def get_tenant(conn: psycopg.Connection, tenant_id: str) -> Tenant:
    row = conn.execute("SELECT id, name, timezone FROM tenants WHERE id = %s",
                       (tenant_id,)).fetchone()
    if row is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return Tenant(id=row["id"], name=row["name"], timezone=row["timezone"])


def list_tenants(conn: psycopg.Connection) -> list[Tenant]:
    """Every tenant (an operator's view; tenant-scoped callers use `get_tenant`)."""
    rows = conn.execute("SELECT id, name, timezone FROM tenants ORDER BY id").fetchall()
    return [Tenant(id=r["id"], name=r["name"], timezone=r["timezone"]) for r in rows]


_SCHEDULE_COLS = "local_time, day_offset, time_limit_s, auto_publish, enabled"
_S_COLS = ", ".join("s." + c for c in _SCHEDULE_COLS.split(", "))


def get_plan_schedule(conn: psycopg.Connection, tenant_id: str) -> PlanSchedule:
    """The tenant's schedule; the defaults where none was set."""
    row = conn.execute(
        f"SELECT t.id AS tenant_id, t.timezone, {_S_COLS}"
        " FROM tenants t LEFT JOIN plan_schedules s ON s.tenant_id = t.id WHERE t.id = %s",
        (tenant_id,)).fetchone()
    if row is None:
        raise NotFound(f"no tenant {tenant_id!r}")
    return _schedule(row)


def list_plan_schedules(conn: psycopg.Connection) -> list[PlanSchedule]:
    """Every tenant's schedule (defaults included), for the scheduler."""
    rows = conn.execute(
        f"SELECT t.id AS tenant_id, t.timezone, {_S_COLS}"
        " FROM tenants t LEFT JOIN plan_schedules s ON s.tenant_id = t.id ORDER BY t.id").fetchall()
    return [_schedule(r) for r in rows]


def set_plan_schedule(conn: psycopg.Connection, tenant_id: str, *, local_time: time,
                      day_offset: int = 0, time_limit_s: float = 30.0,
                      auto_publish: bool = False, enabled: bool = True) -> PlanSchedule:
    get_tenant(conn, tenant_id)
    conn.execute(
        f"INSERT INTO plan_schedules (tenant_id, {_SCHEDULE_COLS}) VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (tenant_id) DO UPDATE SET local_time = EXCLUDED.local_time,"
        " day_offset = EXCLUDED.day_offset, time_limit_s = EXCLUDED.time_limit_s,"
        " auto_publish = EXCLUDED.auto_publish, enabled = EXCLUDED.enabled, updated_at = now()",
        (tenant_id, local_time, day_offset, time_limit_s, auto_publish, enabled))
    return get_plan_schedule(conn, tenant_id)


def claim_schedule_run(conn: psycopg.Connection, tenant_id: str, plan_date: date) -> bool:
    """True exactly once per tenant and date: the caller then queues that day's plan jobs."""
    row = conn.execute(
        "INSERT INTO plan_schedule_runs (tenant_id, plan_date) VALUES (%s, %s)"
        " ON CONFLICT DO NOTHING RETURNING tenant_id", (tenant_id, plan_date)).fetchone()
    return row is not None


def _schedule(row: dict) -> PlanSchedule:
    base = PlanSchedule(tenant_id=row["tenant_id"], timezone=row["timezone"])
    if row["local_time"] is None:
        return base
    return PlanSchedule(tenant_id=row["tenant_id"], timezone=row["timezone"],
                        local_time=row["local_time"], day_offset=row["day_offset"],
                        time_limit_s=float(row["time_limit_s"]),
                        auto_publish=row["auto_publish"], enabled=row["enabled"])
