"""The independent feasibility checker: it trusts nothing the solver says about a plan.

`check_plan(problem, plan)` returns the list of `Violation`s (empty: feasible);
`assert_feasible` raises `PlanCheckError` instead. It recomputes loads, distances and the
clock of every route from the problem's matrices. One rule, one function.

Break semantics: a break of `duration_s` starts in its window and lies in one gap of the
route: before leaving the depot, between leaving one place and starting service at the next
(the leg then takes travel + break), or after the return to the depot.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import PlanCheckError
from optimizer.model import Plan, Problem, Route


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


def check_plan(problem: Problem, plan: Plan, require_all: bool = True) -> list[Violation]:
    """Every violation of the problem's rules by the plan."""
    out: list[Violation] = []
    out += _check_coverage(problem, plan, require_all)
    for r in plan.routes:
        if not 0 <= r.vehicle < len(problem.vehicles):
            out.append(Violation("vehicle", f"route {r.vehicle_id}", "unknown vehicle"))
            continue
        if not _check_references(problem, r, out):
            continue
        for rule in (
            _check_loads,
            _check_unload_before_depot,
            _check_daily_limits,
            _check_fractions,
            _check_times,
            _check_break,
            _check_distance,
        ):
            out += rule(problem, r)
    return out


def assert_feasible(problem: Problem, plan: Plan, require_all: bool = True) -> None:
    """Raise `PlanCheckError` if the plan breaks any rule."""
    violations = check_plan(problem, plan, require_all)
    if violations:
        raise PlanCheckError(violations)


def _where(r: Route, i: int | None = None) -> str:
    return f"vehicle {r.vehicle_id}" + ("" if i is None else f", visit {i + 1}")


def _check_references(problem: Problem, r: Route, out: list[Violation]) -> bool:
    ok = True
    for i, v in enumerate(r.visits):
        pool = problem.stops if v.kind == "stop" else problem.disposal_sites
        if v.kind not in ("stop", "disposal") or not 0 <= v.index < len(pool):
            out.append(Violation("reference", _where(r, i), f"no {v.kind} #{v.index}"))
            ok = False
        elif pool[v.index].id != v.id:
            out.append(Violation("reference", _where(r, i), f"id {v.id} is not #{v.index}"))
            ok = False
    return ok


def _check_coverage(problem: Problem, plan: Plan, require_all: bool) -> list[Violation]:
    out: list[Violation] = []
    seen: dict[int, int] = {}
    vehicles: dict[int, int] = {}
    for r in plan.routes:
        vehicles[r.vehicle] = vehicles.get(r.vehicle, 0) + 1
        for v in r.visits:
            if v.kind == "stop":
                seen[v.index] = seen.get(v.index, 0) + 1
    out += [
        Violation("vehicle", f"vehicle #{v}", f"has {n} routes")
        for v, n in vehicles.items()
        if n > 1
    ]
    out += [Violation("once", f"stop #{s}", f"visited {n} times") for s, n in seen.items() if n > 1]
    if require_all:
        out += [
            Violation("required", f"stop {st.id}", "required stop is not visited")
            for s, st in enumerate(problem.stops)
            if st.required and s not in seen
        ]
    return out


def _check_loads(problem: Problem, r: Route) -> list[Violation]:
    """Load never above capacity; it drops to zero at an unload; reported loads are right."""
    vehicle = problem.vehicles[r.vehicle]
    cap_kg = vehicle.capacity_kg
    out, load_l, load_kg = [], 0, 0
    for i, v in enumerate(r.visits):
        if v.kind == "stop":
            load_l += problem.stops[v.index].volume_l
            load_kg += problem.stops[v.index].weight_kg
        else:
            load_l = load_kg = 0
        if load_l > vehicle.capacity_l or (cap_kg is not None and load_kg > cap_kg):
            out.append(
                Violation("capacity", _where(r, i), f"load {load_l} l / {load_kg} kg over capacity")
            )
        if (v.load_l, v.load_kg) != (load_l, load_kg):
            out.append(Violation("capacity", _where(r, i), "reported load is wrong"))
    return out


def _check_unload_before_depot(problem: Problem, r: Route) -> list[Violation]:
    """With disposal sites, a route that collected anything ends with an unload."""
    if not problem.disposal_sites or not r.visits or r.visits[-1].kind == "disposal":
        return []
    if r.visits[-1].load_l == 0 and r.visits[-1].load_kg == 0:
        return []  # nothing on board to unload (only empty containers since the last unload)
    return [Violation("unload", _where(r), "returns to the depot without unloading")]


