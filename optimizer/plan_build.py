"""Turn solver routes (visit code) into a `Plan`: visits with times and loads, totals, reasons."""

from __future__ import annotations

from optimizer.model import Plan, Problem, Route, Unserved, Visit
from optimizer.nodes import site_of
from optimizer.ortools_solve import RouteTimes


def _place(problem: Problem, code: int) -> tuple[str, int, str, int, int]:
    """(kind, index, id, location, service) of a visit code."""
    if code >= 0:
        s = problem.stops[code]
        return "stop", code, s.id, s.location, s.service_s
    d = problem.disposal_sites[site_of(code)]
    return "disposal", site_of(code), d.id, d.location, d.unload_s


def forward_times(problem: Problem, v: int, route: list[int]) -> RouteTimes:
    """Earliest schedule of an untimed route: leave at shift start, wait for windows."""
    vehicle = problem.vehicles[v]
    here = problem.depots[vehicle.depot].location
    clock = vehicle.shift_start_s
    starts = []
    for code in route:
        _, _, _, loc, service = _place(problem, code)
        clock += int(problem.duration_s[here, loc])
        if code >= 0:
            clock = max(clock, problem.stops[code].window_start_s)
        else:
            clock = max(clock, problem.disposal_sites[site_of(code)].open_s)
        starts.append(clock)
        clock += service
        here = loc
    back = clock + int(problem.duration_s[here, problem.depots[vehicle.depot].location])
    return RouteTimes(starts, vehicle.shift_start_s, back, None)


def build_route(problem: Problem, v: int, route: list[int], times: RouteTimes) -> Route:
    """One route with arrival, start and departure times and the load after each visit."""
    vehicle = problem.vehicles[v]
    depot = problem.depots[vehicle.depot].location
    here, departure = depot, times.depot_departure_s
    load_l = load_kg = distance = 0
    visits = []
    brk = times.break_start_s
    dur = vehicle.lunch.duration_s if vehicle.lunch else 0
    for code, start in zip(route, times.starts, strict=True):
        kind, index, ident, loc, service = _place(problem, code)
        arrival = departure + int(problem.duration_s[here, loc])
        if brk is not None and departure <= brk and brk + dur <= start:
            arrival = min(start, arrival + dur)
        distance += int(problem.distance_m[here, loc])
        if kind == "stop":
            load_l += problem.stops[index].volume_l
            load_kg += problem.stops[index].weight_kg
        else:
            load_l = load_kg = 0
        departure = start + service
        visits.append(Visit(kind, index, ident, arrival, start, departure, load_l, load_kg))
        here = loc
    distance += int(problem.distance_m[here, depot])
    end = times.depot_return_s if visits else times.depot_departure_s
    return Route(
        v,
        vehicle.id,
        tuple(visits),
        times.depot_departure_s,
        end,
        distance,
        end - times.depot_departure_s,
        brk if visits else None,
    )


def build_plan(
    problem: Problem,
    routes: list[list[int]],
    times: list[RouteTimes] | None,
    reasons: dict[int, str],
    runtime_s: float,
    first_feasible_s: float | None,
    stats: dict | None = None,
) -> Plan:
    """The plan of these routes; stops on no route are unserved, with a reason."""
    built = []
    for v, route in enumerate(routes):
        t = times[v] if times is not None and times[v] is not None else None
        t = t or forward_times(problem, v, route)
        built.append(build_route(problem, v, route, t))
    served = {c for r in routes for c in r if c >= 0}
    unserved = tuple(
        Unserved(
            s,
            stop.id,
            stop.required,
            reasons.get(
                s,
                "left out: its prize is below the cost of serving it"
                if not stop.required
                else "no feasible route found",
            ),
        )
        for s, stop in enumerate(problem.stops)
        if s not in served
    )
    distance = sum(r.distance_m for r in built)
    fixed = sum(problem.vehicles[r.vehicle].fixed_cost for r in built if r.visits)
    prizes = sum(problem.stops[u.stop].prize for u in unserved if not u.required)
    status = "partial" if any(u.required for u in unserved) else "unchecked"
    return Plan(
        routes=tuple(built),
        unserved=unserved,
        distance_m=distance,
        duration_s=sum(r.duration_s for r in built if r.visits),
        objective=distance + fixed + prizes,
        status=status,
        runtime_s=runtime_s,
        first_feasible_s=first_feasible_s,
        stats=dict(stats or {}),
    )
