"""One constraint, two small instances: one where it binds and one where it does not."""

from __future__ import annotations

import pytest

from optimizer import Break, InfeasibleProblemError, check_plan, plan_routes
from tests.optimizer.lineworld import FAST, line_problem, used_routes

TWO_TRUCKS = [{"fixed_cost": 1000}, {"fixed_cost": 1000}]


def test_capacity_binds_and_splits_the_stops_over_two_trucks():
    """Two stops of 6 l and trucks of 10 l: each truck takes one."""
    p = line_problem(
        [(10, {"volume_l": 6}), (20, {"volume_l": 6})], [{"capacity_l": 10}, {"capacity_l": 10}]
    )
    plan = plan_routes(p, FAST)
    assert sorted(used_routes(plan)) == [["s1"], ["s2"]]
    assert check_plan(p, plan) == []


def test_capacity_not_binding_keeps_one_route():
    """Trucks of 12 l take both stops on one route of 40 m."""
    p = line_problem(
        [(10, {"volume_l": 6}), (20, {"volume_l": 6})], [{"capacity_l": 12}, {"capacity_l": 12}]
    )
    plan = plan_routes(p, FAST)
    assert len(used_routes(plan)) == 1
    assert plan.distance_m == 40


def test_unload_and_continue_when_the_truck_is_full():
    """One 10 l truck, two 6 l stops: it unloads between them and again before the depot."""
    p = line_problem(
        [(10, {"volume_l": 6}), (20, {"volume_l": 6})],
        [{"capacity_l": 10}],
        sites=[(15, {"unload_s": 5})],
    )
    plan = plan_routes(p, FAST)
    (route,) = [r for r in plan.routes if r.visits]
    kinds = [v.kind for v in route.visits]
    assert kinds == ["stop", "disposal", "stop", "disposal"]
    assert [v.load_l for v in route.visits] == [6, 0, 6, 0]
    assert check_plan(p, plan) == []


def test_one_unload_at_the_end_when_the_truck_has_room():
    """A 12 l truck takes both stops and unloads once, just before the depot."""
    p = line_problem(
        [(10, {"volume_l": 6}), (20, {"volume_l": 6})], [{"capacity_l": 12}], sites=[(15, {})]
    )
    plan = plan_routes(p, FAST)
    assert [[v.kind for v in r.visits] for r in plan.routes if r.visits] == [
        ["stop", "stop", "disposal"]
    ]
    assert plan.distance_m == 40  # 0 -> 10 -> 20 -> 15 -> 0


def test_time_window_reverses_the_natural_order():
    """The stop at 20 closes at 30 s, the one at 10 opens at 100 s: far one first."""
    p = line_problem([(10, {"window_start_s": 100}), (20, {"window_end_s": 30})])
    plan = plan_routes(p, FAST)
    assert used_routes(plan) == [["s2", "s1"]]
    route = plan.routes[0]
    assert route.visits[1].start_s == 100 and route.visits[1].arrival_s == 30


def test_time_window_not_binding_keeps_the_natural_order():
    """Wide windows: out and back, nearest first, no waiting."""
    p = line_problem([(10, {"window_end_s": 1000}), (20, {"window_end_s": 1000})])
    plan = plan_routes(p, FAST)
    assert used_routes(plan) in ([["s1", "s2"]], [["s2", "s1"]])
    assert all(v.start_s == v.arrival_s for v in plan.routes[0].visits)


def test_shift_end_binds_and_needs_a_second_truck():
    """A 60 s shift cannot drive the 80 m tour through both stops."""
    p = line_problem([(20, {}), (-20, {})], [dict(t, shift_end_s=60) for t in TWO_TRUCKS])
    plan = plan_routes(p, FAST)
    assert len(used_routes(plan)) == 2
    assert all(r.end_s <= 60 for r in plan.routes)


def test_shift_end_not_binding_keeps_one_truck():
    """A 100 s shift fits the 80 m tour, and the fixed cost makes one truck cheaper."""
    p = line_problem([(20, {}), (-20, {})], [dict(t, shift_end_s=100) for t in TWO_TRUCKS])
    plan = plan_routes(p, FAST)
    assert len(used_routes(plan)) == 1


