"""Area days: each area of town has its weekdays, and on them its containers are swept together.

Picking only what is due today scatters the stops over the whole town every day, and a stop
far from the others costs a long detour. With area days, each fraction's containers are split
into compact areas (`group_areas`), and each area gets collection weekdays (`area_weekdays`:
five areas with one weekday each, or two halves on Monday+Thursday and Tuesday+Friday). On its
area day a container is collected if it could not wait until its area's next day (its forecast
upper bound reaches the must level by the end of that day's shift): `promote_area_day`. On the
other days only musts (containers that cannot wait for the next collection day at all) are
collected. One dense sweep of an area then empties what would otherwise need scattered visits
over the next days; an extra stop inside a swept area costs little driving.

The service turns it on per tenant and fraction (`SelectionPolicy.area_sweeps_per_week`,
`wasteroute tenants policy --area-sweeps`); the trial's forecast strategy with
`TrialConfig.area_sweeps`. Pure: `domain`, numpy and the stdlib.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from zoneinfo import ZoneInfo

import numpy as np

from domain import Container
from planning.selection import (
    Decision,
    SelectionPolicy,
    _sigma,
    local_time_s,
    next_collection_day,
)

_EARTH_M_PER_DEG = 111_320.0
#: The ISO weekdays of each area, by the number of visits a week.
WEEKLY = (frozenset({1}), frozenset({2}), frozenset({3}), frozenset({4}), frozenset({5}))
TWICE_WEEKLY = (frozenset({1, 4}), frozenset({2, 5}))


def group_areas(lat: Sequence[float], lon: Sequence[float], n_areas: int,
                iterations: int = 30) -> np.ndarray:
    """Compact areas (0..n_areas-1) of points: k-means in metres, started from sectors around
    the centroid (deterministic)."""
    lat_a, lon_a = np.asarray(lat, float), np.asarray(lon, float)
    n = len(lat_a)
    if n == 0:
        return np.zeros(0, dtype=int)
    k = max(1, min(n_areas, n))
    y = (lat_a - lat_a.mean()) * _EARTH_M_PER_DEG
    x = (lon_a - lon_a.mean()) * _EARTH_M_PER_DEG * math.cos(math.radians(lat_a.mean()))
    xy = np.stack([x, y], 1)
    order = np.argsort(np.arctan2(y, x), kind="stable")
    label = np.empty(n, dtype=int)
    label[order] = np.arange(n) * k // n
    for _ in range(iterations):
        centres = np.array([xy[label == a].mean(0) if np.any(label == a) else xy[a]
                            for a in range(k)])
        new = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(2), 1)
        if np.array_equal(new, label):
            break
        label = new
    return label


def weekday_pattern(visits_per_week: int,
                    weekdays: Iterable[int] = (1, 2, 3, 4, 5)) -> tuple[frozenset[int], ...]:
    """The areas' weekdays: one area per collection weekday when visited weekly; twice a week,
    pairs of days about half a week apart (Monday to Friday: Monday+Thursday and
    Tuesday+Friday, `TWICE_WEEKLY`)."""
    days = sorted(set(weekdays))
    if not days:
        raise ValueError("no collection weekday")
    if visits_per_week <= 1 or len(days) < 2:
        return tuple(frozenset({d}) for d in days)
    half = (len(days) + 1) // 2
    return tuple(frozenset({days[i], days[i + half]}) for i in range(len(days) - half))


def area_weekdays(lat: Sequence[float], lon: Sequence[float], visits_per_week: int,
                  weekdays: Iterable[int] = (1, 2, 3, 4, 5)) -> list[frozenset[int]]:
    """Per point: the ISO weekdays of its area (`weekday_pattern`: one area per weekday when
    visited weekly, two halves on Monday+Thursday and Tuesday+Friday when twice a week)."""
    pattern = weekday_pattern(visits_per_week, weekdays)
    return [pattern[int(a)] for a in group_areas(lat, lon, len(pattern))]


def container_area_days(containers: Iterable[Container], visits_per_week: int,
                        weekdays: Iterable[int] = (1, 2, 3, 4, 5)
                        ) -> dict[int, frozenset[int]]:
    """Container id -> its area's ISO weekdays, for one fraction's containers (a tenant's
    setting `area_sweeps_per_week`; 0: no areas, an empty mapping). The areas depend only on
    where the containers stand, so they stay the same from day to day."""
    items = list(containers)
    if visits_per_week <= 0 or not items:
        return {}
    days = area_weekdays([c.location.lat for c in items], [c.location.lon for c in items],
                         visits_per_week, weekdays)
    return {c.id: d for c, d in zip(items, days, strict=True)}


def promote_area_day(decisions: Sequence[Decision], area_days: Mapping[int, frozenset[int]],
                     plan_date: date, tz: str | ZoneInfo, policy: SelectionPolicy, *,
                     weekday: int | None = None,
                     next_chance_time: time = time(15, 30)) -> list[Decision]:
    """On an area's day (`weekday`, default the plan date's ISO weekday), promote each of its
    containers that is not a must but whose forecast upper bound reaches the must level by the
    area's next day (at `next_chance_time`) to a must: it could not wait for the next sweep."""
    today = weekday or plan_date.isoweekday()
    out = []
    for d in decisions:
        days = area_days.get(d.container_id)
        if d.decision == "must" or days is None or today not in days:
            out.append(d)
            continue
        nxt = next_collection_day(plan_date, days, policy.closed_dates)
        f = d.forecast
        at = f.fill_at(local_time_s(nxt, next_chance_time, tz))
        upper = at + policy.must_z * _sigma(f, at, policy)
        if upper < policy.must_level:
            out.append(d)
            continue
        reason = (f"area day: upper bound {upper:.0%} by the area's next day "
                  f"{nxt.isoformat()} (>= must level {policy.must_level:.0%})")
        out.append(replace(d, decision="must", prize_m=0, reason=reason))
    return out
