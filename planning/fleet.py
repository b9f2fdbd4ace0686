"""Forecasts for every container of a tenant: own readings where the sensor is healthy,
fallbacks where it is not, and the health flags the planner sees.

Health flags (a container is never dropped for them):
- `no-readings`: nothing in the history window; fraction-average rate, level from the last
  reported emptying, else the fraction's median level.
- `stale`: quiet for longer than `stale_after_s`; the level is carried forward from the last
  reading (or from a later reported emptying) at the container's own rate, if it has enough
  history, else at the fraction's average rate.
- `stuck`: flat for `stuck_window_s` while its neighbours (same fraction, nearby), or its own
  past, say it should have risen; treated like stale from the moment it went flat.
- `low-battery`: reported battery below `low_battery_pct`; the readings are still used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from domain import Container
from domain.geo import EARTH_RADIUS_M
from planning.forecast import (
    DAY_S,
    ContainerHistory,
    Fit,
    Forecast,
    ForecastConfig,
    fit_history,
    learn_day_profile,
    level_at,
    rise_between,
    weekday_rates,
)


def utc_offset_s(tz: str | ZoneInfo, at_s: float) -> float:
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return datetime.fromtimestamp(at_s, zone).utcoffset().total_seconds()


def forecast_fleet(containers: Sequence[Container], histories: Mapping[int, ContainerHistory],
                   at_s: float, tz: str | ZoneInfo = "Europe/Amsterdam",
                   config: ForecastConfig | None = None) -> dict[int, Forecast]:
    """A `Forecast` for every container in `containers` (histories may lack some)."""
    config = config or ForecastConfig()
    offset = utc_offset_s(tz, at_s)
    since = at_s - config.history_days * DAY_S
    fits: dict[int, Fit | None] = {}
    for c in containers:
        h = histories.get(c.id)
        if h is None:
            fits[c.id] = None
            continue
        keep = (h.times_s >= since) & (h.times_s <= at_s)
        fits[c.id] = fit_history(h.times_s[keep], h.fill[keep], offset, h.last_emptied_at_s)
    pooled = _fraction_rates(containers, fits, config)
    profiles = {f: learn_day_profile((fits[c.id] for c in containers if str(c.fraction) == f),
                                     offset) for f in {str(c.fraction) for c in containers}}
    flat = {c.id: _flat_since(fits[c.id], config) for c in containers}
    levels = [f.fill[-1] for f in fits.values() if f is not None]
    median_level = float(np.median(levels)) if levels else 0.5
    neighbours = _Neighbours(containers, fits, flat)
    out = {}
    for c in containers:
        h = histories.get(c.id)
        out[c.id] = _forecast_one(c, h, fits[c.id], flat, neighbours, pooled,
                                  median_level, at_s, offset, config, profiles[str(c.fraction)])
    return out


def _fraction_rates(containers: Sequence[Container], fits: Mapping[int, Fit | None],
                    config: ForecastConfig) -> dict[str, np.ndarray]:
    """Per fraction, the median weekday rates of containers with enough history."""
    by_fraction: dict[str, list[np.ndarray]] = {}
    for c in containers:
        fit = fits[c.id]
        if fit is None or fit.observed_days < config.min_days_own_rate:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = np.where(fit.days_by_weekday > 0.25,
                             fit.rise_by_weekday / fit.days_by_weekday, np.nan)
        by_fraction.setdefault(str(c.fraction), []).append(rates)
    pooled = {}
    for fraction, rows in by_fraction.items():
        stacked = np.vstack(rows)
        seen = np.isfinite(stacked).any(axis=0)  # weekdays with at least one observed rate
        med = np.full(stacked.shape[1], np.nan)
        if seen.any():
            med[seen] = np.nanmedian(stacked[:, seen], axis=0)
        mean = float(np.nanmean(med)) if np.isfinite(med).any() else config.default_rate_per_day
        pooled[fraction] = np.where(np.isfinite(med), med, mean)
    return pooled


def _flat_since(fit: Fit | None, config: ForecastConfig) -> float | None:
    """Start of the flat stretch the series ends with, if it is long enough to be 'stuck'."""
    if fit is None or fit.fill.shape[0] < config.stuck_min_readings:
        return None
    f, t = fit.fill, fit.times_s
    dev = np.abs(f - f[-1]) > config.stuck_tolerance
    first = int(np.flatnonzero(dev)[-1] + 1) if dev.any() else 0
    n_flat, span = f.shape[0] - first, t[-1] - t[first]
    if n_flat >= config.stuck_min_readings and span >= config.stuck_window_s:
        return float(t[first])
    return None


class _Neighbours:
    """Healthy (not flat) containers with a rate, per fraction, as arrays; built on first use
    (only containers that look stuck need it)."""

    def __init__(self, containers: Sequence[Container], fits, flat) -> None:
        self._args = (containers, fits, flat)
        self._table: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    def _build(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        containers, fits, flat = self._args
        rows: dict[str, list[tuple[float, float, float, float]]] = {}
        for o in containers:
            fit = fits.get(o.id)
            if fit is None or flat.get(o.id) is not None or fit.observed_days < 1.0:
                continue
            rows.setdefault(str(o.fraction), []).append(
                (o.id, np.radians(o.location.lat), np.radians(o.location.lon),
                 fit.mean_rate_per_day))
        return {k: (np.asarray(v)[:, 0], np.asarray(v)[:, 1:]) for k, v in rows.items()}

    def rate(self, c: Container, config: ForecastConfig) -> float | None:
        """Median rate of the nearest such containers of its fraction within the radius."""
        if self._table is None:
            self._table = self._build()
        entry = self._table.get(str(c.fraction))
        if entry is None:
            return None
        ids, arr = entry
        lat0, lon0 = np.radians(c.location.lat), np.radians(c.location.lon)
        lat, lon = arr[:, 0], arr[:, 1]
        h = (np.sin((lat - lat0) / 2) ** 2
             + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2)
        dist = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        inside = np.flatnonzero((dist <= config.neighbour_radius_m) & (ids != c.id))
        if inside.size == 0:
            return None
        nearest = inside[np.argsort(dist[inside])[: config.neighbour_count]]
        return float(np.median(arr[nearest, 2]))


def _forecast_one(c, h, fit, flat, neighbours: _Neighbours, pooled, median_level, at_s,
                  offset, config: ForecastConfig, profile=None) -> Forecast:
    frac_rates = pooled.get(str(c.fraction), np.full(7, config.default_rate_per_day))
    health: list[str] = []
    if h is not None and h.battery_pct is not None and h.battery_pct < config.low_battery_pct:
        health.append("low-battery")
    emptied = h.last_emptied_at_s if h is not None else None
    common = dict(container_id=c.id, at_s=at_s, utc_offset_s=offset, day_profile=profile)
    if fit is None:
        level = (rise_between(frac_rates, offset, emptied, at_s, profile) if emptied
                 else median_level)
        return Forecast(**common, level=level, rates_by_weekday=tuple(frac_rates),
                        method="fraction-average", health=("no-readings", *health),
                        last_emptied_at_s=emptied)
    last_t = float(fit.times_s[-1])
    trusted_until = None
    if at_s - last_t > config.stale_after_s:
        health.insert(0, "stale")
        trusted_until = last_t
    flat_start = flat.get(c.id)
    if flat_start is not None:
        expected = neighbours.rate(c, config)
        before = None
        if expected is None:
            before = _refit_before(h, flat_start, offset)
            expected = before.mean_rate_per_day if before is not None and \
                before.observed_days >= config.min_days_own_rate else None
        flat_days = (last_t - flat_start) / DAY_S
        if expected is not None and expected * flat_days >= config.stuck_expected_rise:
            health.insert(0, "stuck")
            trusted_until = flat_start
            fit = before or _refit_before(h, flat_start, offset) or fit
    rates, method = _rates_for(fit, frac_rates, config)
    if trusted_until is not None and method == "readings":
        method = "own-history"
    if emptied is not None and emptied > (trusted_until or last_t):
        level = rise_between(rates, offset, emptied, at_s, profile)
    else:
        level = level_at(fit, rates, offset, at_s, config.level_window_s, until_s=trusted_until,
                         profile=profile)
    return Forecast(**common, level=max(0.0, level),
                    rates_by_weekday=tuple(float(r) for r in rates),
                    method=method, health=tuple(health), last_reading_at_s=last_t,
                    last_emptied_at_s=max([x for x in (emptied, *fit.emptied_at_s) if x],
                                          default=None))


def _refit_before(h: ContainerHistory, until_s: float, offset: float) -> Fit | None:
    keep = h.times_s <= until_s
    return fit_history(h.times_s[keep], h.fill[keep], offset) if keep.sum() >= 3 else None


def _rates_for(fit: Fit, frac_rates: np.ndarray, config: ForecastConfig
               ) -> tuple[np.ndarray, str]:
    """Weekday rates: the container's own, shrunk towards its own mean in the fraction's
    weekly shape; the fraction's rates where it has too little history of its own."""
    frac_mean = float(np.mean(frac_rates)) or config.default_rate_per_day
    shape = frac_rates / frac_mean if frac_mean > 0 else np.ones(7)
    days = fit.observed_days
    if days < config.min_days_own_rate:
        own = (fit.rise_by_weekday.sum() + frac_mean) / (days + 1.0)
        return own * shape, "fraction-average" if days < 1.0 else "readings"
    own_mean = fit.rise_by_weekday.sum() / days
    return weekday_rates(fit, own_mean * shape, config.weekday_prior_days), "readings"


def forecast_full_date(f: Forecast, config: ForecastConfig | None = None) -> float | None:
    """uCIFI forecastFullDate (epoch s) at the configured full level."""
    config = config or ForecastConfig()
    t = f.full_at(config.full_level)
    return None if t is None or math.isnan(t) else t
