"""Load a municipality's own containers from CSV or GeoJSON and fill in what is missing.

GeoJSON: a FeatureCollection of Points (WGS84, [lon, lat]); the fraction is read from the
first property found among `fraction_keys` (Dutch open data: `afvalfractie`), parsed by
`domain.Fraction.parse` (Rest, Papier, GFT, Glas, PMD, ...). CSV: columns `lat`, `lon`
(or `latitude`/`longitude`, `y`/`x`), a fraction column, and optionally `id`, `volume_l`,
`depth_mm`, `rate_l_per_day`, `address`.

Missing values are filled in: ids (`{fraction}-{n}`), volumes and depths from the fraction's
usual underground container, deposit rates from the fraction's typical days-to-full (seeded),
islands from containers within a few metres of each other; depots, disposal sites and a fleet
are placed around the containers' centre. Rows that cannot be used (no coordinates, unknown
fraction) raise `InputError` naming the row, unless `skip_bad=True`, which counts them.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from domain import Fraction, GeoPoint
from simulator.city import (
    CONTAINER_MODELS,
    City,
    CityContainer,
    draw_days_to_full,
    place_sites,
    size_fleet,
)
from simulator.errors import InputError

FRACTION_KEYS = ("fraction", "afvalfractie", "storedWasteKind", "fractie", "waste_type")
LAT_KEYS, LON_KEYS = ("lat", "latitude", "y"), ("lon", "lng", "longitude", "x")


@dataclass(frozen=True)
class LoadReport:
    """What loading did: rows read, rows skipped and why, values filled in."""

    rows: int
    skipped: dict[str, int]
    filled: dict[str, int]


@dataclass
class _Row:
    lat: float
    lon: float
    fraction: Fraction
    props: dict


def _first(props: dict, keys: tuple[str, ...]):
    for k in keys:
        if props.get(k) not in (None, ""):
            return props[k]
    return None


def _read_geojson(path: Path) -> list[tuple[int, dict, tuple[float, float] | None]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable GeoJSON file: {exc}") from exc
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection")
    out = []
    for n, feat in enumerate(doc["features"], start=1):
        geom = feat.get("geometry") or {}
        xy = None
        if geom.get("type") == "Point" and len(geom.get("coordinates") or []) >= 2:
            lon, lat = geom["coordinates"][:2]
            xy = (float(lat), float(lon))
        out.append((n, dict(feat.get("properties") or {}), xy))
    return out


def _read_csv(path: Path) -> list[tuple[int, dict, tuple[float, float] | None]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            rows = list(csv.DictReader(fh, dialect=dialect))
    except (OSError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable CSV file: {exc}") from exc
    out = []
    for n, props in enumerate(rows, start=2):
        lat, lon = _first(props, LAT_KEYS), _first(props, LON_KEYS)
        try:
            xy = None if lat is None or lon is None else (float(lat), float(lon))
        except ValueError:
            xy = None
        out.append((n, props, xy))
    return out


def _parse(path: Path, raw, skip_bad: bool, skipped: dict[str, int]) -> list[_Row]:
    rows = []
    line = "line" if path.suffix.lower() == ".csv" else "feature"
    for n, props, xy in raw:
        problem = None
        if xy is None:
            problem = "no coordinates"
        else:
            try:
                GeoPoint(*xy)
            except ValueError:
                problem = "coordinates out of range"
        value = _first(props, FRACTION_KEYS)
        fraction = None
        if problem is None:
            try:
                fraction = Fraction.parse(str(value)) if value is not None else None
                problem = None if fraction else "no fraction"
            except ValueError:
                problem = f"unknown fraction {value!r}"
        if problem:
            if not skip_bad:
                raise InputError(f"{path}: {line} {n}: {problem}")
            skipped[problem.split(" '")[0]] = skipped.get(problem.split(" '")[0], 0) + 1
            continue
        rows.append(_Row(xy[0], xy[1], fraction, props))
    return rows


def _number(props: dict, key: str) -> float | None:
    try:
        return float(props[key]) if props.get(key) not in (None, "") else None
    except ValueError:
        return None


def _islands(rows: list[_Row], within_m: float = 15.0) -> list[int]:
    """Island numbers: containers within `within_m` of each other share one (grid hashing)."""
    cell: dict[tuple[int, int], int] = {}
    out = []
    for r in rows:
        key = (int(r.lat * 111_320 / within_m), int(r.lon * 68_000 / within_m))
        out.append(cell.setdefault(key, len(cell)))
    return out


def load_containers(path: str | Path, *, seed: int = 0, name: str | None = None,
                    skip_bad: bool = False) -> tuple[City, LoadReport]:
    """A `City` from a container list; every missing value filled in (see module doc)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        raw = _read_geojson(path)
    elif suffix in (".csv", ".txt"):
        raw = _read_csv(path)
    else:
        raise InputError(f"{path}: expected a .csv or .geojson file")
    skipped: dict[str, int] = {}
    rows = _parse(path, raw, skip_bad, skipped)
    if not rows:
        raise InputError(f"{path}: no usable containers")
    rng = np.random.default_rng(seed)
    filled = {"id": 0, "volume_l": 0, "depth_mm": 0, "rate_l_per_day": 0}
    islands = _islands(rows)
    containers = []
    for k, r in enumerate(rows):
        model, default_volume, default_depth = CONTAINER_MODELS[r.fraction]
        ident = _first(r.props, ("id", "external_id", "container_id"))
        volume = _number(r.props, "volume_l")
        depth = _number(r.props, "depth_mm")
        rate = _number(r.props, "rate_l_per_day")
        days, _ = draw_days_to_full(rng, r.fraction)  # this container's share of its spot
        filled["id"] += ident is None
        filled["volume_l"] += volume is None
        filled["depth_mm"] += depth is None
        filled["rate_l_per_day"] += rate is None
        volume = volume or default_volume
        containers.append(CityContainer(
            external_id=str(ident) if ident is not None else f"{r.fraction.value[:3]}-{k + 1:05d}",
            location=GeoPoint(r.lat, r.lon), fraction=r.fraction, volume_l=volume,
            depth_mm=depth or default_depth, model=model,
            rate_l_per_day=rate if rate is not None else round(volume / days, 1),
            island=islands[k], service_time_s=int(rng.integers(150, 240)),
            address=_first(r.props, ("address", "buurt", "street"))))
    lats = np.array([c.location.lat for c in containers])
    lons = np.array([c.location.lon for c in containers])
    centre = GeoPoint(float(np.median(lats)), float(np.median(lons)))
    half_m = max(1000.0, (lats.max() - lats.min()) * 111_320 / 2)
    depots, sites = place_sites(centre, half_m)
    city = City(name or path.stem, centre, tuple(containers), depots, sites,
                tuple(size_fleet(containers)), seed=seed)
    return city, LoadReport(len(raw), skipped, filled)
