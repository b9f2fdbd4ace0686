"""The strategies a trial compares. Each one chooses, every service morning, what to empty.

- `FixedStrategy`: the fair fixed schedule of `simulator.trial.fixed`; no sensors. Trucks are
  loaded for the volume the planner expects from the container's average rate.
- `ThresholdStrategy`: empty whatever the sensors say is at or above a level now.
- `ForecastStrategy`: the service's own selection (`planning`), in `simulator.trial.forecast`.

A strategy sees a `MorningView`: the sensor readings up to this morning (noisy, with gaps),
never the true fill. Only the perfect-information reference (`simulator.trial.perfect`, not a
strategy a service could run) reads the true fill the view also carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import numpy as np

from domain.service_calendar import DEFAULT_CALENDAR, ServiceCalendar
from simulator.calendar import day_factor
from simulator.city import City
from simulator.deposits import share_before
from simulator.trial.fixed import FixedSchedule
from simulator.trial.routing import EARLY_WINDOW_END_S, LATE_WINDOW_START_S, StopChoice


@dataclass
class MorningView:
    """What the service knows at 06:00 of a service day."""

    day: date
    next_service_day: date
    reading_times: list  # datetimes (UTC) of the rows of `readings`
    readings: np.ndarray  # (times × containers) fill fraction, NaN where nothing arrived
    last_emptied: list  # per container: datetime of the last emptying the service knows, or None
    collection_due: np.ndarray  # fixed schedule: containers due today (holidays moved)
    # the true litres at 06:00: read only by the perfect-information reference
    true_level_l: np.ndarray | None = None
    # the trial's service calendar (domain.service_calendar): next chances, holidays, shifts
    calendar: ServiceCalendar = DEFAULT_CALENDAR

    def latest(self) -> np.ndarray:
        """The newest reading of each container (NaN if it never reported)."""
        valid = ~np.isnan(self.readings)
        last = np.where(valid.any(0), valid.shape[0] - 1 - np.argmax(valid[::-1], axis=0), -1)
        out = np.full(self.readings.shape[1], np.nan)
        ok = last >= 0
        out[ok] = self.readings[last[ok], np.nonzero(ok)[0]]
        return out


def fraction_area_weekdays(city: City, speed_per_day: np.ndarray,
                           weekly_from_days: float) -> list[frozenset[int]]:
    """Per container, its area's ISO weekdays (`planning.areas.area_weekdays`), fraction by
    fraction: weekly when the fraction's median container fills in `weekly_from_days` or
    more (median `speed_per_day`, fill fraction per day), else twice a week."""
    from planning.areas import area_weekdays

    out: list[frozenset[int]] = [frozenset()] * len(city.containers)
    for fraction in city.fractions:
        idx = [i for i, c in enumerate(city.containers) if c.fraction is fraction]
        visits = 1 if float(np.median(speed_per_day[idx])) * weekly_from_days <= 1.0 else 2
        days = area_weekdays([city.containers[i].location.lat for i in idx],
                             [city.containers[i].location.lon for i in idx], visits)
        for i, d in zip(idx, days, strict=True):
            out[i] = d
    return out


#: Timing windows: late when the expected rise from the shift start to the next chance
#: reaches this (fill fraction), early when the expected level at 11:00 reaches this.
LATE_IF_RISE = 0.8
EARLY_IF_LEVEL = 0.9


def timing_window(rise_to_next_chance: float, level_at_service: float) -> tuple[int, int | None]:
    """(window start, window end) of a stop: in the afternoon if it would fill again before
    the next chance even when emptied at the start of the shift (a weekend or holiday ahead),
    in the morning if it is nearly full; else no window."""
    if rise_to_next_chance >= LATE_IF_RISE:
        return LATE_WINDOW_START_S, None
    if level_at_service >= EARLY_IF_LEVEL:
        return 0, EARLY_WINDOW_END_S
    return 0, None


def expected_deposit(rate_l: float, first: date, first_s: float, last: date,
                     last_s: float, fraction) -> float:
    """Litres a container of mean rate `rate_l` receives from `first` at `first_s` to `last`
    at `last_s`, by the calendar's day factors and the hourly profile."""
    total, day = 0.0, first
    while day <= last:
        share = 1.0
        if day == first:
            share -= float(share_before(first_s))
        if day == last:
            share -= 1.0 - float(share_before(last_s))
        total += rate_l * day_factor(day, fraction) * max(0.0, share)
        day += timedelta(days=1)
    return total


class Strategy(Protocol):
    name: str

    def choose(self, city: City, view: MorningView) -> list[StopChoice]: ...


class FixedStrategy:
    """Today's practice: every container on its own weekly schedule."""

    name = "fixed"

    def __init__(self, schedule: FixedSchedule, gap_windows: bool = True) -> None:
        self.schedule = schedule
        self.gap_windows = gap_windows

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        rates = city.rates()
        # the careful planner knows each container's rate and the calendar: of the containers
        # that overflowed in the past year even when emptied every day, one that would fill
        # again before its next collection even if emptied at the shift start (a weekend or
        # holiday ahead) is reached in the afternoon, a nearly full one early
        tight = self.schedule.history_overflow_days > 0
        choices = []
        for i in np.nonzero(view.collection_due)[0]:
            last = view.last_emptied[i]
            days = 7.0 / self.schedule.frequency[i] if last is None else max(
                1.0, (view.day - last.date()).days)
            volume = min(city.containers[i].volume_l, rates[i] * days)
            start, end = 0, None
            if self.gap_windows and tight[i]:
                start, end = self._window(city, view, int(i), rates[i])
            choices.append(StopChoice(int(i), volume * 1.1, window_start_s=start,
                                      window_end_s=end))
        return choices


    def _window(self, city: City, view: MorningView, i: int, rate: float):
        c = city.containers[i]
        nxt = self._next_collection(view.day, i, view.calendar)
        rise = expected_deposit(rate, view.day, 7 * 3600, nxt, 15.5 * 3600, c.fraction)
        last = view.last_emptied[i]
        level = 0.0 if last is None else expected_deposit(
            rate, last.date(), last.hour * 3600 + last.minute * 60, view.day, 11 * 3600,
            c.fraction)
        return timing_window(rise / c.volume_l, level / c.volume_l)

    def _next_collection(self, day: date, i: int,
                         calendar: ServiceCalendar = DEFAULT_CALENDAR) -> date:
        """The next date after `day` on which this container is collected (holidays moved)."""
        from simulator.calendar import collection_day
        from simulator.trial.fixed import scheduled

        f, g = float(self.schedule.frequency[i]), int(self.schedule.group[i])
        for k in range(1, 40):
            cand = day + timedelta(days=k)
            if scheduled(f, g, cand, calendar) and collection_day(cand, calendar) > day:
                return collection_day(cand, calendar)
        return day + timedelta(days=28)


class ThresholdStrategy:
    """Collect what is at or above `level` now (sensors, no forecast)."""

    name = "threshold"

    def __init__(self, level: float = 0.7) -> None:
        self.level = level

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        fill = view.latest()
        volumes = city.volumes()
        pick = np.nonzero(np.nan_to_num(fill, nan=0.0) >= self.level)[0]
        return [StopChoice(int(i), float(min(1.0, fill[i] + 0.1) * volumes[i])) for i in pick]
