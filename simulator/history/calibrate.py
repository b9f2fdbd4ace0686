"""Calibration from history: each site's deposit rate, its number of containers, the weekday
and seasonal pattern of deposits, and the density of the waste.

- Containers per site: the most common number of weighings per visit.
- A visit's kg: the sum of its usable weighings (0 < kg <= `max_single_kg`); where some of a
  visit's weighings are 0 or negative, the usable ones' mean times the lifts; a single
  whole-cluster weighing (> `max_single_kg`) is the visit's kg. A visit heavier than
  `max_visit_over_full` × what the site's containers hold when full is a scale error: dropped.
- Rate: between two recorded visits the site received what the later one collected. The rate
  is the sum of those kg over the sum of those intervals, using only intervals between
  `min_interval_days` and `max_interval_days` (longer ones hide unrecorded visits) that do not
  span a day without any data city-wide. A site with fewer than `min_intervals` usable
  intervals (one recorded only every few weeks) gets its mean visit kg over the typical
  interval of the sites with as many containers, and is marked `estimated`.
- Weekday pattern: least squares of every interval's kg per site-mean-rate on how much of each
  weekday it spans (the visit days in part, by the hourly profile of deposits,
  `simulator.deposits.share_before`). Season: the mean of each interval's kg over its
  expected kg, by month. Both lean towards 1 with the weight of `pattern_prior` intervals
  (ridge), so a small district gets a flat pattern rather than a noisy one.
- Density: the `full_quantile` quantile of single-container weighings, over the container
  volume (the heaviest weighings are of nearly full containers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.deposits import share_before
from simulator.history.readings import FillReadings
from simulator.history.visits import Visits, group_visits
from simulator.history.weighings import Weighings

_DAY_S = 86400
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


@dataclass(frozen=True)
class CalibrationSettings:
    visit_gap_min: float = 60.0
    max_single_kg: float = 3000.0
    max_whole_kg: float = 20_000.0
    merge_radius_m: float = 30.0
    min_interval_days: float = 0.25
    max_interval_days: float = 14.0
    min_intervals: int = 3
    container_volume_l: float = 5000.0
    full_quantile: float = 0.95
    reading_window_h: float = 2.0  # a fill reading this close before a visit describes it
    min_reading_fill: float = 0.5  # and is used for the density when at least this full
    min_density_pairs: int = 20  # else the density comes from the heaviest weighings
    pattern_prior: float = 100.0  # weekday and month factors lean to 1 by this many intervals
    max_visit_over_full: float = 1.5  # heavier visits (× full × containers) are dropped


@dataclass(frozen=True)
class Calibration:
    """Per site (arrays in site order) and for the whole district."""

    site_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    containers: np.ndarray  # int
    rate_kg_per_day: np.ndarray
    estimated: np.ndarray  # bool: rate from a site recorded too rarely (see module doc)
    weekday_factor: np.ndarray  # 7, Monday first, mean 1
    month_factor: np.ndarray  # 12, January first, mean 1
    density_kg_per_l: float
    container_volume_l: float
    visits: Visits
    visit_kg: np.ndarray  # per visit, after the rules above (NaN: nothing usable)
    no_data_days: list[str]
    report: dict = field(default_factory=dict)


def _visit_kg(v: Visits) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        partial = np.where(v.good > 0, v.kg_good / v.good * v.lifts, np.nan)
    kg = np.where(v.good == v.lifts, v.kg_good, partial)
    return np.where(v.whole_kg > 0, np.maximum(v.whole_kg, np.nan_to_num(kg)), kg)


def _mode_per_site(site: np.ndarray, values: np.ndarray, n_sites: int) -> np.ndarray:
    top = int(values.max()) + 1 if values.size else 1
    counts = np.zeros((n_sites, top), dtype=int)
    np.add.at(counts, (site, values), 1)
    counts[:, 0] = 0
    return np.maximum(1, top - 1 - np.argmax(counts[:, ::-1], axis=1))  # ties: the larger


def no_data_days(visit_days: np.ndarray, chance: float = 1e-3) -> np.ndarray:
    """Day numbers without any visit on which, at the typical (median) number of visits of
    that weekday, so empty a day would have a chance below `chance` (Poisson): the records
    are missing, the trucks did drive. In a small district a quiet day is not a gap, and a
    weekday without service (Sunday) is never one."""
    if not visit_days.size:
        return visit_days
    every = np.arange(visit_days.min(), visit_days.max() + 1)
    counts = np.bincount(visit_days - every[0], minlength=len(every))
    weekday = (every + _EPOCH_WEEKDAY) % 7
    typical = np.array([np.median(counts[weekday == w]) if (weekday == w).any() else 0.0
                        for w in range(7)])
    return every[(counts == 0) & (np.exp(-typical[weekday]) < chance)]


def _weekday_counts(d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
    """(intervals × 7): how many of each weekday (Monday first) lie in the days [d0, d1)."""
    a, b = d0 + _EPOCH_WEEKDAY, d1 + _EPOCH_WEEKDAY
    w = np.arange(7)
    return (np.floor((b[:, None] - 1 - w) / 7) - np.floor((a[:, None] - 1 - w) / 7)).clip(0)


def _normalised(x: np.ndarray, floor: float = 0.2) -> np.ndarray:
    x = np.where(np.isfinite(x), x, 1.0).clip(floor)
    return x / x.mean()


def calibrate(w: Weighings, s: CalibrationSettings | None = None,
              readings: FillReadings | None = None) -> Calibration:
    """Calibrate from the weighings (and fill readings, for the density, where given)."""
    s = s or CalibrationSettings()
    v = group_visits(w, s.visit_gap_min, s.max_single_kg, s.max_whole_kg, s.merge_radius_m)
    n_sites = len(v.site_ids)
    kg = _visit_kg(v)
    containers = _mode_per_site(v.site[v.whole_kg == 0], v.lifts[v.whole_kg == 0], n_sites)
    single = w.kg[(w.kg > 0) & (w.kg <= s.max_single_kg)]
    full_kg = float(np.quantile(single, s.full_quantile)) if single.size else s.max_single_kg
    holds = containers[v.site] * full_kg * s.max_visit_over_full
    too_heavy = np.isfinite(kg) & (kg > holds)
    kg = np.where(too_heavy, np.nan, kg)
    t = v.time.astype(np.int64)
    day = t // _DAY_S
    missing = no_data_days(day)
    same = v.site[1:] == v.site[:-1]
    dt = np.diff(t) / _DAY_S
    later_kg = kg[1:]
    span_gap = np.searchsorted(missing, day[1:], side="left") > np.searchsorted(
        missing, day[:-1], side="right")
    reasons = {
        "interval shorter than the minimum": same & (dt < s.min_interval_days),
        "interval longer than the maximum (visits not recorded)": same & (
            dt > s.max_interval_days),
        "interval spans a day without any data": same & span_gap,
        "no usable weighing at the later visit": same & ~np.isfinite(later_kg),
    }
    use = same.copy()
    dropped = {}
    for reason, mask in reasons.items():
        dropped[reason] = int(np.count_nonzero(use & mask))
        use &= ~mask
    site_i = v.site[1:][use]
    kg_sum = np.bincount(site_i, weights=later_kg[use], minlength=n_sites)
    day_sum = np.bincount(site_i, weights=dt[use], minlength=n_sites)
    n_used = np.bincount(site_i, minlength=n_sites)
    estimated = n_used < s.min_intervals
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = kg_sum / day_sum
        mean_kg = np.bincount(v.site, weights=np.nan_to_num(kg), minlength=n_sites) / \
            np.maximum(1, np.bincount(v.site, weights=np.isfinite(kg), minlength=n_sites))
    typical = {}
    for c in np.unique(containers):
        good = ~estimated & (containers == c)
        pool = good if good.any() else ~estimated
        typical[int(c)] = float(np.median(mean_kg[pool] / rate[pool])) if pool.any() else 7.0
    fallback = mean_kg / np.array([typical[int(c)] for c in containers])
    rate = np.where(estimated, fallback, rate)
    # weekday and season, from each used interval's kg relative to its site's rate
    d0, d1 = day[:-1][use], day[1:][use]
    expected = rate[site_i] * np.maximum(dt[use], 1e-9)
    ratio = later_kg[use] / np.maximum(rate[site_i], 1e-9)
    counts = _weekday_counts(d0 + 1, np.maximum(d1, d0 + 1))  # the whole days between
    before = share_before(t % _DAY_S)  # of the visit day's deposits, made before the visit
    counts[np.arange(len(d0)), (d0 + _EPOCH_WEEKDAY) % 7] += 1.0 - before[:-1][use]
    counts[np.arange(len(d1)), (d1 + _EPOCH_WEEKDAY) % 7] += before[1:][use]
    # both patterns lean towards 1 with the weight of `pattern_prior` intervals: a district
    # with few records gets a flat pattern rather than a noisy one
    k = s.pattern_prior
    weekday = _normalised(np.linalg.solve(counts.T @ counts + k * np.eye(7),
                                          counts.T @ ratio + k))
    month = (v.time[:-1][use].astype("datetime64[M]").astype(int) % 12)
    month_factor = _normalised((np.bincount(month, weights=later_kg[use] / np.maximum(
        expected, 1e-9), minlength=12) + k) / (np.bincount(month, minlength=12) + k))
    density = full_kg / s.container_volume_l
    density_from = (f"the {s.full_quantile:.0%} quantile of single weighings over a "
                    f"{s.container_volume_l:g} l container")
    if readings is not None:
        measured = _density_from_readings(v, kg, containers, readings, s)
        if measured.size >= s.min_density_pairs:
            density = float(np.median(measured))
            density_from = (f"the median kg per litre of {measured.size:,} visits with a fill "
                            f"reading of at least {s.min_reading_fill:.0%} in the "
                            f"{s.reading_window_h:g} h before")
    missing_days = [str(np.datetime64(int(d), "D")) for d in missing]
    report = {
        "rows": len(w), "layout": w.layout, "file": str(w.path),
        "rows_dropped": {"zero kg": v.rows_zero, "negative kg": v.rows_negative,
                         f"above {s.max_whole_kg:g} kg": v.rows_implausible},
        "rows_whole_cluster": v.rows_whole, "ids": n_sites + len(v.aliases),
        "sites": n_sites, "ids_joined_as_rebuilt": len(v.aliases), "visits": len(kg),
        "visits_without_usable_kg": int(np.count_nonzero(~np.isfinite(kg))),
        "visits_heavier_than_the_site_holds": int(np.count_nonzero(too_heavy)),
        "visits_partly_imputed": int(np.count_nonzero((v.good < v.lifts) & (v.good > 0))),
        "intervals": int(np.count_nonzero(same)), "intervals_used": int(np.count_nonzero(use)),
        "intervals_dropped": dropped, "sites_estimated": int(np.count_nonzero(estimated)),
        "days_without_data": missing_days,
        "containers_per_site": {str(int(c)): int(np.count_nonzero(containers == c))
                                for c in np.unique(containers)},
        "density_kg_per_l": round(density, 4), "density_from": density_from,
        "weekday_factor": [round(float(x), 3) for x in weekday],
        "month_factor": [round(float(x), 3) for x in month_factor],
        "rate_kg_per_day_median": round(float(np.median(rate)), 1) if n_sites else 0.0,
        "settings": s.__dict__,
    }
    return Calibration(v.site_ids, v.site_lat, v.site_lon, containers, rate, estimated, weekday,
                       month_factor, density, s.container_volume_l, v, kg, missing_days,
                       report)


def _density_from_readings(v: Visits, kg: np.ndarray, containers: np.ndarray,
                           r: FillReadings, s: CalibrationSettings) -> np.ndarray:
    """kg per litre of each visit with a fill reading of its site shortly before it."""
    index = {str(k): i for i, k in enumerate(v.site_ids)}
    index.update({alias: index[root] for alias, root in v.aliases.items() if root in index})
    site = np.array([index.get(str(x), -1) for x in r.site])
    ok = site >= 0
    span = np.int64(10**12)
    keys = site[ok].astype(np.int64) * span + r.time[ok].astype(np.int64)
    order = np.argsort(keys)
    keys, fill = keys[order], r.fill_fraction[ok][order]
    visit_keys = v.site.astype(np.int64) * span + v.time.astype(np.int64)
    at = np.searchsorted(keys, visit_keys, side="right") - 1
    found = at >= 0
    gap = visit_keys - keys[np.maximum(at, 0)]
    usable = (found & (gap >= 0) & (gap <= s.reading_window_h * 3600)
              & (fill[np.maximum(at, 0)] >= s.min_reading_fill) & np.isfinite(kg))
    litres = fill[at[usable]] * containers[v.site[usable]] * s.container_volume_l
    return kg[usable] / litres
