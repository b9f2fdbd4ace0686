"""The fill forecast of one container: its level now, its fill rate by weekday, and what
follows from them (fill at any future time, `forecastFullDate`, `averageFillingSpeed`).

`fit_history` turns a container's readings into a `Fit` (pure numpy, robust to outliers,
emptyings and gaps); `planning.fleet.forecast_fleet` then adds sensor health and fallbacks and
makes the `Forecast`s the selection uses. Times are epoch seconds (UTC); weekdays are the
tenant's local ones (Monday = 0), from a fixed UTC offset taken at the forecast time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from planning.signal import find_emptyings, hampel_outliers, rolling_median, theil_sen_slope

DAY_S = 86_400.0
SATURATED = 0.97  # readings at or above this are "full": no slope information


@dataclass(frozen=True, slots=True)
class ForecastConfig:
    """Tunables of the forecast and of sensor health. Defaults suit hourly sensors."""

    history_days: float = 28.0
    stale_after_s: float = 24 * 3600.0
    low_battery_pct: float = 15.0
    stuck_window_s: float = 36 * 3600.0
    stuck_min_readings: int = 6
    stuck_tolerance: float = 0.005  # max - min of a "flat" stretch
    stuck_expected_rise: float = 0.06  # neighbours/own history would have risen this much
    neighbour_radius_m: float = 1500.0
    neighbour_count: int = 8
    min_days_own_rate: float = 3.0  # history needed to trust a container's own rate
    weekday_prior_days: float = 2.0  # shrinks weekday rates towards the weekly mean
    level_window_s: float = 4 * 3600.0  # readings that vote on the level now
    default_rate_per_day: float = 0.10  # when a fraction has no usable history at all
    full_level: float = 1.0  # forecastFullDate: when the forecast reaches this


@dataclass(frozen=True, slots=True)
class ContainerHistory:
    """What the forecast needs about one container (built from storage by the caller)."""

    container_id: int
    times_s: np.ndarray  # epoch seconds, ascending
    fill: np.ndarray  # 0..1
    battery_pct: float | None = None
    last_emptied_at_s: float | None = None  # reported by a driver, if later than sensors know


@dataclass(frozen=True, slots=True)
class Fit:
    """What one container's readings say, before health and fallbacks."""

    times_s: np.ndarray  # cleaned (outliers removed)
    fill: np.ndarray
    n_outliers: int
    emptied_at_s: tuple[float, ...]  # detected emptyings (time of the first low reading)
    rise_by_weekday: np.ndarray  # (7,) fill gained on each weekday, robustly scaled
    days_by_weekday: np.ndarray  # (7,) observed days on each weekday
    segment_start_s: float  # start of the current fill cycle (last emptying or first reading)

    @property
    def observed_days(self) -> float:
        return float(self.days_by_weekday.sum())

    @property
    def mean_rate_per_day(self) -> float | None:
        days = self.observed_days
        return float(self.rise_by_weekday.sum() / days) if days > 0 else None


@dataclass(frozen=True, slots=True)
class Forecast:
    """A container's forecast from `at_s` on. `level` may exceed 1 (overflowing)."""

    container_id: int
    at_s: float
    level: float
    rates_by_weekday: tuple[float, ...]  # fraction per day, Monday first
    utc_offset_s: float
    method: str  # "readings" | "own-history" | "fraction-average"
    health: tuple[str, ...] = ()  # "stale", "stuck", "low-battery", "no-readings", ...
    last_reading_at_s: float | None = None
    last_emptied_at_s: float | None = None
    notes: tuple[str, ...] = field(default=())
    # the share of a day's rise before each local hour 0..24 (`learn_day_profile`); None: even
    day_profile: tuple[float, ...] | None = None

    @property
    def average_filling_speed(self) -> float:
        """uCIFI 'Average filling speed' as a fraction per day (×100 for % per day)."""
        return float(np.mean(self.rates_by_weekday))

    @property
    def healthy(self) -> bool:
        return not ({"stale", "stuck", "no-readings"} & set(self.health))

    def fill_at(self, t_s: float) -> float:
        """Forecast fill at `t_s` (unclipped above; never below 0), if nobody empties it."""
        return max(0.0, self.level + rise_between(self.rates_by_weekday, self.utc_offset_s,
                                                  self.at_s, t_s, self.day_profile))

    def full_at(self, level: float = 1.0, horizon_days: int = 60) -> float | None:
        """uCIFI `forecastFullDate` (epoch s): when the forecast reaches `level`; None if not
        within the horizon. `at_s` itself if it is already there."""
        if self.level >= level:
            return self.at_s
        need, t = level - self.level, self.at_s
        offset = self.utc_offset_s
        for _ in range(horizon_days + 1):
            day_end = (math.floor((t + offset) / DAY_S) + 1) * DAY_S - offset
            rate = self.rates_by_weekday[_weekday(t, offset)]
            gain = rate * (day_end - t) / DAY_S
            if gain >= need and rate > 0:
                return t + need / rate * DAY_S
            need -= gain
            t = day_end
        return None


