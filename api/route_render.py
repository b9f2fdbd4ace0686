"""A driver's routes as JSON, GeoJSON and GPX, rendered once and cached.

A published plan never changes (storage guards it), so a rendered answer is keyed by the
tenant, the vehicle, the format and the ids of the published plans it was made from; when a
newer version is published the key changes. Entries also expire after `TTL_S`, so edits to
container addresses show up. The ETag is the key's hash: tablets send `If-None-Match` and
get 304 when nothing changed. On top of that, the answer to the same request is reused for
`LOOKUP_TTL_S` without asking the database (`recent_get`), so a fleet of tablets polling the
same route costs one query every two seconds per process.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

TTL_S = 60.0
#: How long a fetch answers from memory without asking the database which plans are
#: published: a newly published plan reaches drivers within this long (at once in the
#: process that published it).
LOOKUP_TTL_S = 2.0
_MAX_ENTRIES = 2048
_cache: OrderedDict[tuple, tuple[float, bytes, str]] = OrderedDict()
_recent: dict[tuple, tuple[float, bytes, str]] = {}
_lock = threading.Lock()


def recent_get(request_key: tuple, due_within_s: float = 0.0) -> tuple[bytes, str, bool] | None:
    """The answer to (tenant, day, vehicle, format) if looked up less than LOOKUP_TTL_S ago,
    and whether it expires within `due_within_s`: no database, no thread, no validation."""
    hit = _recent.get(request_key)
    if hit is None:
        return None
    left_s = hit[0] - time.monotonic()
    if left_s < 0:
        return None
    return hit[1], hit[2], left_s < due_within_s


def recent_forget(request_key: tuple) -> None:
    _recent.pop(request_key, None)


def recent_put(request_key: tuple, body: bytes, etag: str) -> None:
    if len(_recent) > 4 * _MAX_ENTRIES:
        _recent.clear()
    _recent[request_key] = (time.monotonic() + LOOKUP_TTL_S, body, etag)


def forget_tenant(tenant_id: str) -> None:
    """After a publish in this process: the tenant's next fetch asks the database again."""
    for key in [k for k in list(_recent) if k[0] == tenant_id]:
        _recent.pop(key, None)


def cache_get(key: tuple) -> tuple[bytes, str] | None:
    with _lock:
        hit = _cache.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        _cache.move_to_end(key)
        return hit[1], hit[2]


def cache_put(key: tuple, body: bytes, etag: str) -> None:
    with _lock:
        _cache[key] = (time.monotonic() + TTL_S, body, etag)
        _cache.move_to_end(key)
        while len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)


def etag_for(key: tuple, body: bytes) -> str:
    return '"' + hashlib.sha256(repr(key).encode() + body).hexdigest()[:32] + '"'


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    return value


def assemble(routes: list[dict[str, Any]], stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_route: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for s in stops:
        by_route.setdefault((s["plan_id"], s["route_no"]), []).append(
            {
                k: s[k]
                for k in (
                    "stop_id",
                    "seq",
                    "kind",
                    "container_id",
                    "external_id",
                    "address",
                    "disposal_site_id",
                    "site_name",
                    "lat",
                    "lon",
                    "eta",
                    "start_at",
                    "departure_at",
                    "load_l",
                    "load_kg",
                )
            }
        )
    out = []
    for r in routes:
        route = {
            k: r[k]
            for k in (
                "route_id",
                "plan_id",
                "plan_version",
                "fraction",
                "plan_date",
                "route_no",
                "vehicle_id",
                "vehicle_name",
                "start_at",
                "end_at",
                "break_start_at",
                "distance_m",
                "duration_s",
                "n_containers",
                "n_unloads",
            )
        }
        route["depot"] = {
            "id": r["depot_id"],
            "name": r["depot_name"],
            "lat": r["depot_lat"],
            "lon": r["depot_lon"],
        }
        route["stops"] = by_route.get((r["plan_id"], r["route_no"]), [])
        out.append(route)
    return out


def render_json(day: date, vehicle_id: int | None, routes: list[dict[str, Any]]) -> bytes:
    doc = {"date": day, "vehicle_id": vehicle_id, "routes": routes}
    return json.dumps(doc, default=_iso, separators=(",", ":")).encode()


def render_geojson(routes: list[dict[str, Any]]) -> bytes:
    features: list[dict[str, Any]] = []
    for r in routes:
        depot = [r["depot"]["lon"], r["depot"]["lat"]]
        line = [depot, *([s["lon"], s["lat"]] for s in r["stops"]), depot]
        features.append(
            {
                "type": "Feature",
                "id": f"route-{r['route_id']}",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "kind": "route",
                    "route_id": r["route_id"],
                    "plan_id": r["plan_id"],
                    "vehicle_id": r["vehicle_id"],
                    "vehicle_name": r["vehicle_name"],
                    "fraction": r["fraction"],
                    "distance_m": r["distance_m"],
                    "duration_s": r["duration_s"],
                    "start_at": r["start_at"],
                    "end_at": r["end_at"],
                },
            }
        )
        for s in r["stops"]:
            props = {k: v for k, v in s.items() if k not in ("lat", "lon")}
            features.append(
                {
                    "type": "Feature",
                    "id": f"stop-{s['stop_id']}",
                    "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                    "properties": {**props, "route_id": r["route_id"]},
                }
            )
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, default=_iso, separators=(",", ":")
    ).encode()


def render_gpx(routes: list[dict[str, Any]]) -> bytes:
    """GPX 1.1: one <rte> per route (depot, stops in order, depot), for navigation apps."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="wasteroute" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for r in routes:
        out.append(
            f"<rte><name>{escape(str(r['vehicle_name']))} {escape(str(r['fraction']))} "
            f"route {r['route_no']}</name>"
        )
        depot = r["depot"]
        out.append(
            f'<rtept lat="{depot["lat"]}" lon="{depot["lon"]}">'
            f"<name>{escape(str(depot['name']))}</name></rtept>"
        )
        for s in r["stops"]:
            name = s["external_id"] if s["kind"] == "container" else f"unload {s['site_name']}"
            desc = s["address"] or ""
            out.append(
                f'<rtept lat="{s["lat"]}" lon="{s["lon"]}"><time>{_iso(s["eta"])}</time>'
                f"<name>{escape(str(name))}</name><desc>{escape(desc)}</desc>"
                f"<type>{s['kind']}</type></rtept>"
            )
        out.append(
            f'<rtept lat="{depot["lat"]}" lon="{depot["lon"]}">'
            f"<name>{escape(str(depot['name']))}</name></rtept>"
        )
        out.append("</rte>")
    out.append("</gpx>")
    return "\n".join(out).encode()