def test_break_binds_and_delays_the_next_stop():
    """Lunch of 100 s must start between 5 s and 15 s: the second stop is reached at 120 s."""
    p = line_problem([(10, {}), (20, {})], [{"lunch": Break(5, 15, 100)}])
    plan = plan_routes(p, FAST)
    route = plan.routes[0]
    assert 5 <= route.break_start_s <= 15
    assert route.end_s == 140  # 40 m of driving plus 100 s of lunch
    assert check_plan(p, plan) == []


def test_break_after_the_day_does_not_delay_anything():
    """Lunch window after the route is over: the route takes its 40 s."""
    p = line_problem([(10, {}), (20, {})], [{"lunch": Break(1000, 2000, 100)}])
    plan = plan_routes(p, FAST)
    assert plan.routes[0].end_s == 40
    assert plan.routes[0].break_start_s >= 40


def test_max_stops_binds_and_needs_a_second_truck():
    """Three stops and at most two stops per truck."""
    p = line_problem([(10, {}), (20, {}), (30, {})], [dict(t, max_stops=2) for t in TWO_TRUCKS])
    plan = plan_routes(p, FAST)
    assert sorted(len(r) for r in used_routes(plan)) == [1, 2]


def test_max_stops_not_binding_keeps_one_truck():
    """At most three stops per truck: one truck takes all three."""
    p = line_problem([(10, {}), (20, {}), (30, {})], [dict(t, max_stops=3) for t in TWO_TRUCKS])
    plan = plan_routes(p, FAST)
    assert [len(r) for r in used_routes(plan)] == [3]


def test_daily_volume_binds_even_with_unloading():
    """A truck unloads freely but may collect at most 10 l a day: two trucks for 12 l."""
    trucks = [dict(t, capacity_l=10, max_volume_l_per_day=10) for t in TWO_TRUCKS]
    p = line_problem([(10, {"volume_l": 6}), (20, {"volume_l": 6})], trucks, sites=[(5, {})])
    plan = plan_routes(p, FAST)
    assert len(used_routes(plan)) == 2


def test_optional_stop_far_away_with_a_small_prize_is_left_out():
    """A stop 1 km away worth 100 m of driving is not worth the 2 km detour."""
    p = line_problem([(10, {}), (1000, {"required": False, "prize": 100})])
    plan = plan_routes(p, FAST)
    assert used_routes(plan) == [["s1"]]
    (unserved,) = plan.unserved
    assert unserved.stop_id == "s2" and "prize" in unserved.reason
    assert plan.objective == 20 + 100


def test_optional_stop_with_a_large_prize_is_served():
    """The same stop worth 5 km of driving is served."""
    p = line_problem([(10, {}), (1000, {"required": False, "prize": 5000})])
    plan = plan_routes(p, FAST)
    assert plan.unserved == () and plan.distance_m == 2000


def test_required_stop_far_away_is_served():
    """A required stop is served whatever the detour."""
    p = line_problem([(10, {}), (1000, {})])
    assert plan_routes(p, FAST).distance_m == 2000


def test_required_stop_that_cannot_be_served_raises_with_the_reason():
    """A stop bigger than every truck raises, naming the stop and why."""
    p = line_problem([(10, {"volume_l": 500})])
    with pytest.raises(InfeasibleProblemError, match="s1.*capacity"):
        plan_routes(p, FAST)


def test_fraction_goes_only_on_a_truck_that_carries_it():
    """Glass goes on the glass truck, paper on the paper truck."""
    trucks = [{"fractions": frozenset({"paper"})}, {"fractions": frozenset({"glass"})}]
    p = line_problem([(10, {"fraction": "glass"}), (20, {"fraction": "paper"})], trucks)
    plan = plan_routes(p, FAST)
    by_vehicle = {r.vehicle_id: [v.id for v in r.visits] for r in plan.routes}
    assert by_vehicle == {"v1": ["s2"], "v2": ["s1"]}
