"""String removals for rich problems (optimizer.rich_sisr, optimizer.string_rounds): unload
trips, windows, honest accounting, and feasible plans on a Kim 2006 instance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from optimizer import PlanParams, check_plan, plan_routes, read_kim2006
from optimizer.decompose import State
from optimizer.greedy import Context, cost, evaluate, greedy_routes, repair
from optimizer.nodes import disposal_code
from optimizer.plan_build import build_plan
from optimizer.rich_sisr import RichStringSearch, applies
from optimizer.string_rounds import _groups
from tests.optimizer.lineworld import line_problem
from tests.optimizer.test_formats import KIM

SITE = disposal_code(0)


def _checked(problem, routes) -> list[str]:
    """The checker's complaints about `routes`, each scheduled by `greedy.evaluate`."""
    ctx = Context(problem)
    times = []
    for v, r in enumerate(routes):
        out = evaluate(ctx, v, r, keep_last_unload=True)
        assert out is not None, f"route {v} cannot be scheduled"
        times.append(out[1] if r else None)
    plan = build_plan(problem, routes, times, {}, 0.0, None)
    return check_plan(problem, plan, require_all=True)


def test_stops_move_between_trips_to_the_shortest_day():
    """Stops of 50 l at 10, 20, 30 and 40 m, a 100-l truck, a site at 25 m. From
    10, 40 | 20, 30 (100 m) to 10, 20 | 30, 40 (80 m): stops change trips, unloads stay."""
    p = line_problem([(x, {"volume_l": 50}) for x in (10, 20, 30, 40)], sites=[(25, {})])
    routes, value = RichStringSearch(p, seed=1).run([[0, 3, SITE, 1, 2, SITE]], 0.5)
    assert cost(p, routes)[1] == value == 80
    assert [sorted(trip) for trip in _trips(routes[0])] == [[0, 1], [2, 3]]
    assert _checked(p, routes) == []


def _trips(route: list[int]) -> list[list[int]]:
    out, cur = [], []
    for c in route:
        if c < 0:
            out.append(cur)
            cur = []
        else:
            cur.append(c)
    return out


def test_a_binding_window_keeps_two_trucks():
    """Stop 10 m away opens at 50 s and closes at 60 s, stop 40 m away closes at 45 s: one
    truck cannot serve both (80 m), so the two trucks (20 + 80 = 100 m) stay."""
    p = line_problem(
        [(10, {"window_start_s": 50, "window_end_s": 60}), (40, {"window_end_s": 45})],
        vehicles=[{}, {}],
    )
    routes, value = RichStringSearch(p, seed=0).run([[0], [1]], 0.3)
    assert value == 100 and sorted(routes) == [[0], [1]]
    with pytest.raises(ValueError, match="not feasible"):
        RichStringSearch(p, seed=0).run([[0, 1], []], 0.1)


def test_it_applies_unless_a_truck_or_a_site_is_limited_to_some_fractions():
    p = line_problem([(10, {}), (20, {"required": False, "prize": 50})], sites=[(5, {})])
    assert applies(p)
    assert applies(replace(p, stops=(replace(p.stops[0], fraction="paper"), p.stops[1])))
    paper = frozenset({"paper"})
    assert not applies(replace(p, vehicles=(replace(p.vehicles[0], fractions=paper),)))
    site = replace(p.disposal_sites[0], fractions=paper)
    assert not applies(replace(p, disposal_sites=(site,)))


def test_an_optional_stop_is_served_only_when_its_prize_pays_for_the_detour():
    """Required stop at 10 m, optional ones at 30 m (prize 50: the detour from 10 costs 40)
    and at 100 m (prize 50: the detour costs 180). From a route serving all three, the far
    one is dropped and the near one kept: 60 m driven + 50 left out = 110."""
    p = line_problem(
        [(10, {}), (30, {"required": False, "prize": 50}), (100, {"required": False, "prize": 50})]
    )
    search = RichStringSearch(p, seed=2)
    routes, value = search.run([[0, 1, 2]], 0.3)
    assert sorted(routes[0]) == [0, 1]
    assert value == 110 == cost(p, routes)[1] + 50
    # and from a route without it, the near one is taken in
    routes, value = RichStringSearch(p, seed=2).run([[0]], 0.3)
    assert sorted(routes[0]) == [0, 1] and value == 110


@pytest.fixture(scope="module")
def kim102():
    path = next(p for p in KIM if p.stem == "102_stop")
    return read_kim2006(path, 3, 0)


