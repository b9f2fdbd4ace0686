"""How sure is a forecast? Each container's forecast error, learnt from its own history, and
the probability that it overflows before a given time.

The fill at a later time t is the level now plus the rise until t. Its error has three parts,
each learnt per container (`learn_uncertainty`) and shrunk towards its fraction's (pooled)
values where the container's own history is short:
- sensor noise `noise_sd` (fill fraction): from the second differences of consecutive
  readings (robust: median absolute deviation); the level now, a median of the latest
  readings carried forward, is off by about `level_factor` x that;
- day-to-day variation of what residents bring, `day_var_per_day` (fill² per day): from the
  residuals of the container's own past one-day forecasts (the rise its weekday rates
  predicted from each reading to the reading a day later, within one fill cycle, against the
  rise the readings show), less the two readings' noise. Kept relative to the container's
  rate (`day_cv`), so that a fast container varies more in absolute terms;
- the error of the rate itself, `rate_sd_per_day`: the day-to-day variation over the days
  the rate was learnt from (a standard error), which grows linearly with the horizon.

The horizon runs from the last reading that can be trusted: a stale or stuck sensor's error
grows over the hours it has been blind. A container without readings gets the fraction's
spread of levels. `overflow_probability` treats the fill at t as normal (the sum of many
days' deposits); docs/forecast.md shows how well that is calibrated on simulated ground
truth (a reliability table).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from domain import Container
from planning.fleet import forecast_fleet
from planning.forecast import (
    DAY_S,
    SATURATED,
    ContainerHistory,
    Forecast,
    ForecastConfig,
    rise_between,
)
from planning.signal import find_emptyings, hampel_outliers


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """Priors and limits of the forecast-error model (fill fractions, days)."""

    noise_sd_prior: float = 0.03  # sensor noise when a container cannot tell its own
    noise_sd_min: float = 0.005
    day_cv_prior: float = 0.35  # sd of one day's rise / mean daily rise
    prior_weight_days: float = 30.0  # the fraction's values count as this many days
    level_factor: float = 0.8  # sd of the level now, in units of the sensor noise
    no_readings_level_sd: float = 0.25  # a container that never reported: fraction's spread
    pair_tolerance_s: float = 3 * 3600.0  # "a day later" within this
    scale_prior_readings: float = 8.0  # the fraction's scale counts as this many errors
    scale_min: float = 0.7  # bounds of the learnt scale of the error model
    scale_max: float = 4.0
    full_level: float = 1.0


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """One container's forecast error model."""

    container_id: int
    noise_sd: float  # sensor noise (fill fraction)
    level_sd: float  # error of the level at the last trusted reading
    day_var_per_day: float  # variance of the rise beyond the forecast, per day
    rate_sd_per_day: float  # error of the mean rate (fill fraction per day)
    trusted_until_s: float | None  # the last reading that can be trusted; None: no readings
    residual_days: float  # one-day residuals the container's own estimate rests on

    def sd_at(self, t_s: float, at_s: float) -> float:
        """The forecast's standard error at `t_s`, for a forecast made at `at_s`."""
        since = self.trusted_until_s if self.trusted_until_s is not None else at_s
        days = max(0.0, (t_s - min(since, at_s)) / DAY_S)
        var = self.level_sd ** 2 + self.day_var_per_day * days + (self.rate_sd_per_day * days) ** 2
        return math.sqrt(var)


