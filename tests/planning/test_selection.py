"""Selection on a hand-made fleet of containers with known forecasts (no database needed for
the logic; the stored decisions are covered in tests/api_planning)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from planning import Forecast
from planning.selection import Alarms, SelectionPolicy, next_collection_day, select_containers

TZ = "Europe/Amsterdam"
MONDAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC).timestamp()  # 05:00 local
LEVEL = SelectionPolicy(rule="level")  # the level rule (must level, upper bound)


def _f(cid: int, level: float, rate: float, health=()) -> Forecast:
    return Forecast(container_id=cid, at_s=AT, level=level, rates_by_weekday=(rate,) * 7,
                    utc_offset_s=3600, method="readings", health=health)


def _by_id(decisions):
    return {d.container_id: d for d in decisions}


def test_selection_picks_must_optional_and_skip_on_a_hand_made_fleet():
    """Full soon -> must; filling slowly from 60% -> optional; 30% -> skip; alarm -> must."""
    forecasts = {
        1: _f(1, 0.85, 0.05),  # already above the must level
        2: _f(2, 0.60, 0.25),  # 60% now, ~90% tomorrow: must before the next chance
        3: _f(3, 0.60, 0.02),  # 60%, slow: optional
        4: _f(4, 0.30, 0.05),  # half-empty or less: skip
        5: _f(5, 0.10, 0.01),  # nearly empty but on fire: must
        6: _f(6, 0.45, 0.02, health=("stale",)),  # unhealthy sensor, still decided
    }
    d = _by_id(select_containers(forecasts, MONDAY, TZ, LEVEL,
                                 service_time=time(11), alarms={5: Alarms(fire=True)}))
    assert {k: v.decision for k, v in d.items()} == {
        1: "must", 2: "must", 3: "optional", 4: "skip", 5: "must", 6: "skip"}
    assert "fire alarm" in d[5].reason
    assert "next collection day 2026-11-24" in d[2].reason
    assert "stale" in d[6].reason
    assert d[3].prize_m >= 1 and d[1].prize_m == 0


def test_the_next_chance_skips_days_without_collection():
    """On a Friday with Mon-Fri collection the next chance is Monday, so a container that
    reaches 80% over the weekend is a must although it is only 60% now."""
    friday = date(2026, 11, 27)
    assert next_collection_day(friday, frozenset({1, 2, 3, 4, 5})) == date(2026, 11, 30)
    at = datetime(2026, 11, 27, 4, 0, tzinfo=UTC).timestamp()
    f = Forecast(container_id=1, at_s=at, level=0.6, rates_by_weekday=(0.08,) * 7,
                 utc_offset_s=3600, method="readings")
    [weekend] = select_containers({1: f}, friday, TZ, LEVEL)
    [daily] = select_containers({1: f}, friday, TZ,
                                SelectionPolicy(rule="level",
                                                collection_weekdays=frozenset(range(1, 8))))
    assert (weekend.decision, daily.decision) == ("must", "optional")


def test_a_tenant_policy_moves_the_levels():
    """A stricter policy (must at 60%, skip at 30%) turns an optional container into a must."""
    forecasts = {1: _f(1, 0.55, 0.05), 2: _f(2, 0.35, 0.0)}
    default = _by_id(select_containers(forecasts, MONDAY, TZ, LEVEL))
    d = _by_id(select_containers(forecasts, MONDAY, TZ,
                                 SelectionPolicy(rule="level", must_level=0.6, skip_level=0.3)))
    assert (default[1].decision, default[2].decision) == ("optional", "skip")
    assert (d[1].decision, d[2].decision) == ("must", "optional")


def test_the_prize_grows_with_the_risk_of_overflowing():
    """Of two optional containers, the one closer to the must level by the next chance has
    the higher prize."""
    d = _by_id(select_containers({1: _f(1, 0.55, 0.05), 2: _f(2, 0.70, 0.04)}, MONDAY, TZ,
                                   LEVEL))
    assert d[1].decision == d[2].decision == "optional"
    assert d[2].prize_m > d[1].prize_m


def test_a_holiday_moves_the_next_chance():
    """With King's Day (Monday) closed, Friday's next chance is Tuesday: the extra day of
    filling makes a container that was optional a must."""
    friday, kings_day = date(2026, 4, 24), date(2026, 4, 27)
    assert next_collection_day(friday, frozenset({1, 2, 3, 4, 5}),
                               frozenset({kings_day})) == date(2026, 4, 28)
    at = datetime(2026, 4, 24, 4, 0, tzinfo=UTC).timestamp()
    f = Forecast(container_id=1, at_s=at, level=0.5, rates_by_weekday=(0.08,) * 7,
                 utc_offset_s=7200, method="readings")
    [open_monday] = select_containers({1: f}, friday, TZ, LEVEL)
    [closed] = select_containers({1: f}, friday, TZ,
                                 SelectionPolicy(rule="level", closed_dates=frozenset({kings_day})))
    [given] = select_containers({1: f}, friday, TZ, LEVEL,
                                next_chance=date(2026, 4, 28))
    assert (open_monday.decision, closed.decision, given.decision) == (
        "optional", "must", "must")


def test_an_upper_quantile_makes_a_near_miss_a_must():
    """A point forecast just under the must level is optional; with a 95% upper bound
    (must_z=1.65) it is a must."""
    f = _f(1, 0.55, 0.18)  # about 78% by Tuesday 11:00
    [point] = select_containers({1: f}, MONDAY, TZ, LEVEL)
    [upper] = select_containers({1: f}, MONDAY, TZ, SelectionPolicy(rule="level", must_z=1.65))
    assert (point.decision, upper.decision) == ("optional", "must")
    assert "upper bound" in upper.reason


def test_prize_lookahead_values_containers_due_soon():
    """A container that is safe until the next chance but due the day after is worth more
    with a one-day prize lookahead than without."""
    f = _f(1, 0.55, 0.12)
    [now] = select_containers({1: f}, MONDAY, TZ, LEVEL)
    [ahead] = select_containers({1: f}, MONDAY, TZ,
                                SelectionPolicy(rule="level", prize_lookahead_days=1))
    assert now.decision == ahead.decision == "optional"
    assert ahead.prize_m > 2 * now.prize_m
