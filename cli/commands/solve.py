"""`wasteroute solve FILE`: plan one problem file and write the solution.

CVRPLIB input writes a CVRPLIB `.sol` (`Route #k: ...`, `Cost N`); other input writes the plan
as JSON. A summary goes to stderr; the solution to --output, or stdout without it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cli.errors import UserError


def register(subparsers) -> None:
    parser = subparsers.add_parser("solve", help="plan routes for a problem file")
    parser.add_argument("file", type=Path, help="CVRPLIB .vrp, Kim 2006 .txt or JSON problem")
    parser.add_argument(
        "--format",
        choices=["cvrplib", "kim2006", "json"],
        help="input format (default: from the file name)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=10.0, metavar="S", help="seconds of search (default 10)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--output", type=Path, metavar="PATH", help="write the solution here")
    parser.add_argument(
        "--vehicles",
        type=int,
        metavar="N",
        help="Kim 2006 only: trucks available (default: an estimate with a margin)",
    )
    parser.add_argument(
        "--vehicle-cost-km",
        type=float,
        metavar="KM",
        help="Kim 2006 only: cost of using a truck, in km of driving (default 1000: as few "
        "trucks as possible; 0: least distance with the trucks given)",
    )
    parser.set_defaults(func=run)


def guess_format(path: Path) -> str:
    """cvrplib for .vrp, json for .json, kim2006 for .txt."""
    suffix = path.suffix.lower()
    formats = {".vrp": "cvrplib", ".json": "json", ".txt": "kim2006"}
    if suffix not in formats:
        raise UserError(f"{path}: cannot tell the format from '{suffix}'; pass --format")
    return formats[suffix]


def read(path: Path, fmt: str, vehicles: int | None = None, vehicle_cost_km: float | None = None):
    """The problem in the file, or a UserError naming what is wrong."""
    from optimizer import InputFormatError, read_cvrplib, read_kim2006, read_problem_json

    readers = {"cvrplib": read_cvrplib, "kim2006": read_kim2006, "json": read_problem_json}
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if fmt != "kim2006" and (vehicles is not None or vehicle_cost_km is not None):
        raise UserError("--vehicles and --vehicle-cost-km apply to Kim 2006 files only")
    if vehicles is not None and vehicles < 1:
        raise UserError(f"--vehicles must be at least 1, got {vehicles}")
    if vehicle_cost_km is not None and vehicle_cost_km < 0:
        raise UserError(f"--vehicle-cost-km must not be negative, got {vehicle_cost_km}")
    fleet = {}  # Kim 2006 only; the reader's defaults otherwise
    if vehicles is not None:
        fleet["n_vehicles"] = vehicles
    if vehicle_cost_km is not None:
        fleet["vehicle_cost_m"] = round(vehicle_cost_km * 1000)
    try:
        return readers[fmt](path, **fleet)
    except InputFormatError as exc:
        raise UserError(str(exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: not a {fmt} file: {exc}") from None


def run(args) -> int:
    from optimizer import (
        InfeasibleProblemError,
        PlanParams,
        plan_routes,
        plan_to_json,
        write_cvrplib_solution,
    )

    fmt = args.format or guess_format(args.file)
    problem = read(args.file, fmt, args.vehicles, args.vehicle_cost_km)
    params = PlanParams(
        time_limit_s=args.time_limit, seed=args.seed, workers=args.workers, log_progress=True
    )
    try:
        plan = plan_routes(problem, params)
    except InfeasibleProblemError as exc:
        raise UserError(str(exc)) from None
    print(
        f"{problem.name}: {plan.status}, {plan.vehicles_used} routes, distance "
        f"{plan.distance_m}, objective {plan.objective}, {len(plan.unserved)} unserved, "
        f"{plan.runtime_s:.1f} s (first feasible {plan.first_feasible_s or 0:.1f} s)",
        file=sys.stderr,
    )
    text = (
        write_cvrplib_solution(plan)
        if fmt == "cvrplib"
        else json.dumps(plan_to_json(plan), indent=2) + "\n"
    )
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0
