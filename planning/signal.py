"""Cleaning a fill-level series: outliers out, emptyings found, robust slopes.

Pure numpy. Times are epoch seconds (float64), fills fractions 0..1.

- `hampel_outliers`: a rolling-median (Hampel) filter. High spikes (a bag across an
  ultrasonic beam reads "fuller") are outliers when they stand out from the window. A low value
  is an outlier only if it is an isolated dip (the next reading is back up), so that a real
  emptying at the end of the series is not mistaken for noise.
- `find_emptyings`: indices where the cleaned level drops enough to be an emptying.
- `theil_sen_slope`: median of pairwise slopes, on at most 40 binned points.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MAD_TO_SIGMA = 1.4826


def rolling_median(values: np.ndarray, half_width: int) -> np.ndarray:
    """Median of a window of 2*half_width+1 points, shifted inwards at the edges (so the last
    point's window is the last 2k+1 points, not padded copies of the last point)."""
    n = values.shape[0]
    w = 2 * half_width + 1
    if n <= w:
        return np.full(n, np.median(values)) if n else values.copy()
    windows = sliding_window_view(values, w)  # (n-w+1, w)
    meds = np.median(windows, axis=1)
    starts = np.clip(np.arange(n) - half_width, 0, n - w)
    return meds[starts]


def hampel_outliers(fill: np.ndarray, *, half_width: int = 3, n_sigmas: float = 3.0,
                    min_deviation: float = 0.06) -> np.ndarray:
    """Boolean mask of outliers in `fill`."""
    n = fill.shape[0]
    if n < 4:
        return np.zeros(n, dtype=bool)
    w = min(2 * half_width + 1, n if n % 2 else n - 1)
    k = (w - 1) // 2
    med = rolling_median(fill, k)
    windows = sliding_window_view(fill, w)
    mads = np.median(np.abs(windows - np.median(windows, axis=1, keepdims=True)), axis=1)
    starts = np.clip(np.arange(n) - k, 0, n - w)
    threshold = np.maximum(min_deviation, n_sigmas * MAD_TO_SIGMA * mads[starts])
    dev = fill - med
    high = dev > threshold
    low = dev < -threshold
    # A low value counts only as an isolated dip: the next reading is back up near the median.
    nxt = np.append(fill[1:], -np.inf)
    low &= nxt > fill + threshold
    return high | low


def find_emptyings(times_s: np.ndarray, fill: np.ndarray, *, min_drop: float = 0.15,
                   low_level: float = 0.12, low_drop: float = 0.05) -> np.ndarray:
    """Indices i where an emptying happened between reading i-1 and reading i: the level drops
    by at least `min_drop`, or drops by `low_drop` to below `low_level`."""
    if fill.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    drop = fill[:-1] - fill[1:]
    hit = (drop >= min_drop) | ((drop >= low_drop) & (fill[1:] <= low_level))
    return np.flatnonzero(hit) + 1


@lru_cache(maxsize=128)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, k=1)


def theil_sen_slope(times_s: np.ndarray, fill: np.ndarray, *, max_points: int = 40,
                    min_dt_s: float = 3 * 3600.0) -> float | None:
    """Robust slope (fraction per second) of one segment, or None if it is too short.

    Long segments are binned to at most `max_points` medians first; only pairs at least
    `min_dt_s` apart vote, so sensor noise between neighbours does not dominate."""
    n = times_s.shape[0]
    if n < 2:
        return None
    if n > max_points:
        size = -(-n // max_points)
        m = n // size
        times_s = times_s[n - m * size:].reshape(m, size).mean(axis=1)
        fill = np.median(fill[n - m * size:].reshape(m, size), axis=1)
    i, j = _pairs(times_s.shape[0])
    dt = times_s[j] - times_s[i]
    keep = dt >= min_dt_s
    if not keep.any():
        return None
    return float(np.median((fill[j][keep] - fill[i][keep]) / dt[keep]))
