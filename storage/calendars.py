"""Service calendars per tenant: a default ('*') and per-fraction overrides.

Public API:
- `get_calendar(conn, tenant_id, fraction) -> CalendarRow`: the calendar that applies to a
  fraction (its own, else the tenant's default, else the built-in default), and where it came
  from;
- `list_calendars(conn, tenant_id) -> dict[str, ServiceCalendar]`: the stored ones, by
  fraction ('*' = the tenant's default);
- `set_calendar(conn, tenant_id, fraction, calendar)`, `delete_calendar(...) -> bool`.
Raises `NotFound` for an unknown tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from domain.service_calendar import (
    DEFAULT_CALENDAR,
    ServiceCalendar,
    calendar_from_dict,
    calendar_to_dict,
)
from storage.errors import NotFound

DEFAULT_KEY = "*"


@dataclass(frozen=True, slots=True)
class CalendarRow:
    """The calendar that applies, and its source: 'fraction', 'tenant' or 'built-in'."""

    fraction: str
    calendar: ServiceCalendar
    source: str


def list_calendars(conn: psycopg.Connection, tenant_id: str) -> dict[str, ServiceCalendar]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("SELECT fraction, spec FROM service_calendars WHERE tenant_id = %s"
                           " ORDER BY fraction", (tenant_id,)).fetchall()
    return {r["fraction"]: calendar_from_dict(r["spec"]) for r in rows}


def get_calendar(conn: psycopg.Connection, tenant_id: str, fraction: str = DEFAULT_KEY
                 ) -> CalendarRow:
    stored = list_calendars(conn, tenant_id)
    if fraction in stored:
        return CalendarRow(fraction, stored[fraction],
                           "tenant" if fraction == DEFAULT_KEY else "fraction")
    if DEFAULT_KEY in stored:
        return CalendarRow(fraction, stored[DEFAULT_KEY], "tenant")
    return CalendarRow(fraction, DEFAULT_CALENDAR, "built-in")


def set_calendar(conn: psycopg.Connection, tenant_id: str, fraction: str,
                 calendar: ServiceCalendar) -> None:
    try:
        conn.execute(
            "INSERT INTO service_calendars (tenant_id, fraction, spec) VALUES (%s, %s, %s)"
            " ON CONFLICT (tenant_id, fraction) DO UPDATE SET spec = EXCLUDED.spec,"
            " updated_at = now()",
            (tenant_id, fraction, Jsonb(calendar_to_dict(calendar))))
    except psycopg.errors.ForeignKeyViolation:
        raise NotFound(f"no tenant {tenant_id!r}") from None


def delete_calendar(conn: psycopg.Connection, tenant_id: str, fraction: str) -> bool:
    """Remove a stored calendar (the fraction then follows the tenant's default)."""
    cur = conn.execute("DELETE FROM service_calendars WHERE tenant_id = %s AND fraction = %s",
                       (tenant_id, fraction))
    return cur.rowcount > 0
