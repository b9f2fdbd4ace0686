"""From weighing rows to visits: one visit is a site's containers emptied on one pass.

Rows of one site less than `visit_gap_min` apart belong to one visit (Amsterdam weighs the
containers of a cluster minutes apart). Ids that change when a site is rebuilt are joined:
an id whose records start after another's have ended, within `merge_radius_m` of it, is the
same site. Everything here is numpy over the whole file, no per-row Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.history.weighings import Weighings

_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Visits:
    """One row per visit, sorted by (site, time). `site` indexes `site_ids`."""

    site_ids: np.ndarray  # str, the (first) id of each site
    site_lat: np.ndarray
    site_lon: np.ndarray
    aliases: dict[str, str]  # a later id -> the site's first id (rebuilt sites)
    site: np.ndarray  # int per visit
    time: np.ndarray  # datetime64[s] of the first weighing
    lifts: np.ndarray  # int: weighings (containers lifted), every row counted
    good: np.ndarray  # int: weighings with a usable kg (0 < kg <= max_single_kg)
    kg_good: np.ndarray  # float: their sum
    whole_kg: np.ndarray  # float: a whole-cluster weighing (> max_single_kg), else 0
    rows_zero: int
    rows_negative: int
    rows_whole: int
    rows_implausible: int  # above `max_whole_kg`: not a weighing of anything we know


def _site_positions(w: Weighings, inverse: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(w.lat) & np.isfinite(w.lon)
    counts = np.bincount(inverse[ok], minlength=n)
    lat = np.bincount(inverse[ok], weights=w.lat[ok], minlength=n)
    lon = np.bincount(inverse[ok], weights=w.lon[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return lat / counts, lon / counts


def merge_rebuilt(first: np.ndarray, last: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                  radius_m: float, max_gap_s: float = 60 * 86400.0) -> np.ndarray:
    """Per id, the id it continues (its root), or itself: a later id within `radius_m` of an
    id whose records ended before it started (at most `max_gap_s` before). Each old id is
    continued at most once."""
    n = len(first)
    root = np.arange(n)
    taken = np.zeros(n, dtype=bool)
    order = np.argsort(first, kind="stable")
    scale = np.cos(np.radians(np.nanmean(lat))) if n else 1.0
    for j in order:
        if not np.isfinite(lat[j]):
            continue
        d = np.hypot((lat - lat[j]) * _M_PER_DEG_LAT, (lon - lon[j]) * _M_PER_DEG_LAT * scale)
        cand = np.nonzero((last < first[j]) & (last >= first[j] - max_gap_s) & (d <= radius_m)
                          & ~taken)[0]
        if cand.size:
            i = cand[np.argmin(d[cand])]
            taken[i] = True
            root[j] = root[i]
    return root


def group_visits(w: Weighings, visit_gap_min: float = 60.0, max_single_kg: float = 3000.0,
                 max_whole_kg: float = 20_000.0, merge_radius_m: float = 30.0) -> Visits:
    ids, inverse = np.unique(w.site.astype(str), return_inverse=True)
    n_ids = len(ids)
    lat, lon = _site_positions(w, inverse, n_ids)
    t = w.time.astype("datetime64[s]").astype(np.int64)
    first = np.full(n_ids, np.iinfo(np.int64).max)
    last = np.full(n_ids, np.iinfo(np.int64).min)
    np.minimum.at(first, inverse, t)
    np.maximum.at(last, inverse, t)
    root = merge_rebuilt(first, last, lat, lon, merge_radius_m)
    roots, site_of_id = np.unique(root, return_inverse=True)
    aliases = {str(ids[j]): str(ids[root[j]]) for j in range(n_ids) if root[j] != j}
    site = site_of_id[inverse]
    order = np.lexsort((t, site))
    site, t, kg = site[order], t[order], w.kg[order]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (site[1:] != site[:-1]) | (np.diff(t) > visit_gap_min * 60)
    vid = np.cumsum(new) - 1
    n_visits = int(vid[-1] + 1) if len(vid) else 0
    usable = (kg > 0) & (kg <= max_single_kg)
    whole = (kg > max_single_kg) & (kg <= max_whole_kg)
    whole_kg = np.zeros(n_visits)
    np.maximum.at(whole_kg, vid[whole], kg[whole])
    return Visits(
        site_ids=ids[roots], site_lat=lat[roots], site_lon=lon[roots], aliases=aliases,
        site=site[new], time=t[new].astype("datetime64[s]"),
        lifts=np.bincount(vid, minlength=n_visits),
        good=np.bincount(vid, weights=usable, minlength=n_visits).astype(int),
        kg_good=np.bincount(vid, weights=np.where(usable, kg, 0.0), minlength=n_visits),
        whole_kg=whole_kg, rows_zero=int(np.count_nonzero(kg == 0)),
        rows_negative=int(np.count_nonzero(kg < 0)), rows_whole=int(np.count_nonzero(whole)),
        rows_implausible=int(np.count_nonzero(kg > max_whole_kg)))
