"""OR-Tools' iterated local search, configured as ruin and recreate with simulated annealing.

`RoutingModel.SolveWithIteratedLocalSearch` ships with OR-Tools, but with no ruin strategy
set it perturbs nothing, and `use_iterated_local_search` on the ordinary `Solve*` calls is not
read at all: that is why the flag "behaved exactly like plain descent". Configured here:

- ruin: SISR (Christiaens and Vanden Berghe's slack induction by string removals): strings of
  at most `SISR_MAX_STRING` consecutive visits cut from `SISR_AVG_REMOVED` visits' worth of
  neighbouring routes;
- recreate: local cheapest insertion;
- acceptance of the new reference: simulated annealing, temperatures scaled to the mean arc
  cost of the start (`T0_PER_ARC`, `TF_PER_ARC`), cooling exponentially over the time limit;
- no local search after each perturbation (`improve_perturbed_solution` off): many cheap
  perturbations beat few polished ones at these time limits (measured, docs/optimizer.md).

The call takes no start assignment. A warm start goes in as the first solution: an evaluator
that costs 0 for each arc of the given routes and a large constant otherwise, with the
EVALUATOR_STRATEGY first solution, rebuilds exactly those routes. (`SetFirstSolutionHint`
also rebuilds them, but the recreate step keeps following the hint afterwards and the search
drifts.) The search returns its last reference solution, not its best, so the best one is
kept from a solution callback and polished by one descent at the end.
"""

from __future__ import annotations

import time

from ortools.constraint_solver import routing_enums_pb2

from optimizer.ortools_model import REQUIRED_PENALTY, build_model
from optimizer.ortools_solve import (
    SolveOutcome,
    read_routes,
    search_parameters,
    warm_start_indices,
)
from optimizer.recombine import pool_add

FSS = routing_enums_pb2.FirstSolutionStrategy
LSM = routing_enums_pb2.LocalSearchMetaheuristic

SISR_MAX_STRING = 10
SISR_AVG_REMOVED = 15
SISR_BYPASS = 0.01
#: Start and end temperatures per unit of mean arc cost (cost of the start / stops).
VARIANTS = ((0.8, 0.02), (0.5, 0.01), (1.0, 0.025), (0.3, 0.008))
NOT_NEXT = 10**7
POLISH_S = 0.05  # share of the time for the final descent
POOL_WITHIN = 0.01  # solutions within 1% of the best give their routes to the pool


def ils_parameters(time_limit_s: float, arc_scale: float, variant: int = 0):
    """Search parameters for ruin-and-recreate ILS; `arc_scale` is the mean arc cost."""
    params = search_parameters(time_limit_s, metaheuristic=False)
    params.local_search_metaheuristic = LSM.GREEDY_DESCENT
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ils.improve_perturbed_solution = False
    rr = ils.ruin_recreate_parameters
    ruin = rr.ruin_strategies.add()
    ruin.sisr.max_removed_sequence_size = SISR_MAX_STRING
    ruin.sisr.avg_num_removed_visits = SISR_AVG_REMOVED
    ruin.sisr.bypass_factor = SISR_BYPASS
    rr.ruin_composition_strategy = 1  # RUN_ALL_SEQUENTIALLY (one strategy)
    rr.recreate_strategy.heuristic = FSS.LOCAL_CHEAPEST_INSERTION
    t0, tf = VARIANTS[variant % len(VARIANTS)]
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    sa.cooling_schedule_strategy = 1  # EXPONENTIAL
    sa.initial_temperature = max(1e-3, t0 * arc_scale)
    sa.final_temperature = max(1e-4, tf * arc_scale)
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()
    return params


