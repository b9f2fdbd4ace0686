"""Area days (planning.areas) on hand-made containers with known forecasts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from planning import Forecast
from planning.areas import TWICE_WEEKLY, area_weekdays, group_areas
from planning.selection import SelectionPolicy, next_collection_day, select_containers

TZ = "UTC"
MONDAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC).timestamp()
MON_THU = frozenset({1, 4})
TUE_FRI = frozenset({2, 5})


def _f(cid: int, level: float, rate: float) -> Forecast:
    return Forecast(container_id=cid, at_s=AT, level=level, rates_by_weekday=(rate,) * 7,
                    utc_offset_s=0, method="readings")


def test_two_distant_groups_of_points_become_two_areas():
    """Three points near one spot and three 5 km away: each group is one area."""
    lat = [52.00, 52.001, 52.002, 52.045, 52.046, 52.047]
    lon = [5.00, 5.001, 5.000, 5.00, 5.001, 5.000]
    label = group_areas(lat, lon, 2)
    assert len(set(label[:3])) == 1 and len(set(label[3:])) == 1 and label[0] != label[3]


def test_twice_weekly_areas_get_monday_thursday_and_tuesday_friday():
    """Two halves of town, one on Monday+Thursday, the other on Tuesday+Friday."""
    days = area_weekdays([52.0, 52.0, 52.1, 52.1], [5.0, 5.001, 5.0, 5.001], 2)
    assert set(days) == set(TWICE_WEEKLY) and days[0] == days[1] != days[2] == days[3]


def test_the_next_area_day_skips_a_closed_day():
    """From Monday the Mon+Thu area's next day is Thursday, or the Monday after if Thursday
    is a holiday."""
    assert next_collection_day(MONDAY, MON_THU) == date(2026, 11, 26)
    closed = frozenset({date(2026, 11, 26)})
    assert next_collection_day(MONDAY, MON_THU, closed) == date(2026, 11, 30)


def test_on_its_area_day_a_container_that_cannot_wait_for_the_next_sweep_is_a_must():
    """Monday, Mon+Thu area: 50% filling 10%/day reaches ~85% by Thursday's end (must on the
    area day, though it could wait until Tuesday); filling 2%/day it can wait (optional); the
    same fast container in the Tue+Fri area is not promoted on Monday."""
    forecasts = {1: _f(1, 0.5, 0.10), 2: _f(2, 0.6, 0.02), 3: _f(3, 0.5, 0.10)}
    policy = SelectionPolicy(rule="level", must_level=0.8, skip_level=0.5)
    plain = {d.container_id: d.decision for d in select_containers(forecasts, MONDAY, TZ, policy)}
    areas = {1: MON_THU, 2: MON_THU, 3: TUE_FRI}
    swept = {d.container_id: d for d in select_containers(forecasts, MONDAY, TZ, policy,
                                                          area_days=areas)}
    assert plain == {1: "optional", 2: "optional", 3: "optional"}
    assert {k: d.decision for k, d in swept.items()} == {1: "must", 2: "optional",
                                                         3: "optional"}
    assert "area's next day 2026-11-26" in swept[1].reason


def test_a_catch_up_day_serves_the_area_of_the_holiday_it_replaces():
    """On a Saturday that replaces a Monday holiday, the Mon+Thu area is swept."""
    saturday = date(2026, 11, 28)
    f = Forecast(container_id=1, at_s=datetime(2026, 11, 28, 6, tzinfo=UTC).timestamp(),
                 level=0.5, rates_by_weekday=(0.06,) * 7, utc_offset_s=0, method="readings")
    policy = SelectionPolicy(rule="level", must_level=0.8, skip_level=0.5,
                             closed_dates=frozenset({date(2026, 11, 30)}))
    kwargs = dict(next_chance=date(2026, 12, 1), area_days={1: MON_THU})
    [as_monday] = select_containers({1: f}, saturday, TZ, policy, area_weekday=1, **kwargs)
    [as_saturday] = select_containers({1: f}, saturday, TZ, policy, **kwargs)
    assert (as_monday.decision, as_saturday.decision) == ("must", "optional")
    assert np.isclose(as_monday.fill_at_service, as_saturday.fill_at_service)


def test_weekday_patterns_follow_the_collection_weekdays():
    """Weekly: one area per collection day; twice a week: days about half a week apart."""
    from planning.areas import WEEKLY, weekday_pattern

    assert weekday_pattern(1) == WEEKLY
    assert weekday_pattern(2) == TWICE_WEEKLY
    assert weekday_pattern(1, {1, 3, 5}) == (frozenset({1}), frozenset({3}), frozenset({5}))
    assert weekday_pattern(2, {1, 2, 3, 4, 5, 6}) == (frozenset({1, 4}), frozenset({2, 5}),
                                                      frozenset({3, 6}))
    assert weekday_pattern(2, {3}) == (frozenset({3}),)


def test_container_area_days_by_id_and_off_at_zero():
    from domain import Container, Fraction, GeoPoint
    from planning.areas import container_area_days

    spots = [(52.0, 5.0), (52.0, 5.001), (52.1, 5.0), (52.1, 5.001)]
    containers = [Container(id=10 + k, tenant_id="t", external_id=f"c{k}",
                            fraction=Fraction.RESIDUAL, volume_l=3000,
                            location=GeoPoint(lat, lon)) for k, (lat, lon) in enumerate(spots)]
    days = container_area_days(containers, 2)
    assert set(days) == {10, 11, 12, 13}
    assert days[10] == days[11] != days[12] == days[13]
    assert {days[10], days[12]} == set(TWICE_WEEKLY)
    assert container_area_days(containers, 0) == {}


def test_the_policy_rejects_other_sweep_counts():
    import pytest

    assert SelectionPolicy(area_sweeps_per_week=2).area_sweeps_per_week == 2
    with pytest.raises(ValueError, match="area sweeps per week"):
        SelectionPolicy(area_sweeps_per_week=3)