def _check_daily_limits(problem: Problem, r: Route) -> list[Violation]:
    """Stops, litres and kilograms per vehicle per day."""
    vehicle = problem.vehicles[r.vehicle]
    stops = [problem.stops[v.index] for v in r.visits if v.kind == "stop"]
    checks = [
        ("max stops", len(stops), vehicle.max_stops),
        ("day volume", sum(s.volume_l for s in stops), vehicle.max_volume_l_per_day),
        ("day weight", sum(s.weight_kg for s in stops), vehicle.max_weight_kg_per_day),
    ]
    return [
        Violation(rule, _where(r), f"{value} over the daily limit {limit}")
        for rule, value, limit in checks
        if limit is not None and value > limit
    ]


def _check_fractions(problem: Problem, r: Route) -> list[Violation]:
    """The vehicle carries each stop's fraction; each site accepts what is unloaded."""
    vehicle, out, on_board = problem.vehicles[r.vehicle], [], set()
    for i, v in enumerate(r.visits):
        if v.kind == "stop":
            fraction = problem.stops[v.index].fraction
            if fraction is None:
                continue
            on_board.add(fraction)
            if vehicle.fractions is not None and fraction not in vehicle.fractions:
                out.append(
                    Violation("fraction", _where(r, i), f"vehicle does not carry {fraction}")
                )
        else:
            accepts = problem.disposal_sites[v.index].fractions
            if accepts is not None and not on_board <= set(accepts):
                out.append(Violation("fraction", _where(r, i), "site refuses the load"))
            on_board = set()
    return out


def _leg_s(problem: Problem, a: int, b: int) -> int:
    return int(problem.duration_s[a, b])


def _locations(problem: Problem, r: Route) -> list[int]:
    depot = problem.depots[problem.vehicles[r.vehicle].depot].location
    inner = [
        (problem.stops if v.kind == "stop" else problem.disposal_sites)[v.index].location
        for v in r.visits
    ]
    return [depot, *inner, depot]


def _check_times(problem: Problem, r: Route) -> list[Violation]:
    """Shift, travel times, service times and time windows, on the route's own clock."""
    if not r.visits:
        return []
    vehicle, out = problem.vehicles[r.vehicle], []
    locs = _locations(problem, r)
    if r.start_s < vehicle.shift_start_s or r.end_s > vehicle.shift_end_s:
        out.append(
            Violation(
                "shift",
                _where(r),
                f"works {r.start_s}..{r.end_s}, shift is "
                f"{vehicle.shift_start_s}..{vehicle.shift_end_s}",
            )
        )
    departure = r.start_s
    for i, v in enumerate(r.visits):
        if v.kind == "stop":
            place = problem.stops[v.index]
            lo, hi, service = place.window_start_s, place.window_end_s, place.service_s
        else:
            site = problem.disposal_sites[v.index]
            lo, hi, service = site.open_s, site.close_s, site.unload_s
        if (
            v.arrival_s < departure + _leg_s(problem, locs[i], locs[i + 1])
            or v.start_s < v.arrival_s
            or v.departure_s != v.start_s + service
        ):
            out.append(
                Violation(
                    "travel", _where(r, i), "times inconsistent with travel and service times"
                )
            )
        if not lo <= v.start_s <= hi:
            out.append(
                Violation(
                    "time window", _where(r, i), f"service starts at {v.start_s}, window {lo}..{hi}"
                )
            )
        departure = v.departure_s
    if r.end_s < departure + _leg_s(problem, locs[-2], locs[-1]):
        out.append(Violation("travel", _where(r), "back at the depot too early"))
    return out


def _check_break(problem: Problem, r: Route) -> list[Violation]:
    """The lunch break starts in its window and fits in one gap of the route."""
    lunch = problem.vehicles[r.vehicle].lunch
    if lunch is None or not r.visits:
        return []
    b = r.break_start_s
    if b is None or not lunch.earliest_start_s <= b <= lunch.latest_start_s:
        return [
            Violation(
                "break",
                _where(r),
                f"break start {b} outside {lunch.earliest_start_s}..{lunch.latest_start_s}",
            )
        ]
    end = b + lunch.duration_s
    if end <= r.start_s or b >= r.end_s:
        return []
    locs = _locations(problem, r)
    departures = [r.start_s] + [v.departure_s for v in r.visits]
    starts = [v.start_s for v in r.visits] + [r.end_s]
    for i, (dep, nxt) in enumerate(zip(departures, starts, strict=True)):
        leg = _leg_s(problem, locs[i], locs[i + 1])
        if dep <= b and end <= nxt and nxt - dep >= leg + lunch.duration_s:
            return []
    return [Violation("break", _where(r), f"break at {b} does not fit between two visits")]


def _check_distance(problem: Problem, r: Route) -> list[Violation]:
    """The reported distance is the sum of the legs."""
    if not r.visits:
        return (
            []
            if r.distance_m == 0
            else [Violation("distance", _where(r), "empty route has distance")]
        )
    locs = _locations(problem, r)
    total = sum(int(problem.distance_m[a, b]) for a, b in zip(locs, locs[1:], strict=False))
    if total != r.distance_m:
        return [Violation("distance", _where(r), f"reported {r.distance_m}, legs sum to {total}")]
    return []
