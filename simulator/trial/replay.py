"""Replay: the municipality's own recorded visits, day by day, routed by the same optimizer
under the same depots, sites, fleet and distances as every other strategy.

Each service morning it chooses exactly the containers the records say were emptied that
day, plus those recorded on days since its last service day on which the trial's calendar
does not drive (so nothing recorded is lost). Every recorded visit is required. Trucks are
loaded for what the container holds by the calibrated rate since its last emptying.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from simulator.city import City
from simulator.trial.routing import StopChoice
from simulator.trial.strategies import MorningView


class ReplayStrategy:
    name = "replay"

    def __init__(self, visits: Mapping[date, list[int]]) -> None:
        self.visits = {d: sorted(set(v)) for d, v in visits.items()}
        self._done_until: date | None = None

    def due(self, day: date) -> list[int]:
        """The recorded visits this morning covers (see the module doc)."""
        days = [d for d in self.visits if d <= day and (self._done_until is None
                                                         or d > self._done_until)]
        return sorted({i for d in days for i in self.visits[d]})

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        chosen = self.due(view.day)
        self._done_until = view.day
        rates, volumes = city.rates(), city.volumes()
        out = []
        for i in chosen:
            last = view.last_emptied[i]
            days = 3.0 if last is None else max(0.5, (view.day - last.date()).days)
            out.append(StopChoice(i, float(min(volumes[i], rates[i] * days) * 1.1)))
        return out


def recorded_per_service_day(visits: Mapping[date, list[int]]) -> float:
    """Average recorded visits per day with any (what a fixed-N practice would take)."""
    counts = [len(set(v)) for v in visits.values() if v]
    return float(np.mean(counts)) if counts else 0.0