def test_on_kim_102_the_accounting_holds_and_every_route_stays_feasible(kim102):
    """Two seconds from our construction: the cost reported is the routes' own, no worse than
    the start; every stop is served once and the checker (lunch, windows, unloads, daily
    limits) accepts every route."""
    p = kim102
    start, _ = greedy_routes(p, None, 0.2)
    repair(p, start, [None] * len(start))
    search = RichStringSearch(p, seed=4)
    routes, value = search.run(start, 2.0)
    assert value == cost(p, routes)[1] < cost(p, start)[1]
    served = sorted(c for r in routes for c in r if c >= 0)
    assert served == list(range(len(p.stops)))
    assert _checked(p, routes) == []
    # the state left after rejected iterations matches a recount of its own routes
    assert int(search.cost.sum()) == cost(p, search.routes)[1]
    for t, r in enumerate(search.routes):
        assert all(search.route_of[c] == t for c in r if c >= 0)


def test_groups_cut_the_trucks_into_nearby_days_once_each():
    """Kim 102 with six trucks: every truck (idle ones too) in exactly one group, and each
    group's stops are those of its days."""
    p = read_kim2006(next(p for p in KIM if p.stem == "102_stop"), 6, 0)
    start, _ = greedy_routes(p, None, 0.2)
    state = State(p, start, None)
    groups = _groups(state, 2, np.random.default_rng(0))
    assert len(groups) == 2
    assert sorted(v for veh, _ in groups for v in veh) == list(range(len(state.routes)))
    for veh, stops in groups:
        assert stops == sorted(c for v in veh for c in state.routes[v] if c >= 0)


def test_plan_routes_on_kim_277_goes_through_string_rounds():
    """275 stops (more than one OR-Tools model takes), 3 trucks, lunch and a disposal site:
    a feasible plan from the rounds of string removals in a few seconds."""
    path = next(p for p in KIM if p.stem == "277_stop")
    problem = read_kim2006(path, 3, 0)
    plan = plan_routes(problem, PlanParams(time_limit_s=8, workers=2, seed=1))
    assert plan.status == "feasible"
    assert not plan.unserved
    assert plan.stats["regions_tried"] >= 1
    assert check_plan(problem, plan, require_all=True) == []


@pytest.mark.parametrize("name, trucks", [("102_stop", 3), ("1932_stop", 20)])
def test_an_insertion_schedules_the_day_as_a_full_evaluation_does(name, trucks):
    """Inserting a stop simulates only the rest of the day from the clock at the insertion
    point: at every position where capacity allows, the same verdict and the same schedule
    as `greedy.evaluate` over the whole day (lunch, windows, shift end; 1932_stop's days
    are full, so many insertions fail)."""
    p = read_kim2006(next(path for path in KIM if path.stem == name), trucks, 0)
    start, _ = greedy_routes(p, None, 0.2)
    repair(p, start, [None] * len(start))
    search = RichStringSearch(p, seed=0)
    search.run(start, 0.0)
    ctx = Context(p)
    compared = feasible = 0
    for u, t in ((0, 1), (1, 2), (2, 0)):
        for c in [x for x in search.routes[u] if x >= 0][::3]:
            route, times = search.routes[t], search.times[t]
            for j in range(len(route)):
                if search.trip_l[t, j] + search.q[c] > search.cap_l[t]:
                    continue
                if search.used_l[t] + search.q[c] > search.day_l[t]:
                    continue
                trial = route[:j] + [c] + route[j:]
                full = evaluate(ctx, t, trial, keep_last_unload=True)
                ok = search._insert(t, j, c)
                compared += 1
                assert ok == (full is not None), (t, j, c)
                if ok:
                    feasible += 1
                    assert search.times[t].starts == full[1].starts
                    assert search.times[t].break_start_s == full[1].break_start_s
                    assert search.times[t].depot_return_s == full[1].depot_return_s
                    search.routes[t] = route  # undo
                    search._set_row(t, times)
    assert compared > 100
    if name == "102_stop":
        assert feasible > 0  # schedules compared
    else:
        assert feasible < compared  # full days: refusals compared


def test_plan_routes_on_a_city_with_optional_stops_goes_through_string_rounds():
    """400 containers, some optional with prizes, lunch, two disposal sites: the string
    rounds keep every required stop served and only ever lower the objective."""
    from optimizer.generate import generate_city

    problem = generate_city(400, seed=3)
    assert applies(problem) and any(not s.required for s in problem.stops)
    plan = plan_routes(problem, PlanParams(time_limit_s=8, workers=2, seed=1))
    assert plan.status == "feasible"
    assert not [u for u in plan.unserved if u.required]
    assert check_plan(problem, plan, require_all=False) == []
    assert plan.stats["regions_tried"] >= 1
