"""Trials that repeat, on the calendar they are given, with cost beside km."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain import Fraction
from domain.service_calendar import ServiceCalendar, Shift, parse_weekdays
from simulator.city import CitySpec, generate_city
from simulator.trial import TrialConfig, run_trial
from simulator.trial.report import render_html, render_table, results_json

TIMINGS = {"solve_s", "select_s"}  # wall-clock seconds: the only figures that may differ


def _small_trial(**config):
    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    return run_trial(city, TrialConfig(days=5, start=date(2026, 4, 20), deposit_seed=4,
                                       workers=2, warmup_days=14, **config))


def _figures(results) -> dict:
    out = {}
    for name, r in results.items():
        out[name] = ({k: v for k, v in r.summary().items() if k not in TIMINGS},
                     r.per_day(), list(r.fills_at_emptying), r.paths_by_day)
    return out


@pytest.fixture(scope="module")
def twice():
    return _small_trial(), _small_trial()


def test_the_same_trial_twice_gives_identical_figures(twice):
    """60 containers, 5 days, two solver processes: every figure and route is the same."""
    first, second = twice
    assert set(first) == {"fixed", "threshold", "forecast"}
    assert _figures(first) == _figures(second)
    assert all(r.km > 0 for r in first.values())


def test_cost_beside_km_per_day_and_in_total(twice):
    """Route hours and truck-days add up from the per-day figures; table, JSON and HTML
    show them."""
    results = twice[0]
    for r in results.values():
        s = r.summary()
        assert len(r.days) == 5
        assert s["truck_days"] == sum(d.trucks for d in r.days) == r.routes
        assert s["route_h"] == pytest.approx(sum(d.route_h for d in r.days), abs=0.1)
        assert s["collections"] == sum(d.collections for d in r.days)
        assert s["overflow_container_days"] == sum(d.overflow_container_days for d in r.days)
        assert all(d.route_h >= d.driving_h for d in r.days)
    assert "trucks used (truck-days)" in render_table(results)
    data = results_json(results)
    assert len(data["per_day"]["fixed"]) == 5
    assert data["per_day"]["forecast"][0]["date"] == "2026-04-20"
    assert set(data["savings_vs_fixed"]) == {"km", "route_h", "truck_days"}
    page = render_html(results, "t")
    assert "Per day" in page and "route h" in page


def test_a_saturday_serving_trial_drives_on_saturdays():
    """Monday to Saturday: the Saturday of an ordinary week is a service day with routes;
    Monday to Friday: it is not."""
    mon_sat = ServiceCalendar(weekdays=parse_weekdays("mon-sat"))
    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    config = dict(days=7, start=date(2026, 6, 1), deposit_seed=4, workers=1, warmup_days=14,
                  strategies=("threshold", "fixed"))
    sat = run_trial(city, TrialConfig(calendar=mon_sat, **config))
    weekdays = run_trial(city, TrialConfig(**config))
    assert [d.service_day for d in sat["threshold"].days] == [True] * 6 + [False]
    assert [d.service_day for d in weekdays["threshold"].days] == [True] * 5 + [False] * 2
    assert sat["threshold"].days[5].trucks > 0
    assert weekdays["threshold"].days[5].trucks == 0


def test_the_calendar_shift_reaches_the_routing_problem():
    """A 07:00-12:00 Saturday shift: trucks end at noon and take no lunch."""
    from simulator.trial.routing import StopChoice, build_problem

    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    i = next(k for k, c in enumerate(city.containers) if c.fraction is Fraction.RESIDUAL)
    short = build_problem(city, Fraction.RESIDUAL, [StopChoice(i, 100.0)],
                          shift=Shift(time(7), time(12)))
    assert {v.shift_end_s for v in short.vehicles} == {12 * 3600}
    assert all(v.lunch is None for v in short.vehicles)
    full = build_problem(city, Fraction.RESIDUAL, [StopChoice(i, 100.0)])
    assert all(v.lunch is not None and v.shift_end_s == 15 * 3600 + 1800 for v in full.vehicles)


def test_the_solution_budget_repeats_a_plan_exactly():
    """The optimizer with a solution count returns the same plan twice."""
    from optimizer import PlanParams, plan_routes
    from simulator.trial.routing import StopChoice, build_problem

    city = generate_city(CitySpec(n_containers=200, seed=2, radius_m=2500))
    ids = [k for k, c in enumerate(city.containers) if c.fraction is Fraction.RESIDUAL][:60]
    problem = build_problem(city, Fraction.RESIDUAL,
                            [StopChoice(i, 400.0, required=k % 2 == 0, prize=800)
                             for k, i in enumerate(ids)])
    params = PlanParams(time_limit_s=300, seed=3, allow_unserved_required=True,
                        solution_limit=40)
    a, b = plan_routes(problem, params), plan_routes(problem, params)
    assert a.distance_m == b.distance_m and a.objective == b.objective
    assert [[v.id for v in r.visits] for r in a.routes] == \
        [[v.id for v in r.visits] for r in b.routes]
