"""Regions of the decomposition: which routes are searched together, and for how long."""

from __future__ import annotations

from optimizer.decompose import MIN_REGION_ROUTES, State, nearest_routes, region_seconds
from tests.optimizer.lineworld import line_problem


def _three_long_routes():
    """Three routes of four stops each on the road: near (10-40), middle (100-130), far
    (1000-1030)."""
    xs = [10, 20, 30, 40, 100, 110, 120, 130, 1000, 1010, 1020, 1030]
    problem = line_problem([(x, {"volume_l": 1}) for x in xs], vehicles=[{}, {}, {}, {}])
    routes = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], []]
    return State(problem, routes, None)


def test_a_route_longer_than_a_region_is_searched_with_its_nearest_neighbour():
    state = _three_long_routes()
    region = nearest_routes(state, 0, [0, 1, 2], size=2)  # each route alone exceeds 2 stops
    assert MIN_REGION_ROUTES == 2
    assert region == [0, 1]  # the near route and the middle one, not the far one
    assert nearest_routes(state, 2, [0, 1, 2], size=2) == [2, 1]


def test_a_region_stops_adding_routes_once_it_is_large_enough():
    state = _three_long_routes()
    assert nearest_routes(state, 0, [0, 1, 2], size=8) == [0, 1]
    assert nearest_routes(state, 0, [0, 1, 2], size=9) == [0, 1, 2]


def test_a_larger_region_gets_more_time_within_bounds():
    assert region_seconds(4.0, 120, 60) == 4.0
    assert region_seconds(4.0, 120, 180) == 6.0
    assert region_seconds(4.0, 120, 1000) == 8.0


def test_a_day_region_takes_four_days_only_in_a_large_fleet():
    from optimizer.region_search import DAY_REGION_ROUTES, day_region_routes

    assert DAY_REGION_ROUTES == 4
    assert day_region_routes(16, 2) == 4  # 1932_stop: 16 trucks, two workers
    assert day_region_routes(12, 2) == 3  # half of each worker's six
    assert day_region_routes(6, 2) == 2  # 804_stop: pairs, as before
    assert day_region_routes(3, 2) == 2  # never fewer than a pair
    assert day_region_routes(8, 1) == 4


def test_a_day_region_of_four_long_days_gets_four_times_the_time():
    state = _three_long_routes()
    assert nearest_routes(state, 0, [0, 1, 2], size=2, min_routes=3) == [0, 1, 2]
    assert region_seconds(0.75, 120, 480, max_factor=4) == 3.0
    assert region_seconds(0.75, 120, 900, max_factor=4) == 3.0
