"""The overflow risk (planning.risk) on containers with a known deposit process: is a
predicted probability of p followed by an overflow about a share p of the time?"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from domain import Container, Fraction, GeoPoint
from planning import ContainerHistory, forecast_fleet
from planning.risk import learn_uncertainties, overflow_probability, past_forecasts

DAY_S = 86_400.0
T0 = 1_780_000_000.0 - 1_780_000_000.0 % DAY_S  # a UTC midnight
HISTORY_DAYS = 21
READ_HOURS = (0, 6, 12, 18)
NOISE = 0.03


@dataclass
class Truth:
    histories: dict[int, ContainerHistory]
    full_by: dict[int, dict[float, bool]]  # container -> {time: true fill >= 1 by then}
    containers: list[Container]


def _deposits(rng, rate: float, days: int, cv: float) -> np.ndarray:
    """Daily litres-as-fill: gamma with the given coefficient of variation."""
    shape = 1 / cv ** 2
    return rate * rng.gamma(shape, 1 / shape, size=days)


def _level(start: float, daily: np.ndarray, t_s: float, empties: list[float]) -> float:
    """Fill at t_s (seconds since T0) with deposits spread evenly over each day, emptied to 0
    at each of `empties` before it."""
    before = [e for e in empties if e <= t_s]
    if before:
        return _cumulative(daily, t_s) - _cumulative(daily, before[-1])
    return start + _cumulative(daily, t_s)


def _cumulative(daily: np.ndarray, t_s: float) -> float:
    knots = np.arange(daily.shape[0] + 1) * DAY_S
    return float(np.interp(t_s, knots, np.concatenate([[0.0], np.cumsum(daily)])))


def simulate(n: int, seed: int, horizons_s: tuple[float, ...], cv: float = 0.3) -> Truth:
    """n containers filled by daily gamma deposits at rates of 5-20% a day; emptied at 07:00
    on the first day they are above 75%; sensors every 6 h with 3-point noise."""
    rng = np.random.default_rng(seed)
    at = HISTORY_DAYS * DAY_S + 6 * 3600
    histories, full_by, containers = {}, {}, []
    for cid in range(n):
        rate = rng.uniform(0.05, 0.2)
        daily = _deposits(rng, rate, HISTORY_DAYS + 10, cv)
        start = rng.uniform(0, 0.7)
        empties: list[float] = []
        for d in range(HISTORY_DAYS + 1):
            t = d * DAY_S + 7 * 3600
            if t < at and _level(start, daily, t, empties) > 0.75:
                empties.append(t)
        times = np.array([d * DAY_S + h * 3600 for d in range(HISTORY_DAYS + 1)
                          for h in READ_HOURS if d * DAY_S + h * 3600 <= at])
        true = np.array([min(1.0, _level(start, daily, t, empties)) for t in times])
        fill = np.clip(true + rng.normal(0, NOISE, true.shape), 0, 1)
        histories[cid] = ContainerHistory(cid, T0 + times, fill)
        full_by[cid] = {h: _level(start, daily, at + h, empties) >= 1.0 for h in horizons_s}
        containers.append(Container(id=cid, tenant_id="t", external_id=str(cid),
                                    location=GeoPoint(52.0, 4.3 + cid * 1e-4),
                                    fraction=Fraction.RESIDUAL, volume_l=3000))
    return Truth(histories, full_by, containers)


@functools.cache
def _shared_truth(horizon_s: float) -> Truth:
    """The 1,500 containers both calibration tests use (simulated once)."""
    return simulate(1500, 7, (horizon_s,))


def reliability(truth: Truth, horizon_s: float, backtest: bool = True,
                edges=(0, .003, .01, .03, .1, .3, .5, .7, .9, 1.0001)):
    """Per bin of predicted probability: (count, mean predicted, observed frequency)."""
    at = T0 + HISTORY_DAYS * DAY_S + 6 * 3600
    forecasts = forecast_fleet(truth.containers, truth.histories, at, "UTC")
    past = past_forecasts(truth.containers, truth.histories, at, "UTC") if backtest else None
    unc = learn_uncertainties(forecasts, truth.histories, past=past)
    p = np.array([overflow_probability(forecasts[c], unc[c], at + horizon_s)
                  for c in sorted(forecasts)])
    y = np.array([truth.full_by[c][horizon_s] for c in sorted(forecasts)], dtype=float)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (p >= lo) & (p < hi)
        if sel.sum():
            out.append((int(sel.sum()), float(p[sel].mean()), float(y[sel].mean())))
    return out


def test_predicted_overflow_probabilities_match_the_observed_frequency():
    """On 1,500 containers with gamma day-to-day deposits (cv 0.3), in every bin of predicted
    probability the observed overflow frequency 33.5 h ahead (tomorrow at the end of a shift)
    is within 3 binomial standard errors (p at least 1%, the decision threshold), plus 1 point
    for the normal and Wilson-Hilferty approximations, of the
    mean prediction."""
    horizon = DAY_S + 9.5 * 3600
    table = reliability(_shared_truth(horizon), horizon)
    assert sum(n for n, _, _ in table) == 1500
    assert len(table) >= 5  # the probabilities spread over the range
    for n, predicted, observed in table:
        se = math.sqrt(max(predicted * (1 - predicted), 0.01 * 0.99) / n)
        assert abs(observed - predicted) <= 3 * se + 0.01, (n, predicted, observed, table)


def test_the_uncertain_containers_overflow_as_often_as_predicted():
    """The same 1,500 containers, in three bands of predicted probability (0.3-30%, 30-70%,
    70-99.7%): the number that overflowed is within 2.5 standard errors (the square root of
    the sum of p(1-p): a Poisson-binomial count) of the sum of the predictions. Without the
    backtest of past forecasts, the 70-99.7% band is off by 3.0 standard errors (62.8
    predicted, 55 observed)."""
    horizon = DAY_S + 9.5 * 3600
    truth = _shared_truth(horizon)
    at = T0 + HISTORY_DAYS * DAY_S + 6 * 3600
    forecasts = forecast_fleet(truth.containers, truth.histories, at, "UTC")
    unc = learn_uncertainties(forecasts, truth.histories,
                              past=past_forecasts(truth.containers, truth.histories, at, "UTC"))
    p = np.array([overflow_probability(forecasts[c], unc[c], at + horizon)
                  for c in sorted(forecasts)])
    y = np.array([truth.full_by[c][horizon] for c in sorted(forecasts)], dtype=float)
    for lo, hi in ((0.003, 0.3), (0.3, 0.7), (0.7, 0.997)):
        band = (p >= lo) & (p < hi)
        se = math.sqrt(float((p[band] * (1 - p[band])).sum()))
        assert band.sum() >= 30
        assert abs(y[band].sum() - p[band].sum()) <= 2.5 * se, (lo, hi, y[band].sum(),
                                                                p[band].sum(), se)


def test_a_stale_sensor_widens_the_risk():
    """The same containers, their sensors silent for two days, are less certain: the error a
    day ahead is larger for every one, by a third on average (three blind days instead of
    one: the day-to-day part of the variance triples)."""
    truth = simulate(40, 3, (DAY_S,))
    at = T0 + HISTORY_DAYS * DAY_S + 6 * 3600
    forecasts = forecast_fleet(truth.containers, truth.histories, at, "UTC")
    fresh = learn_uncertainties(forecasts, truth.histories)
    quiet = {c: ContainerHistory(c, h.times_s[h.times_s <= at - 2 * DAY_S],
                                 h.fill[h.times_s <= at - 2 * DAY_S])
             for c, h in truth.histories.items()}
    stale_f = forecast_fleet(truth.containers, quiet, at, "UTC")
    stale = learn_uncertainties(stale_f, quiet)
    assert all("stale" in f.health for f in stale_f.values())
    later = at + DAY_S
    ratio = np.array([stale[c].sd_at(later, at) / fresh[c].sd_at(later, at) for c in fresh])
    assert ratio.min() > 1.0 and ratio.mean() > 1.3
