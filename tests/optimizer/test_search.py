"""The search around OR-Tools: ruin-and-recreate ILS, plain-CVRP rounds, recombination, the
fallback."""

from __future__ import annotations

from optimizer import PlanParams, check_plan, plan_routes, read_cvrplib, read_kim2006
from optimizer.construct import interchangeable_vehicles
from optimizer.greedy import cost
from optimizer.ils import solve_ils
from optimizer.recombine import pool_add, recombine
from tests.optimizer.lineworld import line_problem
from tests.optimizer.test_formats import BENCH, CVRPLIB, needs_bench

# Four stops of 50 l on a road, trucks of 100 l: the best plan pairs the two far stops
# (0 -> 40 -> 0 = 80 m with 30 on the way) and the two near ones (40 m): 120 m.
FOUR = [
    (10, {"volume_l": 50}),
    (20, {"volume_l": 50}),
    (30, {"volume_l": 50}),
    (40, {"volume_l": 50}),
]


def four_stops(trucks: int = 2):
    return line_problem(FOUR, vehicles=[{} for _ in range(trucks)])


def test_recombination_picks_the_cheapest_partition_of_pooled_routes():
    """Routes from two runs: {1,4}+{2,3} (140 m) and {1,2}+{3,4} (120 m) mix to 120 m."""
    p = four_stops()
    pool: dict = {}
    bad = [[0, 3], [1, 2]]
    pool_add(p, bad, pool)
    pool_add(p, [[0, 1], [2, 3]], pool)
    assert cost(p, bad)[1] == 140
    mixed = recombine(4, 2, pool, bad, time_limit_s=5)
    assert sorted(sorted(r) for r in mixed) == [[0, 1], [2, 3]]
    assert cost(p, mixed)[1] == 120


def test_recombination_respects_the_fleet_and_never_drops_a_stop():
    """One truck cannot take two routes; a stop on no pooled route means no recombination."""
    p = four_stops(trucks=1)
    pool: dict = {}
    pool_add(p, [[0, 1], [2, 3]], pool)
    assert recombine(4, 1, pool, [[0, 1], [2, 3]], time_limit_s=5) is None
    partial: dict = {}
    pool_add(p, [[0, 1], [2]], partial)
    assert recombine(4, 2, partial, [[0, 1], [2]], time_limit_s=5) is None


def test_ils_finds_the_optimum_of_the_small_road_from_a_poor_start():
    """From the 160-m start, ruin and recreate reaches the 120-m optimum and pools routes."""
    p = four_stops()
    pool: dict = {}
    out = solve_ils(p, 1.0, initial=[[0, 3], [1, 2]], pool=pool)
    assert out.found
    assert cost(p, out.routes) == (0, 120)
    assert frozenset({2, 3}) in pool and pool[frozenset({2, 3})][0] == 80


@needs_bench
def test_ils_warm_start_is_never_lost_on_a_real_instance():
    """X-n101 from the savings routes: the answer is complete and no worse than the start."""
    from optimizer.construct import initial_routes

    problem = read_cvrplib(next(p for p in CVRPLIB if p.stem == "X-n101-k25"))
    start = initial_routes(problem)
    out = solve_ils(problem, 2.0, initial=start)
    served = sorted(c for r in out.routes for c in r)
    assert served == list(range(len(problem.stops)))
    assert cost(problem, out.routes)[1] <= cost(problem, start)[1]


@needs_bench
def test_restarts_on_x_n101_give_a_checked_plan_near_the_bks():
    """Plain CVRP: string-removal searches on both cores and recombination, checked, within
    8% (usually within 1%)."""
    problem = read_cvrplib(next(p for p in CVRPLIB if p.stem == "X-n101-k25"))
    assert interchangeable_vehicles(problem)
    plan = plan_routes(problem, PlanParams(time_limit_s=4, workers=2))
    assert plan.status == "feasible" and check_plan(problem, plan) == []
    assert plan.distance_m < 1.08 * 27591
    assert plan.runtime_s < 5.0


def test_vehicles_that_differ_are_not_interchangeable():
    """A truck that carries only paper makes the fleet mixed: no recombination of routes."""
    same = four_stops()
    mixed = line_problem(FOUR, vehicles=[{}, {"fractions": frozenset({"paper"})}])
    assert interchangeable_vehicles(same)
    assert not interchangeable_vehicles(mixed)


@needs_bench
def test_a_starved_search_keeps_every_stop_of_the_construction():
    """Kim 102 (windows, lunch, unloads) in 0.3 s: our construction already serves every stop,
    and the plan keeps them all even when OR-Tools gets almost no time."""
    problem = read_kim2006(BENCH / "wcvrptw-kim2006" / "102_stop.txt")
    plan = plan_routes(problem, PlanParams(time_limit_s=0.3))
    assert plan.unserved == ()
    assert check_plan(problem, plan) == []
