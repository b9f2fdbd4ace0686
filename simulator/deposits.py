"""What residents put into each container, day by day: seeded, so every strategy sees the same.

`DepositModel(city, seed).daily_l(start, days)` is a (days × containers) array of litres. Each
day's deposit is the container's mean rate × the fraction's day factor (weekday, season,
holiday peaks; see `simulator.calendar`) × a market-day boost × random day-to-day variation
(gamma, coefficient of variation `daily_cv`), plus a rare bulk dump (someone clearing out an
attic). The random numbers of a date depend only on the seed and that date, so any window of
days gives the same deposits for the same dates.

Within a day, deposits follow `HOURLY_SHARE` (residents deposit by day, little at night).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from simulator.calendar import day_factor
from simulator.city import City

#: Share of a day's deposits in each hour 0..23 (local time); sums to 1.
_HOURLY = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 5.5, 6.5, 7.0, 7.0,
                    6.5, 6.5, 6.5, 6.5, 7.0, 7.5, 7.5, 6.5, 5.0, 3.5, 2.0, 0.8])
HOURLY_SHARE = _HOURLY / _HOURLY.sum()
CUMULATIVE_SHARE = np.concatenate([[0.0], np.cumsum(HOURLY_SHARE)])


def share_before(seconds_of_day: np.ndarray | float) -> np.ndarray:
    """Share of a day's deposits made before this time of day (linear within the hour)."""
    hours = np.clip(np.asarray(seconds_of_day, dtype=float) / 3600.0, 0.0, 24.0)
    return np.interp(hours, np.arange(25), CUMULATIVE_SHARE)


class DepositModel:
    """Seeded daily deposits of every container of a city."""

    def __init__(self, city: City, seed: int = 0, daily_cv: float = 0.3,
                 bulk_probability: float = 0.004, bulk_share: float = 0.12) -> None:
        self.city = city
        self.seed = seed
        self.daily_cv = daily_cv
        self.bulk_probability = bulk_probability
        self.bulk_share = bulk_share
        self._rates = city.rates()
        self._volumes = city.volumes()
        self._fractions = [c.fraction for c in city.containers]
        self._market = np.array([-1 if c.market_day is None else c.market_day
                                 for c in city.containers])

    def day_l(self, day: date) -> np.ndarray:
        """Litres deposited into each container on one date."""
        rng = np.random.default_rng([self.seed, day.toordinal()])
        n = len(self._rates)
        shape = 1.0 / self.daily_cv**2
        noise = rng.gamma(shape, 1.0 / shape, size=n)
        bulk = (rng.random(n) < self.bulk_probability) * self.bulk_share * self._volumes
        factors = {f: day_factor(day, f) for f in set(self._fractions)}
        pattern = np.array([factors[f] for f in self._fractions])
        market = np.where(self._market == day.weekday(), 1.6, 1.0)
        return self._rates * pattern * market * noise + bulk

    def daily_l(self, start: date, days: int) -> np.ndarray:
        """A (days × containers) array of litres deposited, day by day from `start`."""
        return np.stack([self.day_l(start + timedelta(days=d)) for d in range(days)])