def solve_ils(
    problem,
    time_limit_s: float,
    initial: list[list[int]] | None = None,
    variant: int = 0,
    arc_scale: float | None = None,
    pool: dict | None = None,
) -> SolveOutcome:
    """Ruin-and-recreate ILS from `initial` (visit-code routes) or from scratch. With `pool`
    (a dict), every route of every solution within `POOL_WITHIN` of the best so far is added
    to it for recombination: frozenset of stops -> (distance, ordered stops)."""
    t0 = time.monotonic()
    m = build_model(problem)
    routing = m.routing
    nexts_of_start: dict[int, int] = {}
    if initial is not None:
        nexts_of_start = _successors(m, warm_start_indices(m, initial))
        routing.SetFirstSolutionEvaluator(
            lambda i, j: 0 if nexts_of_start.get(i) == j else NOT_NEXT
        )
    scale = arc_scale or _arc_scale(problem, initial)
    search_s = max(0.05, (time_limit_s - (time.monotonic() - t0)) * (1 - POLISH_S))
    params = ils_parameters(search_s, scale, variant)
    if initial is not None:
        params.first_solution_strategy = FSS.EVALUATOR_STRATEGY
    best: dict = {"cost": None, "routes": None, "first": None}

    def on_solution() -> None:
        cost = routing.CostVar().Value()
        if best["first"] is None and cost < REQUIRED_PENALTY:
            best["first"] = time.monotonic()
        improved = best["cost"] is None or cost < best["cost"]
        if improved:
            best["cost"] = cost
        if improved or (pool is not None and cost <= best["cost"] * (1 + POOL_WITHIN)):
            routes = _current_routes(routing, len(problem.vehicles))
            if improved:
                best["routes"] = routes
            if pool is not None:
                _add_to_pool(m, routes, pool)

    routing.AddAtSolutionCallback(on_solution)
    routing.SolveWithIteratedLocalSearch(params)
    if best["routes"] is None:
        return SolveOutcome([[] for _ in problem.vehicles], None, 0, None, False)
    # A model that has run the ILS no longer restores assignments (ROUTING_FAIL), so the
    # best routes are polished on a fresh copy of the model.
    m = build_model(problem)
    start = m.routing.ReadAssignmentFromRoutes(best["routes"], True)
    if start is None:  # cannot happen for a solution the search itself produced
        return SolveOutcome([[] for _ in problem.vehicles], None, 0, None, False)
    left = time_limit_s - (time.monotonic() - t0)
    polished = None
    if left > 0.2:
        polish = search_parameters(left, metaheuristic=False)
        polished = m.routing.SolveFromAssignmentWithParameters(start, polish)
    assignment = polished if polished is not None else start
    if polished is None and m.time_dim is not None:
        solved = m.routing.SolveFromAssignmentWithParameters(start, search_parameters(60, False))
        assignment = solved if solved is not None else start  # times need a solved one
    routes, times = read_routes(m, assignment)
    return SolveOutcome(
        routes,
        times,
        int(assignment.ObjectiveValue()) if polished is not None else int(best["cost"]),
        best["first"],
        True,
        {"build_and_solve_s": time.monotonic() - t0, "ils_best": best["cost"]},
    )


def _add_to_pool(m, routes: list[list[int]], pool: dict) -> None:
    """Add the routes (OR-Tools indices) to the pool in stop indices."""
    n_depots = m.layout.n_depots
    pool_add(m.problem, [[m.manager.IndexToNode(i) - n_depots for i in r] for r in routes], pool)


def _successors(m, routes: list[list[int]]) -> dict[int, int]:
    out = {}
    for v, route in enumerate(routes):
        prev = m.routing.Start(v)
        for index in route:
            out[prev] = index
            prev = index
        out[prev] = m.routing.End(v)
    return out


def _current_routes(routing, n_vehicles: int) -> list[list[int]]:
    """The routes (OR-Tools indices, without start and end) of the solution being reported."""
    out = []
    for v in range(n_vehicles):
        route = []
        index = routing.NextVar(routing.Start(v)).Value()
        while not routing.IsEnd(index):
            route.append(index)
            index = routing.NextVar(index).Value()
        out.append(route)
    return out


def _arc_scale(problem, initial: list[list[int]] | None) -> float:
    """The mean arc cost of the start (its distance over its visits), or, from scratch, twice
    the mean distance from a stop to its nearest neighbour: the temperatures' unit."""
    import numpy as np

    from optimizer.greedy import cost

    n = len(problem.stops)
    if initial is not None and any(initial):
        visits = sum(len(r) + 1 for r in initial if r)
        fixed = sum(problem.vehicles[v].fixed_cost for v, r in enumerate(initial) if r)
        return max(1.0, (cost(problem, initial)[1] - fixed) / visits)
    locs = np.array([s.location for s in problem.stops], dtype=np.int64)
    if n < 2:
        return 1.0
    sub = problem.distance_m[np.ix_(locs, locs)].astype(np.float64)
    np.fill_diagonal(sub, np.inf)
    return max(1.0, float(2.0 * sub.min(axis=1).mean()))
