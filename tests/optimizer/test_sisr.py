"""The string-removal search (SISR) for plain CVRP: optimum on the road, honest accounting,
fixed costs, pooling, and no start when the fleet is too small."""

from __future__ import annotations

import pytest

from optimizer import read_cvrplib
from optimizer.construct import initial_routes
from optimizer.greedy import cost
from optimizer.sisr import StringSearch
from tests.optimizer.lineworld import line_problem
from tests.optimizer.test_formats import CVRPLIB
from tests.optimizer.test_search import four_stops


def test_string_search_reaches_the_optimum_of_the_road_and_pools_its_routes():
    """From {1,4}+{2,3} (140 m) to {1,2}+{3,4} (120 m); the far pair (80 m) is pooled."""
    p = four_stops()
    pool: dict = {}
    routes, value = StringSearch(p, seed=1).run([[0, 3], [1, 2]], 0.3, pool=pool)
    assert value == 120 == cost(p, routes)[1]
    assert sorted(sorted(r) for r in routes) == [[0, 1], [2, 3]]
    assert pool[frozenset({2, 3})][0] == 80


def test_without_a_start_every_stop_is_inserted_within_capacity():
    """No start: cheapest insertion builds one; each stop once, no truck over 100 l."""
    p = four_stops(trucks=2)
    routes, value = StringSearch(p, seed=0).run(None, 0.1)
    assert sorted(c for r in routes for c in r) == [0, 1, 2, 3]
    assert all(sum(p.stops[c].volume_l for c in r) <= 100 for r in routes)
    assert value == cost(p, routes)[1]


def test_too_few_trucks_give_no_start():
    """200 l of waste, one truck of 100 l: no start, a clear ValueError."""
    with pytest.raises(ValueError, match="no room"):
        StringSearch(four_stops(trucks=1), seed=0).run(None, 0.1)


def test_a_cost_per_truck_merges_routes_of_equal_distance():
    """Stops at -10 and +10 m: one route or two drive 40 m; at 1,000 per truck, one route."""
    stops = [(-10, {"volume_l": 50}), (10, {"volume_l": 50})]
    free = line_problem(stops, vehicles=[{}, {}])
    paid = line_problem(stops, vehicles=[{"fixed_cost": 1000}, {"fixed_cost": 1000}])
    start = [[0], [1]]
    assert StringSearch(free, seed=0).run(start, 0.2)[1] == 40
    routes, value = StringSearch(paid, seed=0).run(start, 0.2)
    assert value == 1040 and len(routes) == 1


def test_the_reported_cost_is_the_routes_cost_on_x_n101():
    """One second on X-n101 from savings: the incremental accounting matches a recount, the
    plan serves every stop once within capacity, and it is no worse than its start."""
    problem = read_cvrplib(next(p for p in CVRPLIB if p.stem == "X-n101-k25"))
    start = initial_routes(problem)
    search = StringSearch(problem, seed=3)
    routes, value = search.run(start, 1.0)
    assert value == cost(problem, routes)[1] <= cost(problem, start)[1]
    assert sorted(c for r in routes for c in r) == list(range(len(problem.stops)))
    cap = problem.vehicles[0].capacity_l
    assert all(sum(problem.stops[c].volume_l for c in r) <= cap for r in routes)
    assert search.iterations > 100


def test_split_routes_cuts_the_plan_into_parts_that_cover_every_stop_once():
    """X-n502's savings routes in two parts: every stop in exactly one part, each part's
    routes in its own indices, and the idle trucks shared out."""
    import numpy as np

    from optimizer.restarts import split_routes

    problem = read_cvrplib(next(p for p in CVRPLIB if p.stem == "X-n502-k39"))
    start = initial_routes(problem)
    parts = split_routes(problem, start, 2, np.random.default_rng(0))
    assert len(parts) == 2
    assert sorted(c for stops, _, _ in parts for c in stops) == list(range(len(problem.stops)))
    for stops, routes, trucks in parts:
        assert sorted(c for r in routes for c in r) == list(range(len(stops)))
        assert len(routes) <= trucks
        assert len(stops) > len(problem.stops) / 4  # neither part is a sliver
    in_use = sum(1 for r in start if r)
    assert sum(t for _, _, t in parts) == len(problem.vehicles) >= in_use


def test_a_partial_start_is_completed_before_the_search():
    """A start that leaves out two stops: they are inserted first; nothing is lost."""
    p = four_stops(trucks=2)
    routes, value = StringSearch(p, seed=0).run([[0, 1]], 0.1)
    assert sorted(c for r in routes for c in r) == [0, 1, 2, 3]
    assert value == cost(p, routes)[1] == 120
