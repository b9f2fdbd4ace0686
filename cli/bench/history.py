"""`wasteroute bench history`: the municipality trial on Amsterdam-Zuid's own records.

1. Calibration of the full two-year Zuid file (target <= 30 s on 2 cores).
2. A 28-day trial with replay, current practice, fixed and the service's policy
   (target <= 5 minutes on 2 cores), with the Zuid example set-up in
   docs/examples/amsterdam-zuid. Prints the figures per strategy and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date
from pathlib import Path

from cli.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
ZUID = ROOT.parent / "shared" / "realdata" / "amsterdam-weging-zuid" / \
    "ams-rest-weging-zuid-2020-2021.csv.gz"
SETUP = ROOT / "docs" / "examples" / "amsterdam-zuid"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("history", help="calibrate and trial on Amsterdam-Zuid's records")
    p.add_argument("--weighings", type=Path, default=ZUID)
    p.add_argument("--setup", type=Path, default=SETUP)
    p.add_argument("--start", type=date.fromisoformat, default=date(2021, 3, 1))
    p.add_argument("--days", type=int, default=28)
    p.add_argument("--strategy", default="replay,practice,fixed,forecast")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--calibrate-only", action="store_true")
    p.add_argument("--osrm", metavar="URL")
    p.add_argument("--json", type=Path, default=Path("bench-history.json"))
    p.add_argument("--out", type=Path, help="also write the HTML reports here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simulator.errors import SimulatorError
    from simulator.history import calibrate, read_setup, read_weighings
    from simulator.history.city import Period
    from simulator.history.costs import CostFactors
    from simulator.history.report import render_html, report_json
    from simulator.history.trial import HistoryTrialConfig, run_history_trial

    if not args.weighings.exists():
        raise UserError(f"{args.weighings}: no such file (the Zuid records live in "
                        "../shared/realdata/amsterdam-weging-zuid)")
    try:
        t0 = time.perf_counter()
        weighings = read_weighings(args.weighings)
        t1 = time.perf_counter()
        cal = calibrate(weighings)
        t2 = time.perf_counter()
        print(f"calibration: read {len(weighings):,} rows in {t1 - t0:.1f} s, calibrated "
              f"{len(cal.site_ids):,} sites in {t2 - t1:.1f} s; total {t2 - t0:.1f} s "
              f"(target <= 30 s); load average {os.getloadavg()[0]:.2f}")
        out: dict = {"calibration_s": round(t2 - t0, 2), "read_s": round(t1 - t0, 2),
                     "calibration": cal.report}
        if not args.calibrate_only:
            strategies = tuple(s for s in args.strategy.split(",") if s)
            cfg = HistoryTrialConfig(Period(args.start, args.days), strategies=strategies,
                                     seed=args.seed, workers=args.workers, name="Amsterdam-Zuid",
                                     osrm_url=args.osrm)
            res = run_history_trial(cal, read_setup(args.setup), cfg,
                                    lambda line: print(line, flush=True))
            doc = report_json(res, cal, CostFactors())
            out["trial"] = doc
            print(f"trial: {args.days} days from {args.start}, {len(res.history.city.containers)}"
                  f" clusters, {len(res.history.city.vehicles)} trucks, wall {res.wall_s:.0f} s "
                  f"(target <= 300 s); load average {os.getloadavg()[0]:.2f}")
            keys = ("km", "route_h", "truck_days", "collections", "avg_fill_at_emptying",
                    "service_level", "kg_collected", "cost_euro")
            print("strategy".ljust(10) + "".join(k.rjust(21) for k in keys))
            for name, row in doc["summary"].items():
                print(name.ljust(10) + "".join(str(row[k]).rjust(21) for k in keys))
            print(f"recorded kg {res.history.recorded_kg:,.0f}, deposit scale "
                  f"{res.history.scale:.3f}, practice N {res.practice_per_day}/day")
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                for lang in ("nl", "en"):
                    (args.out / f"report-{lang}.html").write_text(
                        render_html(res, cal, CostFactors(), lang), encoding="utf-8")
    except SimulatorError as exc:
        raise UserError(str(exc)) from exc
    args.json.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    print(f"JSON: {args.json.resolve()}")
    return 0
