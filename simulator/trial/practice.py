"""Current practice of a city with sensors (Groningen's baseline, Wouda et al. 2024): every
service day, the N containers predicted to be full soonest, N fixed, routed by the same
optimizer. The prediction is the newest reading plus the container's mean rate (what a city
with sensors and a year of records knows); a container that has not reported is ranked by
its rate since its last emptying."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from simulator.city import City
from simulator.trial.routing import StopChoice
from simulator.trial.strategies import MorningView


class PracticeStrategy:
    name = "practice"

    def __init__(self, per_day: int) -> None:
        if per_day < 1:
            raise ValueError("current practice needs N >= 1 containers per service day")
        self.per_day = per_day

    def days_to_full(self, city: City, view: MorningView) -> np.ndarray:
        volumes = city.volumes()
        speed = city.rates() / volumes  # fill fraction per day
        fill = view.latest()
        missing = np.isnan(fill)
        if missing.any():
            now = datetime(view.day.year, view.day.month, view.day.day)
            since = np.array([7.0 if t is None else max(
                0.0, (now - t.replace(tzinfo=None)).total_seconds() / 86400)
                for t in view.last_emptied])
            fill = np.where(missing, np.minimum(1.0, speed * since), fill)
        return (1.0 - fill) / np.maximum(speed, 1e-9)

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        order = np.argsort(self.days_to_full(city, view), kind="stable")[:self.per_day]
        fill = np.nan_to_num(view.latest(), nan=0.8)
        volumes = city.volumes()
        return [StopChoice(int(i), float(min(1.0, fill[i] + 0.1) * volumes[i]))
                for i in sorted(order)]
