"""CVRPLIB `.vrp` instances (EUC_2D, rounded as CVRPLIB does) and `.sol` solutions.

The fleet is unlimited in the X instances; we give `n_vehicles` (default: enough for one
route per ceil(demand/capacity) plus a margin) identical vehicles without fixed cost.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from optimizer.errors import InputFormatError
from optimizer.matrices import EuclideanRoundedProvider
from optimizer.model import Depot, Plan, Problem, Stop, Vehicle

_SECTIONS = {"NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION", "EOF"}


def _parse(text: str, source: str) -> tuple[dict[str, str], dict[str, list[tuple[int, list]]]]:
    spec: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list]]] = {}
    current = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head = line.split()[0].rstrip(":")
        if head in _SECTIONS:
            current = head
            sections.setdefault(head, [])
            continue
        if ":" in line and current is None:
            key, _, value = line.partition(":")
            spec[key.strip().upper()] = value.strip().strip('"')
            continue
        if current is None:
            raise InputFormatError(source, f"line {lineno}", f"unexpected text {line[:40]!r}")
        sections[current].append((lineno, line.split()))
    return spec, sections


def _number(source: str, lineno: int, text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputFormatError(
            source, f"line {lineno}", f"{what} {text!r} is not a number"
        ) from None


def read_cvrplib(path: str | Path, n_vehicles: int | None = None) -> Problem:
    """Read a CVRPLIB EUC_2D `.vrp` file: location i is node i+1, a stop's id its .sol number."""
    source = str(path)
    spec, sections = _parse(Path(path).read_text(), source)
    for key in ("DIMENSION", "CAPACITY"):
        if key not in spec:
            raise InputFormatError(source, "header", f"missing {key}")
    if spec.get("EDGE_WEIGHT_TYPE", "EUC_2D") != "EUC_2D":
        raise InputFormatError(source, "EDGE_WEIGHT_TYPE", "only EUC_2D is supported")
    dim = int(_number(source, 0, spec["DIMENSION"], "DIMENSION"))
    capacity = int(_number(source, 0, spec["CAPACITY"], "CAPACITY"))
    coords = _rows(sections, "NODE_COORD_SECTION", source, dim, 3)
    demands = _rows(sections, "DEMAND_SECTION", source, dim, 2)
    depots = [int(r[0]) for _, r in sections.get("DEPOT_SECTION", []) if int(r[0]) > 0]
    depot = (depots or [1])[0] - 1
    points = [(coords[i][1], coords[i][2]) for i in range(dim)]
    dist, dur = EuclideanRoundedProvider().matrices(points)
    stops = tuple(
        Stop(id=str(i), location=i, volume_l=int(demands[i][1])) for i in range(dim) if i != depot
    )
    total = sum(s.volume_l for s in stops)
    k = n_vehicles or max(
        1, math.ceil(total / capacity) + max(3, math.ceil(0.1 * total / capacity))
    )
    vehicles = tuple(Vehicle(id=str(v + 1), depot=0, capacity_l=capacity) for v in range(k))
    return Problem(
        dist,
        dur,
        (Depot("depot", depot),),
        stops,
        vehicles,
        name=spec.get("NAME", Path(path).stem),
        units="EUC_2D units, demand units",
    )


def _rows(sections, name: str, source: str, dim: int, width: int) -> dict[int, list[float]]:
    rows = sections.get(name)
    if rows is None:
        raise InputFormatError(source, name, "section missing")
    out: dict[int, list[float]] = {}
    for lineno, fields in rows:
        if len(fields) < width:
            raise InputFormatError(source, f"line {lineno}", f"{name} needs {width} fields")
        values = [_number(source, lineno, f, name) for f in fields[:width]]
        node = int(values[0]) - 1
        if not 0 <= node < dim:
            raise InputFormatError(source, f"line {lineno}", f"node {node + 1} outside 1..{dim}")
        out[node] = values
    if len(out) != dim:
        raise InputFormatError(source, name, f"has {len(out)} nodes, DIMENSION says {dim}")
    return out


def read_cvrplib_solution(path: str | Path) -> tuple[list[list[int]], int | None]:
    """Routes (CVRPLIB customer numbers, 1-based, depot excluded) and the stated cost."""
    routes, cost = [], None
    for lineno, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.strip()
        if m := re.match(r"Route\s*#\d+\s*:(.*)", line, re.IGNORECASE):
            try:
                routes.append([int(x) for x in m.group(1).split()])
            except ValueError:
                raise InputFormatError(
                    str(path), f"line {lineno}", "route has a non-integer"
                ) from None
        elif line.lower().startswith("cost"):
            cost = int(float(line.split()[1]))
    return routes, cost


def solution_routes_to_stops(problem: Problem, routes: list[list[int]]) -> list[list[int]]:
    """CVRPLIB customer numbers (node i+1 = location i, depot excluded) to stop indices."""
    by_location = {s.location: i for i, s in enumerate(problem.stops)}
    return [[by_location[c] for c in r] for r in routes]


def write_cvrplib_solution(plan: Plan, path: str | Path | None = None) -> str:
    """The plan in CVRPLIB `.sol` format (customer numbers, then `Cost N`); written if a path."""
    lines = []
    for r in (r for r in plan.routes if r.visits):
        lines.append(f"Route #{len(lines) + 1}: " + " ".join(v.id for v in r.visits))
    lines.append(f"Cost {plan.distance_m}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text)
    return text
