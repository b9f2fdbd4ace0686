"""Our JSON problem format (schema: docs/problem.schema.json) and the JSON form of a plan.

A bad file raises `InputFormatError` naming the field path, e.g. `stops[3].volume_l`.
Times are integer seconds or "HH:MM" strings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from domain import GeoPoint
from optimizer.errors import InputFormatError, OptimizerError
from optimizer.matrices import (
    EuclideanRoundedProvider,
    HaversineProvider,
    ManhattanProvider,
)
from optimizer.model import NO_LIMIT_S, Break, Depot, DisposalSite, Problem, Stop, Vehicle


class _Reader:
    """Typed access to a JSON object that reports the path of whatever is wrong."""

    def __init__(self, source: str, data: Any, path: str = "") -> None:
        self.source, self.data, self.path = source, data, path

    def fail(self, field: str, message: str) -> InputFormatError:
        where = f"{self.path}.{field}" if self.path and field else (self.path or field or "/")
        return InputFormatError(self.source, where, message)

    def get(self, key: str, kind: str, default: Any = ...) -> Any:
        if not isinstance(self.data, dict):
            raise self.fail("", "must be an object")
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if kind == "time":
            return self._time(key, value)
        types = {
            "int": int,
            "num": (int, float),
            "real": (int, float),
            "str": str,
            "bool": bool,
            "list": list,
            "obj": dict,
        }[kind]
        if isinstance(value, bool) and kind != "bool" or not isinstance(value, types):
            raise self.fail(key, f"must be {kind}, got {json.dumps(value)[:40]}")
        if kind in ("int", "num") and value < 0:
            raise self.fail(key, "must not be negative")
        return value

    def _time(self, key: str, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, str) and (m := re.fullmatch(r"(\d{1,2}):(\d{2})", value)):
            return int(m.group(1)) * 3600 + int(m.group(2)) * 60
        raise self.fail(key, f'must be seconds or "HH:MM", got {json.dumps(value)[:40]}')

    def items(self, key: str, required: bool = True) -> list[_Reader]:
        values = self.get(key, "list", ... if required else [])
        return [_Reader(self.source, v, f"{key}[{i}]") for i, v in enumerate(values)]


def read_problem_json(path: str | Path) -> Problem:
    """Read a JSON problem file into a `Problem`."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise InputFormatError(source, f"line {exc.lineno}", f"not JSON: {exc.msg}") from None
    return problem_from_dict(data, source)


def problem_from_dict(data: Any, source: str = "<problem>") -> Problem:
    """Build a `Problem` from the parsed JSON document."""
    r = _Reader(source, data)
    dist, dur = _matrices(r)
    n = dist.shape[0]
    depots = [Depot(d.get("id", "str"), _loc(d, n)) for d in r.items("depots")]
    depot_ids = {d.id: i for i, d in enumerate(depots)}
    sites = [_site(s, n) for s in r.items("disposal_sites", required=False)]
    stops = [_stop(s, n) for s in r.items("stops")]
    vehicles = [v for item in r.items("vehicles") for v in _vehicles(item, depot_ids)]
    try:
        return Problem(
            dist,
            dur,
            tuple(depots),
            tuple(stops),
            tuple(vehicles),
            tuple(sites),
            name=r.get("name", "str", "problem"),
        )
    except OptimizerError as exc:
        raise InputFormatError(source, "problem", str(exc)) from None


def _matrices(r: _Reader) -> tuple[np.ndarray, np.ndarray]:
    m = _Reader(r.source, r.get("matrix", "obj"), "matrix")
    if "distance_m" in m.data:
        dist = np.array(m.get("distance_m", "list"), dtype=np.int64)
        dur = np.array(m.get("duration_s", "list"), dtype=np.int64)
        if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.shape != dur.shape:
            raise m.fail("distance_m", "distance_m and duration_s must be equal square matrices")
        return dist, dur
    kind = m.get("provider", "str")
    locations = r.items("locations")
    if kind == "haversine":
        points = [_geo(p) for p in locations]
        return HaversineProvider(
            m.get("detour_factor", "num", 1.3), m.get("speed_kmh", "num", 30.0)
        ).matrices(points)
    xy = [(p.get("x", "real"), p.get("y", "real")) for p in locations]
    if kind == "manhattan":
        return ManhattanProvider(
            m.get("speed_kmh", "num"), m.get("metres_per_unit", "num", 1.0)
        ).matrices(xy)
    if kind == "euclidean":
        return EuclideanRoundedProvider().matrices(xy)
    raise m.fail(
        "provider",
        f"unknown provider {kind!r}; use haversine, manhattan, euclidean "
        "or give distance_m and duration_s",
    )


def _geo(p: _Reader) -> GeoPoint:
    try:
        return GeoPoint(p.get("lat", "real"), p.get("lon", "real"))
    except ValueError as exc:
        raise p.fail("", str(exc)) from None


def _loc(r: _Reader, n: int) -> int:
    loc = r.get("location", "int")
    if loc >= n:
        raise r.fail("location", f"{loc} is outside the {n} locations")
    return loc


def _fractions(r: _Reader) -> frozenset[str] | None:
    values = r.get("fractions", "list", None)
    return None if values is None else frozenset(str(v) for v in values)


def _site(r: _Reader, n: int) -> DisposalSite:
    return DisposalSite(
        r.get("id", "str"),
        _loc(r, n),
        r.get("unload_s", "int", 0),
        r.get("open_s", "time", 0),
        r.get("close_s", "time", NO_LIMIT_S),
        _fractions(r),
    )


def _stop(r: _Reader, n: int) -> Stop:
    return Stop(
        r.get("id", "str"),
        _loc(r, n),
        r.get("volume_l", "int", 0),
        r.get("weight_kg", "int", 0),
        r.get("service_s", "int", 0),
        r.get("window_start_s", "time", 0),
        r.get("window_end_s", "time", NO_LIMIT_S),
        r.get("required", "bool", True),
        r.get("prize", "int", 0),
        r.get("fraction", "str", None),
    )


def _vehicles(r: _Reader, depot_ids: dict[str, int]) -> list[Vehicle]:
    depot = r.get("depot", "str")
    if depot not in depot_ids:
        raise r.fail("depot", f"no depot with id {depot!r}")
    lunch = None
    if (lr := r.get("lunch", "obj", None)) is not None:
        b = _Reader(r.source, lr, f"{r.path}.lunch")
        lunch = Break(
            b.get("earliest_start_s", "time"),
            b.get("latest_start_s", "time"),
            b.get("duration_s", "int"),
        )
    base = r.get("id", "str")
    count = r.get("count", "int", 1)
    return [
        Vehicle(
            base if count == 1 else f"{base}-{k + 1}",
            depot_ids[depot],
            r.get("capacity_l", "int"),
            r.get("capacity_kg", "int", None),
            r.get("shift_start_s", "time", 0),
            r.get("shift_end_s", "time", NO_LIMIT_S),
            lunch,
            r.get("max_stops", "int", None),
            r.get("max_volume_l_per_day", "int", None),
            r.get("max_weight_kg_per_day", "int", None),
            _fractions(r),
            r.get("fixed_cost", "int", 0),
        )
        for k in range(count)
    ]
