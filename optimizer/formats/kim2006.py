"""The waste-collection VRPTW instances of Kim, Kim and Sahoo (2006).

Five header lines (`value // comment`): vehicle capacity (cubic yards), yards per vehicle per
day, regular stops per vehicle per day, lunch duration (s, starting 11:00-12:00), speed (mph);
a column header; then one row per place: id, x (ft), y (ft), earliest and latest service start
(HHMM, where minutes may exceed 59: "0775" is 08:15), service time (s), load (yd), type
(0 depot, 1 stop, 2 disposal site). Travel is Manhattan distance at the header speed.

Units in the `Problem`: metres, whole seconds (travel rounded up, so a plan that holds here
holds on the real clock), litres (1 yd³ = 764.554857984 l; demands rounded up, capacities
down, so a plan that fits here fits in yards). The fleet is unlimited in the instances: by
default we give an estimate with a margin at a high cost per truck (`VEHICLE_FIXED_COST`), so
the solver uses as few trucks as it can. `n_vehicles` and `vehicle_cost_m` set both instead:
the benchmark's target (no more trucks than the reference, least distance) is the
reference's fleet at no cost per truck (`wasteroute bench solver`).
"""

from __future__ import annotations

import math
from pathlib import Path

from domain.units import KM_PER_MILE, L_PER_CUBIC_YARD, M_PER_FOOT
from optimizer.errors import InputFormatError
from optimizer.matrices import ManhattanProvider
from optimizer.model import Break, Depot, DisposalSite, Problem, Stop, Vehicle

LUNCH_EARLIEST_S = 11 * 3600
LUNCH_LATEST_S = 12 * 3600
VEHICLE_FIXED_COST = 1_000_000  # metres: one vehicle fewer is worth 1,000 km of driving
_HEADER = ("vehicle capacity", "yards per day", "stops per day", "lunch duration", "speed")


def hhmm_to_s(text: str) -> int:
    """'0775' -> 8:15 in seconds (hours are the leading digits, minutes the last two)."""
    value = int(text)
    return (value // 100) * 3600 + (value % 100) * 60


def _header(lines: list[str], source: str) -> list[float]:
    values = []
    for lineno, name in enumerate(_HEADER, start=1):
        if lineno > len(lines):
            raise InputFormatError(source, f"line {lineno}", f"missing header: {name}")
        text = lines[lineno - 1].split("//")[0].strip()
        try:
            values.append(float(text))
        except ValueError:
            raise InputFormatError(
                source, f"line {lineno}", f"{name} {text!r} is not a number"
            ) from None
    return values


def _rows(lines: list[str], source: str) -> list[tuple[int, list[str]]]:
    rows = []
    for lineno, raw in enumerate(lines[6:], start=7):
        fields = raw.split()
        if not fields:
            continue
        if len(fields) != 8:
            raise InputFormatError(
                source, f"line {lineno}", f"expected 8 fields, got {len(fields)}"
            )
        rows.append((lineno, fields))
    return rows


def _places(lines: list[str], source: str):
    """Depots, stops, disposal sites, planar points and the depot's opening hours."""
    depots, stops, sites, points = [], [], [], []
    depot_window = (0, 24 * 3600)
    for lineno, f in _rows(lines, source):
        try:
            x, y, service, load = float(f[1]), float(f[2]), int(float(f[5])), float(f[6])
            start, end, kind = hhmm_to_s(f[3]), hhmm_to_s(f[4]), int(f[7])
        except ValueError as exc:
            raise InputFormatError(source, f"line {lineno}", f"bad number: {exc}") from None
        loc = len(points)
        points.append((x, y))
        if kind == 0:
            depots.append(Depot(f[0], loc))
            depot_window = (start, end)
        elif kind == 1:
            volume_l = math.ceil(load * L_PER_CUBIC_YARD - 1e-6)
            stops.append(Stop(f"{f[0]}@{lineno}", loc, volume_l, 0, service, start, end))
        elif kind == 2:
            sites.append(DisposalSite(f[0], loc, service, start, end))
        else:
            raise InputFormatError(source, f"line {lineno}", f"stop type {kind} not 0, 1 or 2")
    if len(depots) != 1:
        raise InputFormatError(source, "stops", f"expected one depot (type 0), found {len(depots)}")
    return depots, stops, sites, points, depot_window


def read_kim2006(
    path: str | Path, n_vehicles: int | None = None, vehicle_cost_m: int = VEHICLE_FIXED_COST
) -> Problem:
    """Read one Kim 2006 instance file into a `Problem`: `n_vehicles` trucks (default: an
    estimate), each costing `vehicle_cost_m` metres of driving when used."""
    source = str(path)
    lines = Path(path).read_text().splitlines()
    cap_yd, day_yd, max_stops, lunch_s, mph = _header(lines, source)
    depots, stops, sites, points, (open_s, close_s) = _places(lines, source)
    dist, dur = ManhattanProvider(mph * KM_PER_MILE, M_PER_FOOT).matrices(points)
    total_l = sum(s.volume_l for s in stops)
    cap_l = math.floor(cap_yd * L_PER_CUBIC_YARD)
    day_l = math.floor(day_yd * L_PER_CUBIC_YARD)
    unload_s = max([d.unload_s for d in sites] or [0])
    work_s = sum(s.service_s for s in stops) + math.ceil(total_l / cap_l) * unload_s
    k = n_vehicles or estimate_fleet(
        total_l, day_l, len(stops), int(max_stops), work_s / max(1, close_s - open_s)
    )
    lunch = Break(LUNCH_EARLIEST_S, LUNCH_LATEST_S, int(lunch_s))
    vehicles = tuple(
        Vehicle(
            str(v + 1),
            0,
            cap_l,
            None,
            open_s,
            close_s,
            lunch,
            int(max_stops),
            day_l,
            None,
            None,
            int(vehicle_cost_m),
        )
        for v in range(k)
    )
    return Problem(
        dist,
        dur,
        tuple(depots),
        tuple(stops),
        vehicles,
        tuple(sites),
        name=Path(path).stem,
        units="m, s, l (from ft, s, yd³)",
    )


def estimate_fleet(total_l: int, day_l: int, n_stops: int, max_stops: int, work_days: float) -> int:
    """A fleet surely large enough by load, stop count and service time, with a margin."""
    need = max(
        math.ceil(total_l / max(1, day_l)),
        math.ceil(n_stops / max(1, max_stops)),
        math.ceil(work_days),
        1,
    )
    # Small instances are solved in one model, where spare vehicles slow the first solution;
    # large ones are solved by clusters, which need slack to fit their estimated share.
    return math.ceil(need * (1.5 if n_stops <= 220 else 2.5)) + 3
