"""Deposits with the municipality's own pattern: each site's calibrated mean rate × the
district's calibrated weekday and month factors × the same seeded day-to-day variation as
`simulator.deposits.DepositModel` (no bulk dumps: the history's rates include them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import numpy as np

from simulator.city import City
from simulator.deposits import DepositModel


class CalibratedDeposits(DepositModel):
    """`DepositModel` with calibrated weekday (Monday first) and month (January first)
    factors instead of the fraction's standard ones."""

    def __init__(self, city: City, seed: int = 0, *, weekday: np.ndarray,
                 month: np.ndarray, daily_cv: float = 0.3) -> None:
        super().__init__(city, seed, daily_cv=daily_cv, bulk_probability=0.0)
        self.weekday = np.asarray(weekday, dtype=float)
        self.month = np.asarray(month, dtype=float)

    def factor(self, day: date) -> float:
        return float(self.weekday[day.weekday()] * self.month[day.month - 1])

    def day_l(self, day: date) -> np.ndarray:
        rng = np.random.default_rng([self.seed, day.toordinal()])
        shape = 1.0 / self.daily_cv**2
        noise = rng.gamma(shape, 1.0 / shape, size=len(self._rates))
        return self._rates * self.factor(day) * noise


def deposit_model_for(weekday: np.ndarray, month: np.ndarray
                      ) -> Callable[[City, int], DepositModel]:
    """What `TrialConfig.deposit_model` takes: (city, seed) -> the calibrated model."""
    return partial(CalibratedDeposits, weekday=weekday, month=month)
