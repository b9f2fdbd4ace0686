"""`wasteroute bench solver`: the optimizer on the shared benchmarks and a generated city.

CVRPLIB X: cost, gap to the BKS in the .sol file, time. Kim 2006: vehicles, distance (miles),
feasibility (the independent checker) against REFERENCE.md. The Kim target is the least
distance with no more trucks than the reference, so by default each instance gets the
reference's fleet at no cost per truck (`--kim-fleet reference`); `--kim-fleet fewest` gives
the reader's default instead (an estimated fleet, 1,000 km per truck used). city5000: a
generated city of 5,000 containers (optional stops, 2 disposal sites): feasibility, time to
first feasible, peak memory (`cli.bench.memory`: the PSS of the solver's processes, sampled).
One line per instance as it finishes; `-v` logs the search's progress.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from pathlib import Path

from cli.bench.memory import PeakMemory
from cli.errors import UserError

MILE_M = 1609.344
#: Kim 2006 target: feasible, no more trucks than the reference, distance within 5% of it.
KIM_DISTANCE_TOLERANCE = 0.05


def register(subparsers) -> None:
    p = subparsers.add_parser("solver", help="optimizer on CVRPLIB X, Kim 2006, a 5,000-stop city")
    p.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds per CVRPLIB instance (default 60); Kim and city get "
        "--kim-time-limit / --city-time-limit",
    )
    p.add_argument("--kim-time-limit", type=float, default=120.0, metavar="S")
    p.add_argument("--city-time-limit", type=float, default=120.0, metavar="S")
    p.add_argument(
        "--instances",
        nargs="*",
        metavar="NAME",
        help="e.g. X-n101-k25 102_stop city5000 (default: all)",
    )
    p.add_argument(
        "--benchmarks-dir", type=Path, help="default $WASTEROUTE_BENCHMARKS or ../shared/benchmarks"
    )
    p.add_argument(
        "--kim-fleet",
        choices=["reference", "fewest"],
        default="reference",
        help="Kim 2006 trucks: the reference's, at no cost per truck (default: the target), "
        "or as few as possible (an estimate at 1,000 km per truck)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def benchmarks_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    env = os.environ.get("WASTEROUTE_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"


def kim_reference(path: Path) -> dict[str, tuple[int, float]]:
    """instance -> (vehicles, total distance in miles) from REFERENCE.md's table."""
    out = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and re.fullmatch(r"\d+_stop", cells[0]):
            out[cells[0]] = (int(cells[3]), float(cells[4]))
    return out


def run(args) -> int:
    from optimizer import PlanParams

    root = benchmarks_dir(args.benchmarks_dir)
    cvrp = sorted(
        (root / "cvrplib-x").glob("*.vrp"), key=lambda p: int(p.stem.split("-n")[1].split("-")[0])
    )
    kim = sorted((root / "wcvrptw-kim2006").glob("*_stop.txt"), key=lambda p: int(p.stem[:-5]))
    jobs = [("cvrplib", p.stem, p) for p in cvrp] + [("kim", p.stem, p) for p in kim]
    jobs.append(("city", "city5000", None))
    if args.instances:
        jobs = [j for j in jobs if j[1] in set(args.instances)]
        if not jobs:
            raise UserError(f"no instance named {' '.join(args.instances)} under {root}")
    if not cvrp and not kim:
        raise UserError(f"no benchmarks under {root}; pass --benchmarks-dir")
    reference = kim_reference(root / "wcvrptw-kim2006" / "REFERENCE.md")
    gaps: list[float] = []
    kim_met: list[bool] = []
    for kind, name, path in jobs:
        limit = {
            "cvrplib": args.time_limit,
            "kim": args.kim_time_limit,
            "city": args.city_time_limit,
        }[kind]
        params = PlanParams(
            time_limit_s=limit, seed=args.seed, workers=args.workers, log_progress=True
        )
        print(f"{name}: solving ({limit:.0f} s) ...", file=sys.stderr, flush=True)
        line, result = _run_one(kind, name, path, params, reference, args.kim_fleet)
        print(line, flush=True)
        if kind == "cvrplib":
            gaps.append(result)
        elif kind == "kim":
            kim_met.append(result)
    if gaps:
        print(
            f"CVRPLIB mean gap {sum(gaps) / len(gaps):.2f}% over {len(gaps)} instances, "
            f"max {max(gaps):.2f}%"
        )
    if kim_met:
        print(
            f"Kim 2006 ({args.kim_fleet} fleet): target met on {sum(kim_met)} of "
            f"{len(kim_met)} instances"
        )
    return 0


def _run_one(kind, name, path, params, reference, kim_fleet) -> tuple[str, float | bool | None]:
    from optimizer import (
        InfeasibleProblemError,
        check_plan,
        plan_routes,
        read_cvrplib,
        read_cvrplib_solution,
        read_kim2006,
    )
    from optimizer.generate import generate_city

    if kind == "cvrplib":
        problem = read_cvrplib(path)
        _, bks = read_cvrplib_solution(path.with_suffix(".sol"))
    elif kind == "kim" and kim_fleet == "reference" and name in reference:
        problem = read_kim2006(path, reference[name][0], 0)
    elif kind == "kim":
        problem = read_kim2006(path)
    else:
        problem = generate_city(5000)
    t0 = time.monotonic()
    peak = PeakMemory()  # sampled for the city only: the sampling takes a little CPU
    with peak if kind == "city" else contextlib.nullcontext():
        try:
            plan = plan_routes(problem, params)
            ok = "feasible" if not check_plan(problem, plan) else "INFEASIBLE"
        except InfeasibleProblemError as exc:  # report it and go on with the next instance
            plan = exc.plan
            ok = f"INFEASIBLE: {len(exc.unserved)} required stops unserved"
    wall = time.monotonic() - t0
    first = f"{plan.first_feasible_s:.1f}" if plan.first_feasible_s is not None else "-"
    if kind == "cvrplib":
        gap = 100.0 * (plan.distance_m - bks) / bks
        return (
            f"{name:12s} cost {plan.distance_m:7d}  BKS {bks:7d}  gap {gap:5.2f}%  "
            f"routes {plan.vehicles_used:3d}  {wall:5.1f} s  {ok}"
        ), gap
    if kind == "kim":
        miles = plan.distance_m / MILE_M
        ref_v, ref_mi = reference.get(name, (0, 0.0))
        vs = f"{100 * (miles - ref_mi) / ref_mi:+.1f}%" if ref_mi else "n/a"
        met = (
            ok == "feasible"
            and bool(ref_mi)
            and plan.vehicles_used <= ref_v
            and miles <= (1 + KIM_DISTANCE_TOLERANCE) * ref_mi
        )
        return (
            f"{name:12s} vehicles {plan.vehicles_used:3d} (ref {ref_v})  distance "
            f"{miles:8.2f} mi (ref {ref_mi:.2f}, {vs})  unserved {len(plan.unserved)}  "
            f"{wall:5.1f} s  {ok}  target {'met' if met else 'NOT met'}"
        ), met
    served = sum(1 for r in plan.routes for v in r.visits if v.kind == "stop")
    return (
        f"{name:12s} stops {len(problem.stops)} served {served} routes "
        f"{plan.vehicles_used}  distance {plan.distance_m / 1000:.1f} km  first feasible "
        f"{first} s  {wall:5.1f} s  peak {peak.gb:.2f} GB ({peak.method})  {ok}"
    ), None
