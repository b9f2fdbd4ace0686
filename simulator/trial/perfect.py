"""The perfect-information reference: what selection could save if it knew the future.

Not a strategy a service can run. `PerfectStrategy` reads the true fill of every container at
06:00 (no sensor noise, no gaps) and every future deposit of the trial's own deposit model
(weekday, season and holiday patterns, daily noise, bulky drops), and empties a container on
the last service day before it would reach `level` (default 100%): it is a must today when its
true fill reaches that level by the end of the next service day's shift (15:30). With area
sweeps (`planning.areas`, the same areas and weekdays as the forecast strategy, set from the
true rates), a container is also a must on its area's day when it would reach the level
before the end of its area's next day.

Its km against the fixed schedule is an upper bound, in this city, on what any sensor and
forecast can save with this kind of selection; the same optimizer routes it.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from domain.service_calendar import DEFAULT_CALENDAR, ServiceCalendar, shift_on
from simulator.calendar import area_weekday, closed_weekdays
from simulator.city import City
from simulator.deposits import DepositModel, share_before
from simulator.trial.routing import StopChoice
from simulator.trial.strategies import MorningView, fraction_area_weekdays

SHIFT_END_S = 15 * 3600 + 1800  # the latest time a route reaches a stop
SERVICE_S = 11 * 3600  # the typical time a stop is reached (for the truck's load)
MORNING_S = 6 * 3600


class PerfectStrategy:
    """Empty each container on the last service day before it would reach `level`."""

    name = "perfect"

    def __init__(self, city: City, deposits: DepositModel, level: float = 1.0,
                 area_sweeps: bool = True, weekly_from_days: float = 9.0) -> None:
        self.deposits, self.level = deposits, level
        self.volumes = city.volumes()
        self.area_sweeps = area_sweeps
        self._area_days = (fraction_area_weekdays(city, city.rates() / self.volumes,
                                                  weekly_from_days) if area_sweeps else None)
        self._cache: dict[date, np.ndarray] = {}

    def _day(self, day: date) -> np.ndarray:
        if day not in self._cache:
            self._cache[day] = self.deposits.day_l(day)
        return self._cache[day]

    def level_by(self, now_l: np.ndarray, today: date, until: date,
                 calendar: ServiceCalendar = DEFAULT_CALENDAR) -> np.ndarray:
        """True litres at the end of `until`'s shift (the calendar's; 15:30 by default) if not
        emptied before, from `now_l` at 06:00 today."""
        out = now_l + (1.0 - share_before(MORNING_S)) * self._day(today)
        d = today + timedelta(days=1)
        while d < until:
            out = out + self._day(d)
            d += timedelta(days=1)
        shift = shift_on(calendar, until)
        end_s = SHIFT_END_S if shift is None else shift.end_s
        return out + share_before(end_s) * self._day(until)

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        if view.true_level_l is None:
            raise ValueError("the perfect-information reference needs the true fill")
        now = view.true_level_l
        limit = self.level * self.volumes
        must = self.level_by(now, view.day, view.next_service_day, view.calendar) >= limit
        if self._area_days is not None:
            must |= self._area_musts(view, now, limit)
        at_service = now + (share_before(SERVICE_S) - share_before(MORNING_S)) * self._day(view.day)
        load = np.minimum(at_service, self.volumes)
        return [StopChoice(int(i), float(load[i])) for i in np.nonzero(must)[0]]

    def _area_musts(self, view: MorningView, now: np.ndarray, limit: np.ndarray) -> np.ndarray:
        from planning.selection import next_collection_day

        assert self._area_days is not None
        today = area_weekday(view.day, view.calendar) + 1
        closed = closed_weekdays(view.day, view.calendar)
        out = np.zeros(len(now), dtype=bool)
        by_next: dict[date, list[int]] = {}
        for i, days in enumerate(self._area_days):
            if today in days:
                by_next.setdefault(next_collection_day(view.day, days, closed), []).append(i)
        for nxt, idx in by_next.items():
            ids = np.array(idx)
            out[ids] = self.level_by(now, view.day, nxt, view.calendar)[ids] >= limit[ids]
        return out

