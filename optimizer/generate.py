"""A generated city for scale tests: containers around a centre, two disposal sites.

`generate_city(n_stops, seed)` gives a `Problem` on haversine matrices (detour 1.3, 30 km/h)
with about 30% optional stops, 2 disposal sites, a fleet with capacity, shift and lunch.
"""

from __future__ import annotations

import math

import numpy as np

from domain import GeoPoint
from optimizer.matrices import HaversineProvider
from optimizer.model import Break, Depot, DisposalSite, Problem, Stop, Vehicle

CENTRE = GeoPoint(52.09, 5.12)


def generate_city(
    n_stops: int = 5000, seed: int = 1, n_sites: int = 2, optional_share: float = 0.3
) -> Problem:
    """A reproducible city of `n_stops` containers within about 8 km of the centre."""
    rng = np.random.default_rng(seed)
    radius_km = 8.0 * np.sqrt(rng.random(n_stops))
    angle = rng.random(n_stops) * 2 * math.pi
    lat = CENTRE.lat + radius_km * np.sin(angle) / 111.0
    lon = CENTRE.lon + radius_km * np.cos(angle) / (111.0 * math.cos(math.radians(CENTRE.lat)))
    points = [CENTRE] + [
        GeoPoint(CENTRE.lat + 0.06 * math.sin(a), CENTRE.lon + 0.09 * math.cos(a))
        for a in np.linspace(0.5, 3.6, n_sites)
    ]
    points += [GeoPoint(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
    dist, dur = HaversineProvider(1.3, 30.0).matrices(points)
    base = 1 + n_sites
    volume = rng.choice([240, 1100, 3000, 5000], size=n_stops, p=[0.55, 0.3, 0.1, 0.05])
    fill = 0.5 + 0.5 * rng.random(n_stops)
    optional = rng.random(n_stops) < optional_share
    stops = tuple(
        Stop(
            f"c{i + 1}",
            base + i,
            int(volume[i] * fill[i]),
            int(volume[i] * fill[i] * 0.12),
            60 + int(volume[i] // 50),
            required=not bool(optional[i]),
            prize=int(1500 * fill[i]) if optional[i] else 0,
            fraction="residual",
        )
        for i in range(n_stops)
    )
    sites = tuple(DisposalSite(f"site{k + 1}", 1 + k, unload_s=900) for k in range(n_sites))
    work_s = sum(s.service_s for s in stops) * 1.6
    n_vehicles = math.ceil(work_s / (8 * 3600) * 1.25) + 2
    vehicles = tuple(
        Vehicle(
            f"truck{v + 1}",
            0,
            capacity_l=40_000,
            capacity_kg=10_000,
            shift_start_s=7 * 3600,
            shift_end_s=16 * 3600,
            lunch=Break(11 * 3600 + 1800, 12 * 3600 + 1800, 1800),
            max_stops=400,
            fixed_cost=50_000,
        )
        for v in range(n_vehicles)
    )
    return Problem(dist, dur, (Depot("depot", 0),), stops, vehicles, sites, name=f"city{n_stops}")
