"""`wasteroute solve`: CVRPLIB in, .sol out; JSON in, JSON out; a bad file gives one line."""

from __future__ import annotations

import json
from pathlib import Path

from cli.main import main
from optimizer import read_cvrplib_solution
from tests.optimizer.test_formats import BENCH, CVRPLIB, DATA, needs_bench


@needs_bench
def test_solve_cvrplib_writes_a_sol_file(tmp_path):
    """X-n101 for 2 s: a .sol with routes over all 100 customers and its cost."""
    out = tmp_path / "x.sol"
    n101 = next(p for p in CVRPLIB if p.stem == "X-n101-k25")
    code = main(["solve", str(n101), "--time-limit", "2", "--output", str(out)])
    routes, cost = read_cvrplib_solution(out)
    assert code == 0
    assert sorted(c for r in routes for c in r) == list(range(1, 101))
    assert cost is not None and cost >= 27591


def test_solve_json_writes_the_plan(tmp_path, capsys):
    """The small city JSON gives a feasible JSON plan on stdout and a summary on stderr."""
    assert main(["solve", str(DATA / "small_city.json"), "--time-limit", "1"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "feasible"
    assert "small-city: feasible" in captured.err


def test_bad_file_gives_one_clear_line(capsys):
    """A malformed problem file exits 2 with the file, the field and no traceback."""
    assert main(["solve", str(DATA / "bad_stop.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "stops[0].volume_l" in err


def test_unknown_extension_asks_for_format(tmp_path, capsys):
    """A file whose format cannot be guessed asks for --format."""
    path = Path(tmp_path / "problem.dat")
    path.write_text("x")
    assert main(["solve", str(path)]) == 2
    assert "pass --format" in capsys.readouterr().err


@needs_bench
def test_kim_fleet_and_vehicle_cost(tmp_path, capsys):
    """--vehicles and --vehicle-cost-km set a Kim 2006 fleet: 102_stop on 3 trucks at no
    cost per truck uses at most 3 and serves every stop."""
    path = BENCH / "wcvrptw-kim2006" / "102_stop.txt"
    args = ["solve", str(path), "--time-limit", "3", "--vehicles", "3"]
    assert main([*args, "--vehicle-cost-km", "0", "--output", str(tmp_path / "p.json")]) == 0
    plan = json.loads((tmp_path / "p.json").read_text())
    assert plan["status"] == "feasible" and not plan["unserved"]
    assert len([r for r in plan["routes"] if r["visits"]]) <= 3


@needs_bench
def test_fleet_options_are_checked(capsys):
    """The fleet options are for Kim files only, and a bad value is named."""
    n101 = next(p for p in CVRPLIB if p.stem == "X-n101-k25")
    assert main(["solve", str(n101), "--vehicles", "3"]) == 2
    assert "Kim 2006 files only" in capsys.readouterr().err
    path = BENCH / "wcvrptw-kim2006" / "102_stop.txt"
    assert main(["solve", str(path), "--vehicle-cost-km", "-1"]) == 2
    assert "must not be negative" in capsys.readouterr().err
