"""`wasteroute bench trial`: the 28-day default city with the fair fixed schedule, the
service's policy (`forecast`) and the perfect-information reference, on one or more service
calendars; prints the table and each target of issue 18 as met or not, writes JSON.

The trial's routing is searched with a solution budget (`TrialConfig.solver_budget`), so the
figures do not depend on how busy the machine is; the wall time does (it is printed with the
load average at the start and the end).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cli.errors import UserError

POLICY = "forecast"  # the service's own selection


@dataclass(frozen=True, slots=True)
class Target:
    """One target: `figure` of the policy against `limit` (times fixed's, when `of_fixed`)."""

    name: str
    figure: str
    limit: float
    at_least: bool
    of_fixed: bool = False

    def check(self, policy: dict, fixed: dict | None) -> tuple[float | None, bool]:
        """(the measured value, met?); the value is a ratio to fixed for `of_fixed`."""
        value = float(policy[self.figure])
        if self.of_fixed:
            if not fixed or not fixed[self.figure]:
                return None, False
            value = value / float(fixed[self.figure])
        return value, value >= self.limit if self.at_least else value <= self.limit


TARGETS = (
    Target("service level >= 99.9%", "service_level", 0.999, at_least=True),
    Target("fill at emptying >= 80%", "avg_fill_at_emptying", 0.80, at_least=True),
    Target("km <= 0.75 x fixed", "km", 0.75, at_least=False, of_fixed=True),
    Target("route hours <= 0.70 x fixed", "route_h", 0.70, at_least=False, of_fixed=True),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("trial", help="28-day trial: fixed, the service's policy and "
                                            "perfect information, against issue 18's targets")
    p.add_argument("--days", type=int, default=28)
    p.add_argument("--containers", type=int, default=1500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 4, 20))
    p.add_argument("--calendar", action="append",
                   help="mon-fri (default), mon-sat, or a calendar JSON file; repeat to run "
                        "several (e.g. --calendar mon-fri --calendar mon-sat)")
    p.add_argument("--strategies", default=f"fixed,{POLICY},perfect",
                   help=f"comma-separated (default fixed,{POLICY},perfect)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--json", type=Path, help="write every figure, per day too, as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def check_targets(summaries: dict[str, dict]) -> list[dict]:
    """Each target, its measured value and whether the policy meets it."""
    if POLICY not in summaries:
        return []
    out = []
    for t in TARGETS:
        value, met = t.check(summaries[POLICY], summaries.get("fixed"))
        out.append({"target": t.name, "value": None if value is None else round(value, 5),
                    "met": met})
    return out


def _run_one(city, args, calendar_text: str, strategies: tuple[str, ...]) -> dict:
    from cli.commands.trial import parse_calendar
    from simulator.trial import TrialConfig, run_trial
    from simulator.trial.report import render_table, results_json

    config = TrialConfig(days=args.days, start=args.start, deposit_seed=args.seed,
                         strategies=strategies, workers=args.workers,
                         calendar=parse_calendar(calendar_text))
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    load0, t0 = os.getloadavg(), time.perf_counter()
    results = run_trial(city, config, progress)
    wall, load1 = time.perf_counter() - t0, os.getloadavg()
    print(f"\n== calendar {calendar_text}: {len(city.containers)} containers, {args.days} days "
          f"from {args.start}; wall {wall:.0f} s, load {load0[0]:.1f} -> {load1[0]:.1f}")
    print(render_table(results))
    data = results_json(results)
    targets = check_targets(data["results"])
    for t in targets:
        shown = "n/a" if t["value"] is None else (
            f"{t['value']:.3%}" if "x fixed" not in t["target"] else f"{t['value']:.3f}")
        print(f"  {'PASS' if t['met'] else 'FAIL'}  {POLICY}: {t['target']}  (measured {shown})")
    return {"calendar": calendar_text, "wall_s": round(wall, 1),
            "load_avg_start": round(load0[0], 2), "load_avg_end": round(load1[0], 2),
            "targets": targets, **data}


def run(args: argparse.Namespace) -> int:
    from simulator import CitySpec, generate_city

    if args.days < 1 or args.containers < 10:
        raise UserError("--days must be at least 1 and --containers at least 10")
    strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    from cli.commands.trial import parse_strategies

    strategies = parse_strategies(",".join(strategies))
    calendars = args.calendar or ["mon-fri"]
    city = generate_city(CitySpec(n_containers=args.containers, seed=args.seed))
    began = datetime.now(UTC)
    runs = [_run_one(city, args, text, strategies) for text in calendars]
    report = {"command": "wasteroute bench trial " + " ".join(sys.argv[3:]),
              "commit": _commit(), "started_at": began.isoformat(timespec="seconds"),
              "cores": os.cpu_count(), "runs": runs}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"JSON: {args.json.resolve()}")
    return 0
