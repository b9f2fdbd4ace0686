"""The planner reads the tenant's service calendar: the next chance and the shift."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from api.planning import PlanSettings, plan_day
from domain import Fraction
from domain.service_calendar import ServiceCalendar, Shift, parse_weekdays
from storage import calendars as calendars_store

from .conftest import NOW, PLAN_DATE

FAST = PlanSettings(time_limit_s=2.0)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _next_chance_dates(outcome) -> set[date]:
    return {datetime.fromtimestamp(d.next_chance_at_s, AMSTERDAM).date()
            for d in outcome.decisions}


def test_the_next_chance_and_the_shift_come_from_the_calendar(db, tenant_id, seeded):
    """Tuesday's plan: without a calendar the next chance is Wednesday; with a Tuesday and
    Friday calendar it is Friday, and the trucks work the calendar's 08:00-13:00 shift."""
    assert PLAN_DATE.isoweekday() == 2
    [before] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    assert _next_chance_dates(before) == {date(2026, 11, 25)}
    calendars_store.set_calendar(db, tenant_id, "residual", ServiceCalendar(
        weekdays=parse_weekdays("tue,fri"), default_shift=Shift(time(8), time(13))))
    [after] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    assert _next_chance_dates(after) == {date(2026, 11, 27)}
    vehicles = after.routing.problem.vehicles
    assert {(v.shift_start_s, v.shift_end_s) for v in vehicles} == {(8 * 3600, 13 * 3600)}
    # a later next chance makes more containers must than the day after would
    assert after.counts["must"] >= before.counts["must"]
