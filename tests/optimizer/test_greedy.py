"""The constructive first solution and the repair round (optimizer.greedy)."""

from __future__ import annotations

import time
from dataclasses import replace

from optimizer import PlanParams, check_plan, plan_routes
from optimizer.generate import generate_city
from optimizer.greedy import Context, evaluate, greedy_routes, repair
from optimizer.plan_build import build_plan


def _plan(problem, routes, times):
    return build_plan(problem, routes, times, {}, 0.0, None)


def test_construction_serves_every_required_stop_of_a_mid_size_city():
    """1,500 stops, 2 sites, lunch, shifts, capacity: feasible by construction, in seconds."""
    problem = generate_city(1500, seed=5)
    t0 = time.monotonic()
    routes, times = greedy_routes(problem)
    assert time.monotonic() - t0 < 20
    plan = _plan(problem, routes, times)
    assert not [u for u in plan.unserved if u.required]
    assert check_plan(problem, plan, require_all=False) == []
    assert all(r.visits[-1].kind == "disposal" for r in plan.routes if r.visits)


def test_repair_inserts_stops_left_out():
    """Take stops out of the constructed routes: the repair puts them back, still feasible."""
    problem = generate_city(300, seed=2)
    routes, times = greedy_routes(problem)
    ctx = Context(problem)
    removed = [c for c in routes[0] if c >= 0][:5]
    routes[0], times[0] = evaluate(ctx, 0, [c for c in routes[0] if c not in removed])
    assert repair(problem, routes, times) == len(removed)
    plan = _plan(problem, routes, times)
    assert not [u for u in plan.unserved if u.required]
    assert check_plan(problem, plan, require_all=False) == []


def test_planner_on_a_mid_size_city_serves_all_required_quickly():
    """800 stops through the decomposed path: feasible from the first solution on."""
    problem = generate_city(800, seed=4)
    plan = plan_routes(problem, PlanParams(time_limit_s=6, workers=2))
    assert plan.status == "feasible"
    assert not [u for u in plan.unserved if u.required]
    assert plan.first_feasible_s is not None and plan.first_feasible_s < 5
    assert check_plan(problem, plan, require_all=False) == []


def test_evaluate_rejects_a_route_past_the_shift():
    problem = generate_city(200, seed=1)
    short = replace(problem.vehicles[0], shift_end_s=problem.vehicles[0].shift_start_s + 600)
    problem = replace(problem, vehicles=(short,) + problem.vehicles[1:])
    ctx = Context(problem)
    assert evaluate(ctx, 0, list(range(30))) is None
