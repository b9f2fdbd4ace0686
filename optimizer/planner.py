"""`plan_routes(problem, params) -> Plan`: the one entry point of the optimizer.

Plain CVRP with identical trucks (the CVRPLIB instances) goes to our string-removal search
on both cores (`optimizer.restarts`, `optimizer.sisr`). Other small problems go to OR-Tools
directly (guided local search from a warm start); larger ones through `optimizer.decompose`:
a first solution, then our string removals for rich problems (`optimizer.string_rounds`)
unless a truck or site is limited to some fractions, otherwise regions re-optimised by
OR-Tools, across both cores. With `PlanParams.solution_limit` (the offline trial), every
problem goes to one OR-Tools search bounded by a solution count instead of the clock, so
the same problem gives the same plan on a busy machine. Every plan is checked by
`optimizer.checker` before it is returned.
"""

from __future__ import annotations

import logging
import time

from optimizer.checker import assert_feasible
from optimizer.errors import InfeasibleProblemError
from optimizer.model import Plan, PlanParams, Problem
from optimizer.plan_build import build_plan
from optimizer.prechecks import unservable_stops

log = logging.getLogger(__name__)

#: Up to this many stops, one OR-Tools model over the whole problem.
DIRECT_MAX_STOPS = 220


def plan_routes(problem: Problem, params: PlanParams | None = None) -> Plan:
    """Plan routes within `params.time_limit_s`; raise if required stops cannot be served."""
    params = params or PlanParams()
    t0 = time.monotonic()
    reasons = unservable_stops(problem)
    keep = [s for s in range(len(problem.stops)) if s not in reasons]
    sub = problem.restrict(keep, list(range(len(problem.vehicles))))
    deadline = t0 + params.time_limit_s
    routes, times, first, stats = _search(sub, params, deadline)
    routes = [[keep[c] if c >= 0 else c for c in r] for r in routes]
    first = None if first is None else first - t0
    plan = build_plan(problem, routes, times, reasons, time.monotonic() - t0, first, stats)
    return _finish(problem, plan, params)


def _search(problem: Problem, params: PlanParams, deadline: float):
    from optimizer.construct import initial_routes, interchangeable_vehicles
    from optimizer.decompose import solve_decomposed
    from optimizer.greedy import cost
    from optimizer.ortools_solve import solve_problem
    from optimizer.restarts import SISR_MAX_STOPS, solve_restarts

    if params.solution_limit is not None:
        return _budgeted(problem, params.solution_limit, deadline)
    if interchangeable_vehicles(problem) and len(problem.stops) <= SISR_MAX_STOPS:
        return solve_restarts(problem, params, deadline)
    if len(problem.stops) <= DIRECT_MAX_STOPS:
        initial, times = initial_routes(problem), None
        if initial is None:  # our construction: feasible by design, so a short or
            initial, times = _constructed(problem, deadline)  # starved search keeps it
        out = solve_problem(problem, deadline - time.monotonic(), initial)
        if times is not None and (
            not out.found or cost(problem, out.routes)[0] > cost(problem, initial)[0]
        ):
            return initial, times, time.monotonic(), {"fallback": "construction"}
        return out.routes, out.times, out.first_feasible_at, out.stats
    return solve_decomposed(problem, params, deadline)


def _budgeted(problem: Problem, solution_limit: int, deadline: float):
    """The deterministic search: our first solution built to the end (no clock), then one
    OR-Tools guided local search stopped after `solution_limit` solutions; the better of the
    two. Repeats exactly unless the safety-net deadline binds first."""
    from optimizer.construct import initial_routes
    from optimizer.greedy import cost, greedy_routes, repair
    from optimizer.ortools_solve import solve_problem

    initial, times = initial_routes(problem), None
    if initial is None:
        initial, times = greedy_routes(problem)
        repair(problem, initial, times)
    out = solve_problem(problem, deadline - time.monotonic(), initial,
                        solution_limit=solution_limit)
    if times is not None and (
        not out.found or cost(problem, out.routes)[0] > cost(problem, initial)[0]
    ):
        return initial, times, time.monotonic(), {"fallback": "construction"}
    return out.routes, out.times, out.first_feasible_at, out.stats


def _constructed(problem: Problem, deadline: float):
    """`optimizer.greedy`'s routes and schedules with the repair round, in a share of the time."""
    from optimizer.greedy import greedy_routes, repair

    budget = time.monotonic() + max(0.2, 0.25 * (deadline - time.monotonic()))
    routes, times = greedy_routes(problem, budget)
    repair(problem, routes, times, budget)
    return routes, times


def _finish(problem: Problem, plan: Plan, params: PlanParams) -> Plan:
    """Check the plan; mark it feasible, or raise when required stops are left out."""
    missing = [u for u in plan.unserved if u.required]
    if params.check:
        assert_feasible(problem, plan, require_all=False)
    status = "feasible" if params.check else "unchecked"
    if missing:
        status = "partial"
    from dataclasses import replace

    plan = replace(plan, status=status)
    if missing and not params.allow_unserved_required:
        raise InfeasibleProblemError(missing, plan)
    return plan
