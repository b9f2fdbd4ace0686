"""Containers in and out: CSV and GeoJSON import/export, FIWARE NGSI-LD WasteContainer view.

CSV columns (header row, comma-separated, UTF-8): external_id, lat, lon, fraction, volume_l,
and optionally depth_mm, model, service_time_s, open_from, open_until, address. GeoJSON: a
FeatureCollection of Point features whose properties carry the same names (`id` or `name`
stand in for a missing `external_id`). Every row is validated; the first bad row is named.
Hostile files are refused with 422, not parsed to exhaustion: JSON nested deeper than
`MAX_JSON_DEPTH`, a CSV field beyond the csv module's limit (each column's own length is
checked by the model).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from api.errors import InvalidInput
from api.models.containers import ContainerCreate
from domain import Fraction

CSV_COLUMNS = [
    "external_id",
    "lat",
    "lon",
    "fraction",
    "volume_l",
    "depth_mm",
    "model",
    "service_time_s",
    "open_from",
    "open_until",
    "address",
]
#: GeoJSON of containers is 5 levels deep (collection, features, feature, geometry,
#: coordinates); properties may hold a little structure of their own.
MAX_JSON_DEPTH = 16
NGSI_CONTEXT = [
    "https://raw.githubusercontent.com/smart-data-models/dataModel.WasteManagement/master/context.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
]


def _validated(raw: dict[str, Any], where: str) -> dict[str, Any]:
    raw = {k: v for k, v in raw.items() if k in CSV_COLUMNS and v not in ("", None)}
    if isinstance(raw.get("fraction"), str):
        try:
            raw["fraction"] = Fraction.parse(raw["fraction"]).value
        except ValueError as exc:
            raise InvalidInput(f"{where}: {exc}") from None
    try:
        return ContainerCreate.model_validate(raw).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "row"
        raise InvalidInput(f"{where}: invalid {field}: {first['msg']}") from None


def _csv_error(line: int, exc: csv.Error) -> InvalidInput:
    return InvalidInput(f"CSV line {line}: {str(exc)[:200]}")


def _csv_rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs; a broken row (a field over the csv module's 131,072
    characters, a NUL) is 422 naming its line."""
    number = 1
    try:
        for number, raw in enumerate(reader, start=2):
            yield number, raw
    except csv.Error as exc:
        raise _csv_error(number + 1, exc) from None


def parse_csv(text: str, max_rows: int) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns = set(reader.fieldnames or [])
    except csv.Error as exc:
        raise _csv_error(1, exc) from None
    missing = {"external_id", "lat", "lon", "fraction", "volume_l"} - columns
    if missing:
        raise InvalidInput(f"CSV header lacks column(s): {', '.join(sorted(missing))}")
    rows: list[dict[str, Any]] = []
    for number, raw in _csv_rows(reader):
        if len(rows) >= max_rows:
            raise InvalidInput(f"too many rows: at most {max_rows} per import")
        rows.append(
            _validated(
                {
                    k: (v.strip() if isinstance(v, str) else v)
                    for k, v in raw.items()
                    if k is not None
                },
                f"CSV line {number}",
            )
        )
    return rows


def _json_depth(doc: Any) -> int:
    """How deep lists and objects nest in a parsed document (iterative: no recursion)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_geojson(text: str, max_rows: int) -> list[dict[str, Any]]:
    too_deep = InvalidInput(f"GeoJSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        doc = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:
        raise InvalidInput(f"not valid JSON: {str(exc)[:200]}") from None
    if _json_depth(doc) > MAX_JSON_DEPTH:
        raise too_deep
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise InvalidInput("GeoJSON must be a FeatureCollection with a features list")
    if len(doc["features"]) > max_rows:
        raise InvalidInput(f"too many features: at most {max_rows} per import")
    rows = []
    for index, feature in enumerate(doc["features"]):
        where = f"feature {index}"
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coords, list)
            or len(coords) < 2
        ):
            raise InvalidInput(f"{where}: geometry must be a Point [lon, lat]")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InvalidInput(f"{where}: properties must be an object")
        raw = {**props, "lon": coords[0], "lat": coords[1]}
        raw.setdefault("external_id", props.get("id") or props.get("name") or feature.get("id"))
        if raw.get("external_id") is not None:
            raw["external_id"] = str(raw["external_id"])
        rows.append(_validated(raw, where))
    return rows


def parse_import(text: str, fmt: str | None, max_rows: int) -> tuple[str, list[dict[str, Any]]]:
    fmt = fmt or ("geojson" if text.lstrip().startswith("{") else "csv")
    return fmt, (parse_geojson(text, max_rows) if fmt == "geojson" else parse_csv(text, max_rows))


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["id", *CSV_COLUMNS], extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else _plain(v) for k, v in row.items()})
    return out.getvalue()


def to_feature(row: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props = {k: _plain(row.get(k)) for k in CSV_COLUMNS if k not in ("lat", "lon")}
    props.update(extra or {})
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": props,
    }


def to_geojson(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [to_feature(r) for r in rows]}


def _prop(value: Any, observed_at: datetime | None = None) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "Property", "value": value}
    if observed_at is not None:
        prop["observedAt"] = observed_at.isoformat().replace("+00:00", "Z")
    return prop


def fiware_status(row: dict[str, Any]) -> str:
    if row.get("fire_alarm"):
        return "burning"
    if row.get("tilt_alarm") or row.get("tilt"):
        return "dropped"
    return "ok" if row.get("measured_at") else "unknown"


def to_ngsi_ld(tenant_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """A container with its state as an NGSI-LD normalized WasteContainer entity."""
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:WasteContainer:{tenant_id}:{row['id']}",
        "type": "WasteContainer",
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        },
        "name": _prop(row["external_id"]),
        "status": _prop(fiware_status(row)),
        "storedWasteKind": _prop(Fraction(row["fraction"]).fiware_kind),
        "cargoVolume": _prop(row["volume_l"] / 1000.0),
        "@context": NGSI_CONTEXT,
    }
    if row.get("fill_fraction") is not None:
        entity["fillingLevel"] = _prop(
            round(float(row["fill_fraction"]), 4), row.get("measured_at")
        )
    if row.get("temperature_c") is not None:
        entity["temperature"] = _prop(float(row["temperature_c"]), row.get("measured_at"))
    if row.get("date_last_emptying") is not None:
        entity["dateLastEmptying"] = _prop(
            row["date_last_emptying"].isoformat().replace("+00:00", "Z")
        )
    if row.get("address"):
        entity["address"] = _prop(row["address"])
    if row.get("device_ids"):
        entity["refDevice"] = {
            "type": "Relationship",
            "object": [f"urn:ngsi-ld:Device:{tenant_id}:{d}" for d in row["device_ids"]],
        }
    return entity
