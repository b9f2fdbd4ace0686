"""Reading container lists from CSV or GeoJSON (a municipality's open-data export).

Pure: text in, `domain.Container` records out (id 0, tenant_id ""; storage assigns both).

- GeoJSON: a FeatureCollection of Point features. The fraction comes from the first present
  property of `fraction`, `afvalfractie`, `fractie`, `storedWasteKind`, `waste_type`; the id
  from `external_id`, `id`, `objectid`, `name` (or the feature id); else a stable id made from
  the fraction and the rounded coordinates, so importing the same file again updates rather
  than duplicates. Volume from `volume_l` or `cargoVolume` (m³), else `default_volume_l`.
- CSV (header row): `external_id, lat, lon, fraction` and optionally `volume_l, depth_mm,
  model, service_time_s, address`; Dutch `afvalfractie` works for the fraction too.

A bad row raises `ContainerFileError` naming the feature or line and the field.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from domain import Container, Fraction, GeoPoint


class ContainerFileError(ValueError):
    """A container file is malformed; the message names the line or feature and the field."""


_FRACTION_KEYS = ("fraction", "afvalfractie", "fractie", "storedWasteKind", "waste_type")
_ID_KEYS = ("external_id", "id", "objectid", "name")


def read_container_file(path: str | Path, *, default_volume_l: float = 4000.0,
                        default_fraction: Fraction | None = None) -> list[Container]:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".geojson", ".json"):
        return parse_geojson(text, default_volume_l=default_volume_l,
                             default_fraction=default_fraction, source=path.name)
    if path.suffix.lower() == ".csv":
        return parse_csv(text, default_volume_l=default_volume_l,
                         default_fraction=default_fraction, source=path.name)
    raise ContainerFileError(f"{path.name}: unknown format; use .csv, .geojson or .json")


def _fraction(props: dict, default: Fraction | None, where: str) -> Fraction:
    for key in _FRACTION_KEYS:
        if props.get(key):
            try:
                return Fraction.parse(str(props[key]))
            except ValueError as exc:
                raise ContainerFileError(f"{where}: field {key!r}: {exc}") from None
    if default is None:
        raise ContainerFileError(f"{where}: no fraction (one of {', '.join(_FRACTION_KEYS)})")
    return default


def _number(props: dict, key: str, where: str) -> float | None:
    value = props.get(key)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ContainerFileError(f"{where}: field {key!r}: not a number: {value!r}") from None


def _make(props: dict, lat: float, lon: float, where: str, default_volume_l: float,
          default_fraction: Fraction | None, seen: dict[str, int]) -> Container:
    fraction = _fraction(props, default_fraction, where)
    try:
        location = GeoPoint(lat, lon)
    except ValueError as exc:
        raise ContainerFileError(f"{where}: {exc}") from None
    ext = next((str(props[k]) for k in _ID_KEYS if props.get(k) not in (None, "")), None)
    if ext is None:
        ext = f"{fraction}-{lat:.6f}-{lon:.6f}"
    seen[ext] = seen.get(ext, 0) + 1
    if seen[ext] > 1:
        ext = f"{ext}-{seen[ext]}"
    volume = _number(props, "volume_l", where)
    if volume is None and (m3 := _number(props, "cargoVolume", where)) is not None:
        volume = m3 * 1000
    service = _number(props, "service_time_s", where)
    return Container(id=0, tenant_id="", external_id=ext, location=location, fraction=fraction,
                     volume_l=volume or default_volume_l,
                     depth_mm=_number(props, "depth_mm", where), model=props.get("model") or None,
                     service_time_s=int(service) if service is not None else 120,
                     address=props.get("address") or props.get("buurt") or None)


def parse_geojson(text: str, *, default_volume_l: float = 4000.0,
                  default_fraction: Fraction | None = None,
                  source: str = "GeoJSON") -> list[Container]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContainerFileError(f"{source}: not JSON: {exc}") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise ContainerFileError(f"{source}: not a FeatureCollection (no 'features' list)")
    out, seen = [], {}
    for i, feat in enumerate(features):
        where = f"{source}: feature {i}"
        geom = (feat or {}).get("geometry") or {}
        coords = geom.get("coordinates")
        if geom.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            raise ContainerFileError(f"{where}: geometry must be a Point with coordinates")
        props = dict(feat.get("properties") or {})
        if feat.get("id") is not None and not any(props.get(k) for k in _ID_KEYS):
            props["external_id"] = feat["id"]
        out.append(_make(props, float(coords[1]), float(coords[0]), where, default_volume_l,
                         default_fraction, seen))
    return out


def parse_csv(text: str, *, default_volume_l: float = 4000.0,
              default_fraction: Fraction | None = None, source: str = "CSV") -> list[Container]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"lat", "lon"} - set(reader.fieldnames or [])
    if missing:
        raise ContainerFileError(f"{source}: header lacks {sorted(missing)}")
    out, seen = [], {}
    for row in reader:
        where = f"{source}: line {reader.line_num}"
        lat, lon = _number(row, "lat", where), _number(row, "lon", where)
        if lat is None or lon is None:
            raise ContainerFileError(f"{where}: lat and lon are required")
        out.append(_make(row, lat, lon, where, default_volume_l, default_fraction, seen))
    return out
