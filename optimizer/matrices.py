"""Travel-matrix providers: a list of points in, integer distance and duration matrices out.

A provider has one method, `matrices(points) -> (distance, duration)`, both square int64 numpy
arrays over the points in order. Distances are metres for geographic providers and instance
units for the benchmark providers; durations are seconds. Everything is vectorised with numpy.

- `HaversineProvider(detour_factor, speed_kmh)`: great circle × detour factor, the default.
- `OsrmTableProvider(url)`: a road network via the OSRM table service (see `optimizer.osrm`).
- `ManhattanProvider(speed, length_scale)`: |dx| + |dy| on planar coordinates (Kim 2006).
- `EuclideanRoundedProvider()`: nint(sqrt(dx² + dy²)) as TSPLIB EUC_2D (CVRPLIB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from domain import GeoPoint
from domain.geo import EARTH_RADIUS_M


class MatrixProvider(Protocol):
    """Anything that turns points into (distance, duration) integer matrices."""

    def matrices(self, points: Sequence) -> tuple[np.ndarray, np.ndarray]: ...


def _xy(points: Sequence) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray([(p[0], p[1]) for p in points], dtype=np.float64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


@dataclass(frozen=True, slots=True)
class HaversineProvider:
    """Great-circle distance times a detour factor, driven at a constant speed."""

    detour_factor: float = 1.3
    speed_kmh: float = 30.0

    def matrices(self, points: Sequence[GeoPoint]) -> tuple[np.ndarray, np.ndarray]:
        lat = np.radians([p.lat for p in points])
        lon = np.radians([p.lon for p in points])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        )
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        metres *= self.detour_factor
        seconds = metres / (self.speed_kmh / 3.6)
        return np.rint(metres).astype(np.int64), np.ceil(seconds - 1e-9).astype(np.int64)


@dataclass(frozen=True, slots=True)
class ManhattanProvider:
    """|dx| + |dy| in the points' unit, scaled to metres by `metres_per_unit`, at a speed.

    Kim 2006: coordinates in feet, `metres_per_unit=0.3048`, `speed_kmh=40 mph`. Durations are
    rounded up so that a schedule that holds in whole seconds holds on the real clock too.
    """

    speed_kmh: float
    metres_per_unit: float = 1.0

    def matrices(self, points: Sequence) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(points)
        units = np.abs(x[:, None] - x[None, :]) + np.abs(y[:, None] - y[None, :])
        metres = units * self.metres_per_unit
        seconds = metres / (self.speed_kmh / 3.6)
        return np.rint(metres).astype(np.int64), np.ceil(seconds - 1e-6).astype(np.int64)


@dataclass(frozen=True, slots=True)
class EuclideanRoundedProvider:
    """TSPLIB EUC_2D: nint(sqrt(dx² + dy²)). Duration equals distance (one unit per second)."""

    def matrices(self, points: Sequence) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(points)
        d = np.sqrt((x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2)
        dist = np.floor(d + 0.5).astype(np.int64)
        return dist, dist.copy()
