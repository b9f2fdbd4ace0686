"""Readers parse every shipped instance; CVRPLIB .sol files check with their stated cost;
bad files give an error that names the line or field; the JSON problem format round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer import (
    InputFormatError,
    check_plan,
    plan_routes,
    plan_to_json,
    read_cvrplib,
    read_kim2006,
    read_problem_json,
    write_cvrplib_solution,
)
from optimizer.formats.cvrplib import read_cvrplib_solution, solution_routes_to_stops
from optimizer.plan_build import build_plan
from tests.optimizer.lineworld import FAST
from tests.shared_data import needs_shared

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT.parent / "shared" / "benchmarks"
DATA = ROOT / "tests" / "data" / "optimizer"
CVRPLIB = sorted((BENCH / "cvrplib-x").glob("*.vrp"))
KIM = sorted((BENCH / "wcvrptw-kim2006").glob("*_stop.txt"))
needs_bench = needs_shared(BENCH)


@needs_bench
def test_benchmarks_are_there():
    """The shipped benchmark instances are found (six X instances, ten Kim 2006 ones)."""
    assert len(CVRPLIB) == 6 and len(KIM) == 10


@needs_bench
@pytest.mark.parametrize("path", CVRPLIB, ids=lambda p: p.stem)
def test_cvrplib_solution_checks_with_its_stated_cost(path):
    """The BKS .sol visits every customer once within capacity, at exactly its Cost."""
    problem = read_cvrplib(path)
    routes, cost = read_cvrplib_solution(path.with_suffix(".sol"))
    stops = solution_routes_to_stops(problem, routes)
    stops += [[] for _ in range(len(problem.vehicles) - len(stops))]
    plan = build_plan(problem, stops, None, {}, 0.0, None)
    assert check_plan(problem, plan) == []
    assert plan.distance_m == cost


@needs_bench
@pytest.mark.parametrize("path", KIM, ids=lambda p: p.stem)
def test_kim2006_instance_parses(path):
    """Each Kim 2006 file gives one depot, its stops and disposal sites, and a lunch break."""
    problem = read_kim2006(path)
    rows = [line.split() for line in path.read_text().splitlines()[6:] if line.strip()]
    assert len(problem.stops) == sum(1 for r in rows if r[7] == "1")
    assert len(problem.disposal_sites) == sum(1 for r in rows if r[7] == "2")
    lunch_line = path.read_text().splitlines()[3]
    assert problem.vehicles[0].lunch.duration_s == int(float(lunch_line.split("//")[0]))


@needs_bench
def test_kim2006_worked_example_travel_time():
    """benchmark.html: stop 0 -> 1 of 102_stop is 15387 ft, 262.3 s at 40 mph (we round up)."""
    problem = read_kim2006(BENCH / "wcvrptw-kim2006" / "102_stop.txt")
    site = problem.disposal_sites[0]
    assert problem.duration_s[0, site.location] == 263
    assert problem.distance_m[0, site.location] == round(15387 * 0.3048)


def test_bad_cvrplib_file_names_the_line():
    """A non-number coordinate is reported with its line."""
    with pytest.raises(InputFormatError, match=r"bad_cvrplib.vrp: line 8: .*'four'"):
        read_cvrplib(DATA / "bad_cvrplib.vrp")


def test_bad_kim_file_names_the_line():
    """A row with too few fields is reported with its line."""
    with pytest.raises(InputFormatError, match=r"line 9: expected 8 fields, got 6"):
        read_kim2006(DATA / "bad_kim.txt")


def test_bad_json_file_names_the_field():
    """A negative volume is reported with its field path."""
    with pytest.raises(InputFormatError, match=r"stops\[0\]\.volume_l: must not be negative"):
        read_problem_json(DATA / "bad_stop.json")


def test_broken_json_names_the_line(tmp_path):
    """Malformed JSON is reported with its line."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  oops\n}')
    with pytest.raises(InputFormatError, match=r"line 3: not JSON"):
        read_problem_json(path)


def test_json_problem_solves_and_plan_is_json():
    """The small city JSON: two trucks of a kind, HH:MM times, a plan that serialises."""
    problem = read_problem_json(DATA / "small_city.json")
    assert [v.id for v in problem.vehicles] == ["truck-1", "truck-2"]
    assert problem.stops[1].window_start_s == 8 * 3600
    plan = plan_routes(problem, FAST)
    assert check_plan(problem, plan) == []
    doc = json.loads(json.dumps(plan_to_json(plan)))
    assert doc["status"] == "feasible"
    assert doc["routes"][0]["visits"][-1]["kind"] == "disposal"


@needs_bench
def test_cvrplib_solution_writer_format(tmp_path):
    """write_cvrplib_solution writes `Route #k:` lines and `Cost N`, and reads back."""
    problem = read_cvrplib(CVRPLIB[0])
    routes, cost = read_cvrplib_solution(CVRPLIB[0].with_suffix(".sol"))
    stops = solution_routes_to_stops(problem, routes)
    stops += [[] for _ in range(len(problem.vehicles) - len(stops))]
    out = tmp_path / "x.sol"
    write_cvrplib_solution(build_plan(problem, stops, None, {}, 0.0, None), out)
    assert read_cvrplib_solution(out) == (routes, cost)