def normal_tail(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


#: Gauss-Hermite nodes and weights: the expectation over the normal error of the level now.
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(12)


def overflow_probability(f: Forecast, u: Uncertainty, t_s: float,
                         full_level: float = 1.0) -> float:
    """P(the container is full, i.e. has overflowed, by `t_s` if nobody empties it).

    The fill at `t_s` is the level at the last trusted reading (normal: sensor noise) plus
    the rise since (a sum of days' deposits: gamma-shaped, right-skewed, with the mean the
    forecast gives and the variance of the day-to-day variation and the rate's error)."""
    since = min(u.trusted_until_s if u.trusted_until_s is not None else f.at_s, f.at_s)
    days = max(0.0, (t_s - since) / DAY_S)
    mean_rise = (rise_between(f.rates_by_weekday, f.utc_offset_s, since, t_s, f.day_profile)
                 if days else 0.0)
    mean_level = f.fill_at(t_s) - mean_rise
    var_rise = u.day_var_per_day * days + (u.rate_sd_per_day * days) ** 2
    levels = mean_level + math.sqrt(2.0) * u.level_sd * _NODES
    need = full_level - levels
    return float(np.clip(np.dot(_WEIGHTS, _gamma_tail(need, mean_rise, var_rise))
                         / math.sqrt(math.pi), 0.0, 1.0))


def _gamma_tail(x: np.ndarray, mean: float, var: float) -> np.ndarray:
    """P(R >= x) for a gamma-distributed R of this mean and variance (Wilson-Hilferty's
    cube-root normal approximation); a point mass at `mean` when it has no spread."""
    out = np.ones_like(x)
    pos = x > 0
    if mean <= 1e-9 or var <= 1e-12:
        out[pos] = (x[pos] <= mean).astype(float)
        return out
    c = var / (9.0 * mean * mean)  # 1 / (9 k), k the gamma's shape
    z = (np.cbrt(x[pos] / mean) - (1.0 - c)) / math.sqrt(c)
    out[pos] = [0.5 * math.erfc(v / math.sqrt(2.0)) for v in z]
    return out


@dataclass(frozen=True, slots=True)
class _Own:
    noise_sd: float | None
    day_cv: float | None  # sd of one day's residual / the container's daily rate
    residual_days: float
    observed_days: float


def _clean(h: ContainerHistory, until_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readings up to `until_s` without outliers, and each one's fill cycle number."""
    keep = h.times_s <= until_s
    t, y = h.times_s[keep], np.clip(h.fill[keep], 0.0, 1.0)
    if t.shape[0] < 5:
        return t, y, np.zeros(t.shape[0], dtype=int)
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    out = hampel_outliers(y)
    t, y = t[~out], y[~out]
    cuts = find_emptyings(t, y)
    if h.last_emptied_at_s is not None and t.shape[0] and t[0] < h.last_emptied_at_s <= t[-1]:
        cuts = np.union1d(cuts, [int(np.searchsorted(t, h.last_emptied_at_s))])
    cycle = np.zeros(t.shape[0], dtype=int)
    for c in np.asarray(cuts, dtype=int):
        cycle[c:] += 1
    return t, y, cycle


def _own_estimates(h: ContainerHistory, f: Forecast, config: RiskConfig) -> _Own:
    """The container's own noise and day-to-day variation, from its readings."""
    t, y, cycle = _clean(h, f.at_s)
    if t.shape[0] < 5:
        return _Own(None, None, 0.0, 0.0)
    noise = _noise_sd(t, y, cycle)
    observed = float((t[-1] - t[0]) / DAY_S)
    rates = np.asarray(f.rates_by_weekday)
    j = np.searchsorted(t, t + DAY_S - config.pair_tolerance_s)
    ok = j < t.shape[0]
    i = np.flatnonzero(ok)
    j = j[ok]
    ok = ((t[j] <= t[i] + DAY_S + config.pair_tolerance_s) & (cycle[j] == cycle[i])
          & (y[i] < SATURATED) & (y[j] < SATURATED))
    i, j = i[ok], j[ok]
    mean_rate = float(np.mean(rates))
    if i.shape[0] < 3 or mean_rate <= 0:
        return _Own(noise, None, 0.0, observed)
    predicted = np.array([rise_between(rates, f.utc_offset_s, float(t[a]), float(t[b]),
                                       f.day_profile)
                          for a, b in zip(i, j, strict=True)])
    r = (y[j] - y[i]) - predicted
    n_noise = noise if noise is not None else config.noise_sd_prior
    day_var = max(0.0, float(np.mean(r ** 2)) - 2 * n_noise ** 2)
    # readings a few hours apart give several overlapping pairs a day: count days, not pairs
    span_days = i.shape[0] * float(np.median(np.diff(t))) / DAY_S
    return _Own(noise, math.sqrt(day_var) / mean_rate, max(1.0, span_days), observed)


def _noise_sd(t: np.ndarray, y: np.ndarray, cycle: np.ndarray) -> float | None:
    """Sensor noise from second differences within a cycle: y[i] - (y[i-1] + y[i+1]) / 2 has
    variance 1.5 sigma² for equally spaced readings on a straight line."""
    if t.shape[0] < 5:
        return None
    same = (cycle[:-2] == cycle[2:]) & (y[1:-1] < SATURATED)
    d2 = (y[1:-1] - 0.5 * (y[:-2] + y[2:]))[same]
    if d2.shape[0] < 5:
        return None
    mad = float(np.median(np.abs(d2 - np.median(d2))))
    return 1.4826 * mad / math.sqrt(1.5)


def learn_uncertainties(forecasts: Mapping[int, Forecast],
                        histories: Mapping[int, ContainerHistory | None],
                        fractions: Mapping[int, str] | None = None,
                        config: RiskConfig | None = None,
                        past: Mapping[int, Forecast] | None = None) -> dict[int, Uncertainty]:
    """Every container's `Uncertainty`, its own estimates shrunk towards its fraction's.
    With `past` (forecasts made some days earlier from the history as it was then:
    `past_forecasts`), the model is scaled so that those forecasts' errors against the
    readings since have the size the model gives them (`_scales`)."""
    config = config or RiskConfig()
    fractions = fractions or {}
    own = {cid: (_own_estimates(h, forecasts[cid], config) if h is not None
                 and h.times_s.shape[0] else _Own(None, None, 0.0, 0.0))
           for cid, h in ((cid, histories.get(cid)) for cid in forecasts)}
    pooled_noise = _pooled(own, fractions, lambda o: o.noise_sd, config.noise_sd_prior)
    pooled_cv = _pooled(own, fractions, lambda o: o.day_cv, config.day_cv_prior)
    model = {cid: _combine(forecasts[cid], histories.get(cid), own[cid],
                           pooled_noise[fractions.get(cid, "")],
                           pooled_cv[fractions.get(cid, "")], config)
             for cid in forecasts}
    if not past:
        return model
    scales = _scales(model, past, histories, fractions, config)
    return {cid: _scaled(u, scales.get(cid, 1.0)) for cid, u in model.items()}


def past_forecasts(containers: Sequence[Container], histories: Mapping[int, ContainerHistory],
                   at_s: float, tz: str, days_back: float = 3.0,
                   config: ForecastConfig | None = None) -> dict[int, Forecast]:
    """The forecasts the service would have made `days_back` days before `at_s`."""
    then = at_s - days_back * DAY_S
    cut = {cid: ContainerHistory(cid, h.times_s[h.times_s <= then], h.fill[h.times_s <= then],
                                 h.battery_pct, None if h.last_emptied_at_s is None
                                 or h.last_emptied_at_s > then else h.last_emptied_at_s)
           for cid, h in histories.items() if h is not None}
    return forecast_fleet(containers, cut, then, tz, config)


def _scales(model: Mapping[int, Uncertainty], past: Mapping[int, Forecast],
            histories: Mapping[int, ContainerHistory | None], fractions: Mapping[int, str],
            config: RiskConfig) -> dict[int, float]:
    """Per container, the factor on the model's standard deviation that makes the squared
    standardised errors of its past forecasts average 1 (its own, shrunk towards its
    fraction's over `scale_prior_readings`)."""
    z2: dict[int, list[float]] = {}
    for cid, f in past.items():
        h, u = histories.get(cid), model.get(cid)
        if h is None or u is None or not f.healthy:
            continue
        t, y, cycle = _clean(h, float("inf"))
        later = (t > f.at_s) & (y < SATURATED)
        before = np.flatnonzero(t <= f.at_s)
        if not later.any() or before.shape[0] == 0:
            continue
        later &= cycle == cycle[before[-1]]  # not emptied since the forecast
        past_u = Uncertainty(cid, u.noise_sd, u.level_sd, u.day_var_per_day,
                             u.rate_sd_per_day, f.at_s, u.residual_days)
        for ti, yi in zip(t[later], y[later], strict=True):
            var = past_u.sd_at(float(ti), f.at_s) ** 2 + u.noise_sd ** 2
            z2.setdefault(cid, []).append(min(36.0, (yi - f.fill_at(float(ti))) ** 2 / var))
    groups: dict[str, list[float]] = {}
    for cid, zs in z2.items():
        groups.setdefault(fractions.get(cid, ""), []).extend(zs)
    pooled = {k: float(np.mean(v)) for k, v in groups.items()}
    w = config.scale_prior_readings
    out = {}
    for cid in model:
        prior = pooled.get(fractions.get(cid, ""), 1.0)
        zs = z2.get(cid, [])
        var_factor = (sum(zs) + w * prior) / (len(zs) + w)
        out[cid] = math.sqrt(min(max(var_factor, config.scale_min ** 2), config.scale_max ** 2))
    return out


def _scaled(u: Uncertainty, k: float) -> Uncertainty:
    return Uncertainty(u.container_id, u.noise_sd, u.level_sd * k, u.day_var_per_day * k * k,
                       u.rate_sd_per_day * k, u.trusted_until_s, u.residual_days)


def _pooled(own: Mapping[int, _Own], fractions: Mapping[int, str], pick,
            prior: float) -> dict[str, float]:
    """Per fraction, the median of the containers' own values (the prior where none)."""
    groups: dict[str, list[float]] = {}
    for cid, o in own.items():
        v = pick(o)
        if v is not None:
            groups.setdefault(fractions.get(cid, ""), []).append(v)
    out = {k: float(np.median(v)) for k, v in groups.items()}
    everything = [v for vs in groups.values() for v in vs]
    default = float(np.median(everything)) if everything else prior
    for k in set(fractions.values()) | {""}:
        out.setdefault(k, default)
    return out


def _combine(f: Forecast, h: ContainerHistory | None, o: _Own, noise_pool: float,
             cv_pool: float, config: RiskConfig) -> Uncertainty:
    w = config.prior_weight_days
    noise = o.noise_sd if o.noise_sd is not None else noise_pool
    noise = max(config.noise_sd_min, noise)
    cv = cv_pool if o.day_cv is None else (o.day_cv * o.residual_days + cv_pool * w) / (
        o.residual_days + w)
    rate = float(np.mean(f.rates_by_weekday))
    day_var = (cv * rate) ** 2
    # the rate's standard error: one day's spread over the days it was learnt from
    rate_sd = math.sqrt(day_var / max(1.0, o.observed_days)) if o.observed_days else cv * rate
    if "no-readings" in f.health or h is None or not h.times_s.shape[0]:
        return Uncertainty(f.container_id, noise, config.no_readings_level_sd, day_var,
                           cv * rate, None, 0.0)
    trusted = f.last_reading_at_s
    if "stuck" in f.health:
        trusted = _flat_start(h, f.at_s)
    return Uncertainty(f.container_id, noise, config.level_factor * noise, day_var, rate_sd,
                       trusted, o.residual_days)


def prior_uncertainty(f: Forecast, config: RiskConfig | None = None) -> Uncertainty:
    """The error model from the priors alone, for a caller without the histories."""
    config = config or RiskConfig()
    rate = float(np.mean(f.rates_by_weekday))
    sd_day = config.day_cv_prior * rate
    if "no-readings" in f.health:
        return Uncertainty(f.container_id, config.noise_sd_prior, config.no_readings_level_sd,
                           sd_day ** 2, sd_day, None, 0.0)
    return Uncertainty(f.container_id, config.noise_sd_prior,
                       config.level_factor * config.noise_sd_prior, sd_day ** 2,
                       sd_day / math.sqrt(14.0), f.last_reading_at_s, 0.0)


def _flat_start(h: ContainerHistory, at_s: float, tolerance: float = 0.005) -> float | None:
    """When the flat stretch a stuck sensor's series ends with began."""
    keep = h.times_s <= at_s
    t, y = h.times_s[keep], h.fill[keep]
    if t.shape[0] == 0:
        return None
    moved = np.abs(y - y[-1]) > tolerance
    first = int(np.flatnonzero(moved)[-1] + 1) if moved.any() else 0
    return float(t[first])


def risks_by_time(f: Forecast, u: Uncertainty, times_s: Sequence[float],
                  full_level: float = 1.0) -> tuple[float, ...]:
    """P(overflow by each of `times_s`)."""
    return tuple(overflow_probability(f, u, t, full_level) for t in times_s)
