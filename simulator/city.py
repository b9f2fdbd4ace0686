"""A simulated city: container islands along streets, depots, disposal sites and a fleet.

`generate_city(CitySpec(...))` is deterministic by seed. Containers sit in islands (one to
four underground containers of different fractions at one spot) along streets that run on a
slightly rotated grid around the centre; islands are denser near the centre. Each container
has a mean deposit rate (litres per day). What residents bring to one spot varies a lot from
spot to spot (`DAYS_TO_FULL`: the days one container of that fraction would take to fill
there; the spread is the one measured between the Edinburgh Enevo bins, see docs/trial.md).
A municipality sizes its islands to that demand: where one container would fill in less than
`MIN_DAYS_TO_FULL` days it places more containers of that fraction side by side, which share
the spot's deposits, so that no container needs emptying more than about three times a week.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from domain import Fraction, GeoPoint

#: Underground container volume (litres) and inside depth (mm) per fraction.
CONTAINER_MODELS: dict[Fraction, tuple[str, float, float]] = {
    Fraction.RESIDUAL: ("ondergronds-5m3", 5000.0, 1900.0),
    Fraction.PAPER: ("ondergronds-4m3", 4000.0, 1700.0),
    Fraction.GLASS: ("ondergronds-3m3", 3000.0, 1500.0),
    Fraction.PLASTIC: ("ondergronds-5m3", 5000.0, 1900.0),
    Fraction.ORGANIC: ("ondergronds-3m3", 3000.0, 1500.0),
    Fraction.TEXTILE: ("bovengronds-2.5m3", 2500.0, 1400.0),
}
#: Median days for one container at a spot to fill at the spot's mean deposit rate, and the
#: spread between spots (lognormal sigma: 0.6, as between the Edinburgh Enevo bins, whose
#: fill times have a log standard deviation of 0.61).
DAYS_TO_FULL: dict[Fraction, tuple[float, float]] = {
    Fraction.RESIDUAL: (5.5, 0.6),
    Fraction.PAPER: (9.0, 0.6),
    Fraction.GLASS: (14.0, 0.6),
    Fraction.PLASTIC: (7.0, 0.6),
    Fraction.ORGANIC: (6.0, 0.6),
    Fraction.TEXTILE: (14.0, 0.6),
}
#: The sizing norm: a spot gets as many containers of a fraction as it needs for each one to
#: take at least this many days to fill at its mean rate (so at most about three collections
#: a week: Friday morning to Monday afternoon, with the Monday peak, fills about 70%).
MIN_DAYS_TO_FULL = 5.0
MAX_DAYS_TO_FULL = 35.0
#: Chance that an island has a container of each fraction (residual: always).
ISLAND_MIX: dict[Fraction, float] = {
    Fraction.RESIDUAL: 1.0, Fraction.PAPER: 0.30, Fraction.GLASS: 0.22,
    Fraction.PLASTIC: 0.28, Fraction.ORGANIC: 0.15,
}
#: Truck per fraction: body volume (m³), compaction ratio (loose litres per litre of body) and
#: payload (kg). A crane truck for underground containers has a 20-22 m³ body and compacts
#: residual waste about 4-5 times, so it takes some 90 m³ of loose container volume; glass is
#: not compacted (it breaks and fills by weight); organic waste is wet and heavy.
TRUCK_BODY: dict[Fraction, tuple[float, float, float]] = {
    Fraction.RESIDUAL: (21.0, 4.3, 11_000.0),
    Fraction.PAPER: (30.0, 2.7, 8_000.0),
    Fraction.GLASS: (34.0, 1.0, 10_500.0),
    Fraction.PLASTIC: (21.0, 4.5, 5_000.0),
    Fraction.ORGANIC: (21.0, 2.0, 11_000.0),
    Fraction.TEXTILE: (30.0, 1.5, 6_000.0),
}
#: Loose litres and kg a truck of each fraction carries per trip (body × compaction, payload).
TRUCK: dict[Fraction, tuple[float, float]] = {
    f: (round(body_m3 * ratio * 1000.0), kg) for f, (body_m3, ratio, kg) in TRUCK_BODY.items()}
SENSOR_FORMATS = ("native", "tts-v3", "chirpstack-v4")


@dataclass(frozen=True, slots=True)
class CityContainer:
    """One container of the city and how fast it fills (mean, before daily patterns)."""

    external_id: str
    location: GeoPoint
    fraction: Fraction
    volume_l: float
    depth_mm: float
    model: str
    rate_l_per_day: float
    island: int
    service_time_s: int = 180
    market_day: int | None = None  # weekday with a market nearby (x1.6 deposits), if any
    address: str | None = None


@dataclass(frozen=True, slots=True)
class CitySite:
    """A depot or disposal site (a municipality's own disposal site may give its unload time
    and opening hours, seconds since local midnight; None: the trial's defaults)."""

    name: str
    location: GeoPoint
    unload_s: int | None = None
    open_s: int | None = None
    close_s: int | None = None


@dataclass(frozen=True, slots=True)
class CityVehicle:
    name: str
    fraction: Fraction
    depot: int
    capacity_l: float
    capacity_kg: float


@dataclass(frozen=True)
class City:
    """Everything the simulator and the trial need to know about a municipality."""

    name: str
    centre: GeoPoint
    containers: tuple[CityContainer, ...]
    depots: tuple[CitySite, ...]
    disposal_sites: tuple[CitySite, ...]
    vehicles: tuple[CityVehicle, ...]
    seed: int = 0

    @property
    def fractions(self) -> list[Fraction]:
        return sorted({c.fraction for c in self.containers}, key=list(Fraction).index)

    def rates(self) -> np.ndarray:
        return np.array([c.rate_l_per_day for c in self.containers])

    def volumes(self) -> np.ndarray:
        return np.array([c.volume_l for c in self.containers])


@dataclass(frozen=True, slots=True)
class CitySpec:
    """What city to generate. Defaults: a town of 1,500 containers, about 100,000 people."""

    n_containers: int = 1500
    seed: int = 1
    name: str = "Nieuwstad"
    centre: GeoPoint = field(default_factory=lambda: GeoPoint(52.0907, 5.1214))
    radius_m: float = 3500.0
    market_share: float = 0.05


def _offset(centre: GeoPoint, east_m: float, north_m: float) -> GeoPoint:
    lat = centre.lat + north_m / 111_320.0
    lon = centre.lon + east_m / (111_320.0 * math.cos(math.radians(centre.lat)))
    return GeoPoint(round(lat, 7), round(lon, 7))


def _island_points(rng: np.random.Generator, n_islands: int, radius_m: float) -> np.ndarray:
    """Island positions (east, north metres) along streets of a rotated grid."""
    angle = rng.uniform(0, math.pi / 2)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    points: list[tuple[float, float]] = []
    while len(points) < n_islands:
        start = rng.normal(0.0, radius_m / 2.0, size=2)
        horizontal = rng.random() < 0.5
        length = rng.uniform(250, 900)
        spacing = rng.uniform(70, 160) * (1 + np.linalg.norm(start) / radius_m)
        k = max(1, int(length // spacing))
        for j in range(k):
            along = j * spacing + rng.normal(0, 8)
            across = rng.normal(0, 4)
            xy = (start[0] + along, start[1] + across) if horizontal else (
                start[0] + across, start[1] + along)
            points.append(tuple(rot @ np.array(xy)))
    return np.array(points[:n_islands])


def draw_days_to_full(rng: np.random.Generator, fraction: Fraction) -> tuple[float, int]:
    """(days for each container to fill, containers needed) at a spot of random demand: one
    container would fill in `d` days; the norm places n = ceil(MIN_DAYS_TO_FULL / d)
    containers there, each filling in n * d days."""
    median, sigma = DAYS_TO_FULL[fraction]
    days = float(rng.lognormal(math.log(median), sigma))
    n = max(1, math.ceil(MIN_DAYS_TO_FULL / days))
    return min(MAX_DAYS_TO_FULL, n * days), n


def _container(rng, spec, fraction, point, island, number, days) -> CityContainer:
    model, volume_l, depth_mm = CONTAINER_MODELS[fraction]
    market = int(rng.integers(0, 6)) if rng.random() < spec.market_share else None
    return CityContainer(
        external_id=f"{fraction.value[:3]}-{number:05d}", location=_offset(spec.centre, *point),
        fraction=fraction, volume_l=volume_l, depth_mm=depth_mm, model=model,
        rate_l_per_day=round(volume_l / days, 1), island=island, market_day=market,
        service_time_s=int(rng.integers(150, 240)), address=f"island {island}")


def generate_containers(spec: CitySpec, rng: np.random.Generator) -> list[CityContainer]:
    points = _island_points(rng, int(spec.n_containers / sum(ISLAND_MIX.values()) * 1.3) + 10,
                            spec.radius_m)
    out: list[CityContainer] = []
    for island, point in enumerate(points):
        kinds = [f for f, p in ISLAND_MIX.items() if rng.random() < p]
        for fraction in kinds:
            days, n = draw_days_to_full(rng, fraction)  # busy spots get more containers
            for _ in range(n):
                if len(out) == spec.n_containers:
                    return out
                out.append(_container(rng, spec, fraction, point, island, len(out) + 1, days))
    return out


def size_fleet(containers: list[CityContainer] | tuple[CityContainer, ...],
               stops_per_truck_day: float = 30.0) -> list[CityVehicle]:
    """Enough trucks per fraction for a weekly schedule at half fill, plus one spare."""
    vehicles = []
    for fraction in Fraction:
        mine = [c for c in containers if c.fraction is fraction]
        if not mine:
            continue
        visits_per_day = sum(c.rate_l_per_day / (0.45 * c.volume_l) for c in mine) * 7 / 5
        n = max(1, math.ceil(visits_per_day / stops_per_truck_day)) + 1
        capacity_l, capacity_kg = TRUCK[fraction]
        for i in range(n):
            vehicles.append(CityVehicle(f"{fraction.value}-{i + 1}", fraction, 0, capacity_l,
                                        capacity_kg))
    return vehicles


def place_sites(centre: GeoPoint, radius_m: float) -> tuple[tuple[CitySite, ...],
                                                            tuple[CitySite, ...]]:
    """Depot and disposal sites as a Dutch town has them: the municipal yard and the transfer
    station side by side on an industrial estate at the edge of town (about a radius from the
    centre), and a regional incinerator further out (at least 9 km from the centre)."""
    r = radius_m
    depots = (CitySite("Gemeentewerf", _offset(centre, 0.95 * r, -0.2 * r + 300.0)),)
    far = max(9000.0, 2.5 * r)
    sites = (CitySite("Overslagstation", _offset(centre, 0.95 * r, -0.2 * r)),
             CitySite("Afvalenergiecentrale", _offset(centre, 0.8 * far, -0.6 * far)))
    return depots, sites


def generate_city(spec: CitySpec | None = None) -> City:
    """A deterministic city: the same spec gives the same containers, rates and fleet."""
    spec = spec or CitySpec()
    rng = np.random.default_rng(spec.seed)
    containers = generate_containers(spec, rng)
    depots, sites = place_sites(spec.centre, spec.radius_m)
    return City(spec.name, spec.centre, tuple(containers), depots, sites,
                tuple(size_fleet(containers)), seed=spec.seed)


def with_rates(city: City, rates_l_per_day: np.ndarray) -> City:
    """The same city with new mean deposit rates (for example, calibrated ones)."""
    containers = tuple(replace(c, rate_l_per_day=float(r))
                       for c, r in zip(city.containers, rates_l_per_day, strict=True))
    return replace(city, containers=containers)
