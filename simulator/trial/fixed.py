"""The fair fixed schedule: today's practice, done carefully.

Each container gets the lowest collection frequency (every 4 weeks, every 2 weeks, 1, 2, 3, 4
or 5 times a week) that would have kept it from overflowing on every day of the past year,
given the same deposit model (its average rate, weekday and seasonal patterns, holidays and
day-to-day variation). A careful planner with a year of weighing data can do that. Collection
days are grouped by area, as real fixed rounds are: the containers of one fraction are split
into sectors around the centre, and each sector gets its own weekday (and week) so that each
day's stops lie close together. A collection that falls on a holiday moves to the next
service day (or as the calendar's holiday rule says; `TrialConfig.calendar`). Routes are
planned by the same optimizer as every other strategy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from domain.service_calendar import DEFAULT_CALENDAR, ServiceCalendar
from simulator.calendar import collection_day
from simulator.city import City
from simulator.deposits import DepositModel, share_before

#: (visits per week, number of area groups) of each frequency we may choose.
FREQUENCIES: tuple[tuple[float, int], ...] = (
    (0.25, 20), (0.5, 10), (1.0, 5), (2.0, 2), (3.0, 1), (4.0, 1), (5.0, 1))
HISTORY_DAYS = 364
#: When a careful planner assumes the round passes: the end of the shift (routes are replanned
#: every day, so a container may be reached at any time of the shift).
COLLECTION_TIME_S = 15 * 3600 + 1800
#: The earliest a round may pass (shift start): after an early emptying the next interval is
#: longer by the rest of that day, so the careful planner checks the worst case: emptied at
#: the start of one shift, reached at the end of the shift on the next collection day.
EARLIEST_COLLECTION_S = 7 * 3600
#: The careful planner also plays the coming weeks on the real calendar (holiday moves and
#: peaks such as King's Day, which differ from year to year) with this many random scenarios
#: of the same deposit model (not the deposits that will happen).
LOOKAHEAD_DAYS = 56
SCENARIOS = 4


def scheduled(frequency: float, group: int, day: date,
              calendar: ServiceCalendar = DEFAULT_CALENDAR) -> bool:
    """Is a container of this frequency and area group due on this date (before holidays)?
    Rounds run Monday to Friday; six times a week (only where the calendar serves Saturdays)
    adds Saturday."""
    wd, week = day.weekday(), day.toordinal() // 7
    if frequency >= 6:
        return day.isoweekday() in calendar.weekdays and wd <= 5
    if wd > 4:
        return False
    if frequency >= 5:
        return True
    if frequency >= 4:
        return wd != 2
    if frequency >= 3:
        return wd in (0, 2, 4)
    if frequency >= 2:
        return wd in ((0, 3), (1, 4))[group % 2]
    if wd != group % 5:
        return False
    if frequency >= 1:
        return True
    cycle = 2 if frequency >= 0.5 else 4
    return week % cycle == (group // 5) % cycle


def area_groups(city: City, n_groups: int) -> np.ndarray:
    """Per container: its sector (0..n_groups-1) around the centre among its fraction."""
    groups = np.zeros(len(city.containers), dtype=int)
    angle = np.array([math.atan2(c.location.lat - city.centre.lat,
                                 c.location.lon - city.centre.lon) for c in city.containers])
    for fraction in city.fractions:
        idx = np.array([i for i, c in enumerate(city.containers) if c.fraction is fraction])
        order = idx[np.argsort(angle[idx], kind="stable")]
        groups[order] = np.arange(len(order)) * n_groups // len(order)
    return groups


def due_mask(frequency: float, groups: np.ndarray, days: list[date],
             calendar: ServiceCalendar = DEFAULT_CALENDAR) -> np.ndarray:
    """(days × containers): collected that day, holiday collections moved (`collection_day`)."""
    out = np.zeros((len(days), len(groups)), dtype=bool)
    index = {day: d for d, day in enumerate(days)}
    unique_groups = np.unique(groups)
    for day in days:
        target = index.get(collection_day(day, calendar))
        if target is None:
            continue
        for g in unique_groups:
            if scheduled(frequency, int(g), day, calendar):
                out[target] |= groups == g
    return out


def christmas_season(day: date) -> bool:
    """Dec 20 - Jan 6: municipalities add extra rounds then; the schedule is not set by it."""
    return (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 6)


def overflow_days(deposits: np.ndarray, volumes: np.ndarray, due: np.ndarray,
                  counted: np.ndarray | None = None) -> np.ndarray:
    """Per container: days (among the `counted` ones) with an overflow when collected on the
    `due` days."""
    level = np.zeros(deposits.shape[1])
    count = np.zeros(deposits.shape[1], dtype=int)
    before = float(share_before(COLLECTION_TIME_S))
    after = 1.0 - float(share_before(EARLIEST_COLLECTION_S))
    for d in range(deposits.shape[0]):
        pre = level + before * deposits[d]
        full_day = level + deposits[d]
        over = np.where(due[d], pre > volumes, full_day > volumes)
        if counted is None or counted[d]:
            count += over
        level = np.where(due[d], after * deposits[d], np.minimum(full_day, volumes))
    return count


@dataclass(frozen=True)
class FixedSchedule:
    """The chosen frequency and area group of every container."""

    frequency: np.ndarray  # visits per week
    group: np.ndarray
    history_overflow_days: np.ndarray
    calendar: ServiceCalendar = DEFAULT_CALENDAR

    def due(self, day: date) -> np.ndarray:
        """Containers whose scheduled collection falls on this date (before holiday moves)."""
        out = np.zeros(len(self.frequency), dtype=bool)
        for i, (f, g) in enumerate(zip(self.frequency, self.group, strict=True)):
            out[i] = scheduled(float(f), int(g), day, self.calendar)
        return out


def fair_schedule(city: City, deposit_seed: int, start: date,
                  allowed_overflow_share: float = 0.001, lookahead_days: int = LOOKAHEAD_DAYS,
                  scenarios: int = SCENARIOS,
                  calendar: ServiceCalendar = DEFAULT_CALENDAR) -> FixedSchedule:
    """The lowest frequency per container that met the service target over the past year
    (emptied as early as the shift start, reached as late as its end) and in `scenarios`
    random plays of the coming `lookahead_days` on the real calendar."""
    first = start - timedelta(days=HISTORY_DAYS)
    days = [first + timedelta(days=d) for d in range(HISTORY_DAYS)]
    deposits = DepositModel(city, deposit_seed).daily_l(first, HISTORY_DAYS)
    volumes = city.volumes()
    n = len(city.containers)
    chosen = np.full(n, np.nan)
    group = np.zeros(n, dtype=int)
    overflow = np.zeros(n, dtype=int)
    counted = np.array([not christmas_season(d) for d in days])
    allowed = math.floor(allowed_overflow_share * HISTORY_DAYS)
    # the coming weeks: 28 days to get into the rhythm, then the counted look-ahead
    ahead_first = start - timedelta(days=28)
    ahead_days = [ahead_first + timedelta(days=d) for d in range(28 + lookahead_days)]
    ahead_counted = np.array([d >= start and not christmas_season(d) for d in ahead_days])
    plays = [DepositModel(city, 10_007 * (deposit_seed + 1) + k).daily_l(ahead_first,
                                                                          len(ahead_days))
             for k in range(scenarios if lookahead_days > 0 else 0)]
    frequencies = FREQUENCIES + ((6.0, 1),) if 6 in calendar.weekdays else FREQUENCIES
    for frequency, n_groups in frequencies:
        groups = area_groups(city, n_groups)
        count = overflow_days(deposits, volumes, due_mask(frequency, groups, days, calendar),
                              counted)
        if plays:
            ahead_due = due_mask(frequency, groups, ahead_days, calendar)
            for play in plays:
                count = count + overflow_days(play, volumes, ahead_due, ahead_counted)
        pick = np.isnan(chosen) & ((count <= allowed) | (frequency == frequencies[-1][0]))
        chosen[pick], group[pick], overflow[pick] = frequency, groups[pick], count[pick]
    return FixedSchedule(chosen, group, overflow, calendar)