def _weekday(t_s: float, offset_s: float) -> int:
    return int((math.floor((t_s + offset_s) / DAY_S) + 3) % 7)  # 1970-01-01 was a Thursday


def _share(seconds_of_day: float, profile: tuple[float, ...] | None) -> float:
    """The share of a day's rise before this time of day (even without a profile)."""
    if profile is None:
        return seconds_of_day / DAY_S
    h = seconds_of_day / 3600.0
    k = min(int(h), 23)
    return profile[k] + (profile[k + 1] - profile[k]) * (h - k)


def rise_between(rates: tuple[float, ...] | np.ndarray, offset_s: float, t0: float,
                 t1: float, profile: tuple[float, ...] | None = None) -> float:
    """Fill gained from t0 to t1 at the weekday rates (0 if t1 <= t0), spread over each day
    by `profile` (cumulative shares at local hours 0..24; None: evenly)."""
    if t1 <= t0:
        return 0.0
    a, b = t0 + offset_s, t1 + offset_s
    d0, d1 = math.floor(a / DAY_S), math.floor(b / DAY_S)
    wd = lambda d: int((d + 3) % 7)  # noqa: E731
    sa, sb = _share(a - d0 * DAY_S, profile), _share(b - d1 * DAY_S, profile)
    if d0 == d1:
        return rates[wd(d0)] * (sb - sa)
    total = rates[wd(d0)] * (1.0 - sa) + rates[wd(d1)] * sb
    full = d1 - d0 - 1
    total += (full // 7) * float(sum(rates))
    for d in range(d0 + 1, d0 + 1 + full % 7):
        total += rates[wd(d)]
    return float(total)


def learn_day_profile(fits: Iterable[Fit | None], offset_s: float,
                      min_pairs: int = 200) -> tuple[float, ...] | None:
    """When in the day containers fill: the cumulative share of a day's rise before each
    local hour 0..24, from the rises between consecutive readings (within a fill cycle, at
    most 12 h apart) of many containers, each spread evenly over the hours it spans. So the
    profile has the resolution of the readings (6-hourly readings: four steps). None with
    fewer than `min_pairs` pairs."""
    inc_h, exp_h, pairs = np.zeros(24), np.zeros(24), 0
    for fit in fits:
        if fit is None or fit.times_s.shape[0] < 2:
            continue
        t, f = fit.times_s, fit.fill
        cycle = np.searchsorted(np.asarray(fit.emptied_at_s), t, side="right")
        dt = np.diff(t)
        ok = ((cycle[1:] == cycle[:-1]) & (dt > 0) & (dt <= 12 * 3600)
              & (f[1:] < SATURATED) & (f[:-1] < SATURATED))
        if not ok.any():
            continue
        start, dt, inc = t[:-1][ok] + offset_s, dt[ok], np.diff(f)[ok]
        pairs += int(ok.sum())
        for k in range(13):  # hour slots from the pair's first hour on
            slot = np.floor(start / 3600.0) + k
            lo, hi = np.maximum(start, slot * 3600.0), np.minimum(start + dt, (slot + 1) * 3600.0)
            over = np.maximum(hi - lo, 0.0)
            hour = (slot % 24).astype(int)
            np.add.at(exp_h, hour, over)
            np.add.at(inc_h, hour, inc * over / dt)
    if pairs < min_pairs or (exp_h <= 0).any():
        return None
    rate = np.maximum(inc_h / exp_h, 0.0)
    if rate.sum() <= 0:
        return None
    cum = np.concatenate([[0.0], np.cumsum(rate)]) / rate.sum()
    return tuple(float(x) for x in cum)


def fit_history(times_s: np.ndarray, fill: np.ndarray, utc_offset_s: float,
                emptied_at_s: float | None = None) -> Fit | None:
    """Clean a container's readings and measure how fast it fills, per weekday.

    Outliers go (Hampel); emptyings split the series into fill cycles; each cycle's rise is its
    Theil-Sen slope times its length (readings at 'full' excluded), spread over weekdays in
    proportion to the smoothed increments on each weekday. None without readings."""
    if times_s.shape[0] == 0:
        return None
    order = np.argsort(times_s, kind="stable")
    times_s, fill = times_s[order], np.clip(fill[order], 0.0, 1.0)
    out = hampel_outliers(fill)
    t, f = times_s[~out], fill[~out]
    cuts = find_emptyings(t, f)
    if emptied_at_s is not None and t[0] < emptied_at_s <= t[-1]:
        cuts = np.union1d(cuts, [int(np.searchsorted(t, emptied_at_s))])
    bounds = [0, *cuts.tolist(), t.shape[0]]
    rise_w, days_w = np.zeros(7), np.zeros(7)
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        # smoothed within the cycle: the level before an emptying must not leak into it
        _add_cycle(t[a:b], f[a:b], rolling_median(f[a:b], 2), utc_offset_s, rise_w, days_w)
    return Fit(times_s=t, fill=f, n_outliers=int(out.sum()),
               emptied_at_s=tuple(float(t[i]) for i in cuts),
               rise_by_weekday=rise_w, days_by_weekday=days_w,
               segment_start_s=float(t[bounds[-2]]))


def _add_cycle(t: np.ndarray, f: np.ndarray, smooth: np.ndarray, offset_s: float,
               rise_w: np.ndarray, days_w: np.ndarray) -> None:
    keep = f < SATURATED
    t, f, smooth = t[keep], f[keep], smooth[keep]
    if t.shape[0] < 3 or t[-1] - t[0] < 6 * 3600:
        return
    slope = theil_sen_slope(t, f)
    if slope is None:
        return
    dt = np.diff(t)
    mid = (t[:-1] + t[1:]) / 2 + offset_s
    wd = ((np.floor(mid / DAY_S) + 3) % 7).astype(int)
    inc = np.maximum(np.diff(smooth), 0.0)
    day_w = np.bincount(wd, weights=dt / DAY_S, minlength=7)
    inc_w = np.bincount(wd, weights=inc, minlength=7)
    total = max(slope, 0.0) * (t[-1] - t[0])
    # spread the cycle's rise over the weekdays where the level rose; if the smoothed level
    # never rose (a short cycle), by time, so that the days observed keep their rise
    weights = inc_w if inc_w.sum() > 0 else day_w
    rise_w += weights * (total / weights.sum())
    days_w += day_w


def weekday_rates(fit: Fit, prior: np.ndarray, prior_days: float) -> np.ndarray:
    """Per-weekday rates, each shrunk towards `prior` (7 rates) by `prior_days` of weight."""
    return (fit.rise_by_weekday + prior_days * prior) / (fit.days_by_weekday + prior_days)


def level_at(fit: Fit, rates: np.ndarray, offset_s: float, at_s: float,
             window_s: float, until_s: float | None = None,
             profile: tuple[float, ...] | None = None) -> float:
    """The fill at `at_s` from the latest readings of the current cycle (up to `until_s`):
    the median of each reading carried forward at the forecast rates."""
    t, f = fit.times_s, fit.fill
    if until_s is not None:
        t, f = t[t <= until_s], f[: int((fit.times_s <= until_s).sum())]
    start = fit.segment_start_s if until_s is None or fit.segment_start_s <= until_s else t[0]
    sel = t >= max(start, t[-1] - window_s)
    if sel.sum() < 3:
        sel = t >= start
        idx = np.flatnonzero(sel)[-3:]
        sel = np.zeros_like(sel)
        sel[idx] = True
    carried = [fi + rise_between(rates, offset_s, ti, at_s, profile)
               for ti, fi in zip(t[sel], f[sel], strict=True)]
    return float(np.median(carried))
