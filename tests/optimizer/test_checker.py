"""The checker rejects hand-made infeasible plans, one per rule, and accepts a good one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import Break, PlanCheckError, assert_feasible, check_plan
from optimizer.nodes import disposal_code
from optimizer.plan_build import build_plan
from tests.optimizer.lineworld import line_problem

D = disposal_code(0)


def rules(problem, routes, **plan_changes) -> set[str]:
    """The rules broken by a plan of these routes (visit code, one list per vehicle)."""
    plan = build_plan(problem, routes, None, {}, 0.0, None)
    plan = replace(plan, **plan_changes) if plan_changes else plan
    return {v.rule for v in check_plan(problem, plan)}


def basic(**vehicle):
    return line_problem(
        [(10, {"volume_l": 6}), (20, {"volume_l": 6, "window_end_s": 100})],
        [{"capacity_l": 12, **vehicle}, {"capacity_l": 12, **vehicle}],
    )


def test_a_good_plan_passes():
    """Both stops on one route within capacity and windows: no violation."""
    assert rules(basic(), [[0, 1], []]) == set()


def test_missing_required_stop_is_rejected():
    """A plan that forgets a required stop."""
    assert rules(basic(), [[0], []]) == {"required"}


def test_stop_visited_twice_is_rejected():
    """The same stop on two routes."""
    assert "once" in rules(basic(), [[0, 1], [1]])


def test_capacity_overflow_is_rejected():
    """12 l of capacity, 12 l collected, but the truck is only 10 l."""
    assert rules(basic(capacity_l=10), [[0, 1], []]) == {"capacity"}


def test_wrong_reported_load_is_rejected():
    """A visit that claims an empty truck after a pickup."""
    p = basic()
    plan = build_plan(p, [[0, 1], []], None, {}, 0.0, None)
    route = plan.routes[0]
    bad = replace(route, visits=(replace(route.visits[0], load_l=0), route.visits[1]))
    assert {v.rule for v in check_plan(p, replace(plan, routes=(bad, plan.routes[1])))} == {
        "capacity"
    }


def test_return_without_unloading_is_rejected():
    """With disposal sites, a route must unload before the depot."""
    p = line_problem([(10, {"volume_l": 1})], sites=[(5, {})])
    assert rules(p, [[0]]) == {"unload"}
    assert rules(p, [[0, D]]) == set()


def test_route_of_empty_containers_needs_no_unload():
    """Nothing on board at the end (only empty containers): no unload needed."""
    p = line_problem([(10, {"volume_l": 0})], sites=[(5, {})])
    assert rules(p, [[0]]) == set()


def test_time_window_violation_is_rejected():
    """Serving the far stop first is fine; serving it after a detour past 100 s is not."""
    p = line_problem([(10, {}), (200, {}), (20, {"window_end_s": 100})])
    assert rules(p, [[2, 0, 1]]) == set()
    assert rules(p, [[1, 0, 2]]) == {"time window"}


def test_shift_violation_is_rejected():
    """A 40 s route in a 30 s shift."""
    assert "shift" in rules(basic(shift_end_s=30), [[0, 1], []])


def test_missing_break_is_rejected():
    """A vehicle with a lunch break and a route without one."""
    assert rules(basic(lunch=Break(5, 15, 100)), [[0, 1], []]) == {"break"}


def test_break_that_does_not_fit_is_rejected():
    """A break at 10 s that the schedule has no room for."""
    p = basic(lunch=Break(5, 15, 100))
    plan = build_plan(p, [[0, 1], []], None, {}, 0.0, None)
    plan = replace(plan, routes=(replace(plan.routes[0], break_start_s=10), plan.routes[1]))
    assert {v.rule for v in check_plan(p, plan)} == {"break"}


def test_too_many_stops_is_rejected():
    """Two stops on a truck allowed one a day."""
    assert rules(basic(max_stops=1), [[0, 1], []]) == {"max stops"}


def test_daily_volume_overrun_is_rejected():
    """12 l collected by a truck allowed 10 l a day."""
    assert rules(basic(max_volume_l_per_day=10), [[0, 1], []]) == {"day volume"}


def test_wrong_fraction_is_rejected():
    """Glass on a paper truck."""
    p = line_problem([(10, {"fraction": "glass"})], [{"fractions": frozenset({"paper"})}])
    assert rules(p, [[0]]) == {"fraction"}


def test_wrong_distance_is_rejected():
    """A route that under-reports its distance."""
    p = basic()
    plan = build_plan(p, [[0, 1], []], None, {}, 0.0, None)
    plan = replace(plan, routes=(replace(plan.routes[0], distance_m=1), plan.routes[1]))
    assert {v.rule for v in check_plan(p, plan)} == {"distance"}


def test_arrival_faster_than_driving_is_rejected():
    """A visit reached sooner than the road allows."""
    p = basic()
    plan = build_plan(p, [[0, 1], []], None, {}, 0.0, None)
    r = plan.routes[0]
    fast = replace(r.visits[1], arrival_s=11, start_s=11, departure_s=11)
    plan = replace(plan, routes=(replace(r, visits=(r.visits[0], fast)), plan.routes[1]))
    assert {v.rule for v in check_plan(p, plan)} == {"travel"}


def test_assert_feasible_raises_with_the_violations():
    """assert_feasible turns violations into a PlanCheckError listing them."""
    p = basic()
    plan = build_plan(p, [[0], []], None, {}, 0.0, None)
    with pytest.raises(PlanCheckError, match="required") as info:
        assert_feasible(p, plan)
    assert len(info.value.violations) == 1
