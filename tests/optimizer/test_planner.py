"""plan_routes end to end on real instances, with short limits: checked, complete plans."""

from __future__ import annotations

from optimizer import PlanParams, check_plan, plan_routes, read_cvrplib, read_kim2006
from optimizer.generate import generate_city
from tests.optimizer.test_formats import BENCH, CVRPLIB, needs_bench


@needs_bench
def test_x_n303_gives_a_checked_plan():
    """303 stops (parallel ruin-and-recreate runs, two workers) come back complete and checked."""
    problem = read_cvrplib(next(p for p in CVRPLIB if p.stem == "X-n303-k21"))
    plan = plan_routes(problem, PlanParams(time_limit_s=4, workers=2))
    assert plan.status == "feasible" and plan.unserved == ()
    assert check_plan(problem, plan) == []
    assert plan.distance_m < 1.12 * 21736  # within 12% of the BKS even in 4 s


@needs_bench
def test_decomposition_on_x_n502_gives_a_checked_plan():
    """502 stops go through decomposition: ILS regions, pooled routes, recombination."""
    problem = read_cvrplib(next(p for p in CVRPLIB if p.stem == "X-n502-k39"))
    plan = plan_routes(problem, PlanParams(time_limit_s=8, workers=2))
    assert plan.status == "feasible" and plan.unserved == ()
    assert check_plan(problem, plan) == []
    assert plan.distance_m < 1.06 * 69226


@needs_bench
def test_kim_102_is_feasible_with_the_reference_fleet():
    """Kim 102_stop in 3 s: all stops, lunch, unloads, at most the reference's 3 vehicles."""
    problem = read_kim2006(BENCH / "wcvrptw-kim2006" / "102_stop.txt")
    plan = plan_routes(problem, PlanParams(time_limit_s=3))
    assert plan.unserved == () and plan.vehicles_used <= 3
    assert all(r.visits[-1].kind == "disposal" for r in plan.routes if r.visits)
    assert all(r.break_start_s is not None for r in plan.routes if r.visits)


def test_generated_city_with_optional_stops_is_feasible():
    """A 400-stop generated city, 30% optional, 2 sites: every required stop served."""
    problem = generate_city(400, seed=3)
    plan = plan_routes(problem, PlanParams(time_limit_s=6, workers=2))
    assert not [u for u in plan.unserved if u.required]
    assert plan.first_feasible_s is not None and plan.first_feasible_s <= plan.runtime_s
    assert check_plan(problem, plan) == []
