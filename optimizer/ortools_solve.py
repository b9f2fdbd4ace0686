"""Run OR-Tools on a `Problem` once: optional warm start, guided local search, read the routes.

Routes travel between modules in "visit code" (see `optimizer.nodes`). A `RouteTimes` holds
what the time dimension decided (service starts and the break), so that the plan can report
OR-Tools' own schedule; without a time dimension the plan builder schedules forward.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.nodes import disposal_code, site_of
from optimizer.ortools_model import REQUIRED_PENALTY, OrtoolsModel, build_model

FSS = routing_enums_pb2.FirstSolutionStrategy
LSM = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass
class RouteTimes:
    """Service start of each visit, departure from and return to the depot, the break."""

    starts: list[int]
    depot_departure_s: int
    depot_return_s: int
    break_start_s: int | None


@dataclass
class SolveOutcome:
    """Routes per vehicle in visit code, their times (if timed) and the objective."""

    routes: list[list[int]]
    times: list[RouteTimes] | None
    objective: int
    first_feasible_at: float | None  # time.monotonic() of the first feasible solution
    found: bool
    stats: dict = field(default_factory=dict)


#: With a solution count, OR-Tools' large-neighbourhood sub-searches get this limit instead of
#: their 100 ms default, which binds differently on a loaded machine (measured on a 170-stop
#: trial problem: 100 ms and 100 s give the same plan in 1.5 s; 1 us never reaches the count).
LNS_UNBOUNDED_S = 60


def search_parameters(
    time_limit_s: float,
    metaheuristic: bool = True,
    first_solution: int = FSS.PATH_CHEAPEST_ARC,
    solution_limit: int | None = None,
) -> object:
    """Guided local search under a time limit (and, if given, a solution count)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    if solution_limit is not None:  # no clock: neither the search nor its LNS sub-searches
        params.solution_limit = max(1, int(solution_limit))
        params.lns_time_limit.FromSeconds(LNS_UNBOUNDED_S)
    params.first_solution_strategy = first_solution
    if metaheuristic:
        params.local_search_metaheuristic = LSM.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    return params


def warm_start_indices(m: OrtoolsModel, routes: list[list[int]]) -> list[list[int]]:
    """Visit-code routes as OR-Tools indices; each disposal visit takes a free copy."""
    free = {site: list(reversed(nodes)) for site, nodes in m.layout.copies_by_site().items()}
    out = []
    for route in routes:
        indices = []
        if route and route[-1] < 0 and m.layout.final_site is not None:
            route = route[:-1]  # the last unload is implied by the return
        for code in route:
            if code >= 0:
                node = m.layout.stop_node(code)
            elif free.get(site_of(code)):
                node = free[site_of(code)].pop()
            else:
                continue  # more unloads than copies: let the solver repair it
            indices.append(m.manager.NodeToIndex(node))
        out.append(indices)
    return out


def solve_problem(
    problem,
    time_limit_s: float,
    initial: list[list[int]] | None = None,
    metaheuristic: bool = True,
    copies: list[int] | None = None,
    solution_limit: int | None = None,
) -> SolveOutcome:
    """Build the model, warm-start it if routes are given, search, and read the result.
    With `solution_limit`, the search also stops after that many solutions (deterministic)."""
    t0 = time.monotonic()
    m = build_model(problem, copies)
    first: list[float] = []

    def on_solution() -> None:
        if not first and m.routing.CostVar().Value() < REQUIRED_PENALTY:
            first.append(time.monotonic())

    m.routing.AddAtSolutionCallback(on_solution)
    remaining = max(0.05, time_limit_s - (time.monotonic() - t0))
    simple = not problem.disposal_sites and m.time_dim is None
    params = search_parameters(
        remaining,
        metaheuristic,
        FSS.PATH_CHEAPEST_ARC if simple else FSS.PARALLEL_CHEAPEST_INSERTION,
        solution_limit,
    )
    assignment = None
    if initial is not None:
        start = m.routing.ReadAssignmentFromRoutes(warm_start_indices(m, initial), True)
        if start is not None:
            assignment = m.routing.SolveFromAssignmentWithParameters(start, params)
    if assignment is None:
        assignment = m.routing.SolveWithParameters(params)
    if assignment is None:
        return SolveOutcome([[] for _ in problem.vehicles], None, 0, None, False)
    routes, times = read_routes(m, assignment)
    return SolveOutcome(
        routes,
        times,
        int(assignment.ObjectiveValue()),
        first[0] if first else None,
        True,
        {"build_and_solve_s": time.monotonic() - t0},
    )


def read_routes(m: OrtoolsModel, assignment) -> tuple[list[list[int]], list[RouteTimes] | None]:
    """Visit-code routes and, with a time dimension, OR-Tools' schedule of each."""
    routes: list[list[int]] = []
    times: list[RouteTimes] = []
    lay, routing = m.layout, m.routing
    for v in range(len(m.problem.vehicles)):
        codes, starts = [], []
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        last_node = None
        while not routing.IsEnd(index):
            node = last_node = m.manager.IndexToNode(index)
            if node >= lay.first_copy_node():
                codes.append(disposal_code(int(lay.copy_site[node - lay.first_copy_node()])))
            else:
                codes.append(node - lay.n_depots)
            if m.time_dim is not None:
                starts.append(assignment.Value(m.time_dim.CumulVar(index)))
            index = assignment.Value(routing.NextVar(index))
        route_times = _route_times(m, assignment, v, starts) if m.time_dim is not None else None
        if codes and codes[-1] >= 0 and lay.final_site is not None:
            _append_final_unload(m, v, last_node, codes, route_times)
        routes.append(codes)
        if route_times is not None:
            times.append(route_times)
    return routes, (times if m.time_dim is not None else None)


def _append_final_unload(
    m: OrtoolsModel, v: int, node: int, codes: list[int], t: RouteTimes | None
) -> None:
    """Make the implicit last unload (folded into the arc back to the depot) explicit."""
    depot = m.problem.vehicles[v].end
    site = int(m.layout.final_site[node, depot])
    codes.append(disposal_code(site))
    if t is None:
        return
    p, loc = m.problem, int(m.layout.location[node])
    d = p.disposal_sites[site]
    departure = t.starts[-1] + int(m.layout.service_s[node])
    leg1 = int(p.duration_s[loc, d.location])
    leg2 = int(p.duration_s[d.location, p.depots[depot].location])
    lunch = p.vehicles[v].lunch
    b, dur = t.break_start_s, lunch.duration_s if lunch else 0
    if b is None or b < departure or b >= t.depot_return_s:
        site_start = departure + leg1  # no break on this last leg
    elif b <= departure + leg1:
        site_start = departure + leg1 + dur  # lunch on the way to the site
    elif b >= departure + leg1 + d.unload_s:
        site_start = departure + leg1  # lunch after unloading
    else:
        site_start = b + dur  # lunch at the site, then unload
    site_start = max(site_start, d.open_s)
    t.starts.append(site_start)
    t.depot_return_s = max(t.depot_return_s, site_start + d.unload_s + leg2)


def _route_times(m: OrtoolsModel, assignment, v: int, starts: list[int]) -> RouteTimes:
    dim, routing = m.time_dim, m.routing
    brk = None
    if v in m.breaks and assignment.PerformedValue(m.breaks[v]):
        brk = assignment.StartValue(m.breaks[v])
    return RouteTimes(
        starts,
        assignment.Value(dim.CumulVar(routing.Start(v))),
        assignment.Value(dim.CumulVar(routing.End(v))),
        brk,
    )
