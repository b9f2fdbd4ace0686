"""The strategies a trial compares. Each one chooses, every service morning, what to empty.

- `FixedStrategy`: the fair fixed schedule of `simulator.trial.fixed`; no sensors. Trucks are
  loaded for the volume the planner expects from the container's average rate.
- `ThresholdStrategy`: empty whatever the sensors say is at or above a level now.
- `ForecastStrategy`: the service's own selection (`planning`), in `simulator.trial.forecast`.

A strategy sees a `MorningView`: the sensor readings up to this morning (noisy, with gaps),
never the true fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np

from simulator.city import City
from simulator.trial.fixed import FixedSchedule
from simulator.trial.routing import StopChoice


@dataclass
class MorningView:
    """What the service knows at 06:00 of a service day."""

    day: date
    next_service_day: date
    reading_times: list  # datetimes (UTC) of the rows of `readings`
    readings: np.ndarray  # (times × containers) fill fraction, NaN where nothing arrived
    last_emptied: list  # per container: datetime of the last emptying the service knows, or None
    collection_due: np.ndarray  # fixed schedule: containers due today (holidays moved)

    def latest(self) -> np.ndarray:
        """The newest reading of each container (NaN if it never reported)."""
        valid = ~np.isnan(self.readings)
        last = np.where(valid.any(0), valid.shape[0] - 1 - np.argmax(valid[::-1], axis=0), -1)
        out = np.full(self.readings.shape[1], np.nan)
        ok = last >= 0
        out[ok] = self.readings[last[ok], np.nonzero(ok)[0]]
        return out


class Strategy(Protocol):
    name: str

    def choose(self, city: City, view: MorningView) -> list[StopChoice]: ...


class FixedStrategy:
    """Today's practice: every container on its own weekly schedule."""

    name = "fixed"

    def __init__(self, schedule: FixedSchedule) -> None:
        self.schedule = schedule

    def choose(self, city: City, view: MorningView) -> list[StopChoice]:
        rates = city.rates()
        choices = []
        for i in np.nonzero(view.collection_due)[0]:
            last = view.last_emptied[i]
            days = 7.0 / self.schedule.frequency[i] if last is None else max(
                1.0, (view.day - last.date()).days)
            volume = min(city.containers[i].volume_l, rates[i] * days)
            choices.append(StopChoice(int(i), volume * 1.1))
        return choices


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
