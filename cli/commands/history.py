"""`wasteroute history import|calibrate|trial`: a municipality trials the service on its own
set-up and history, against its own practice (docs/municipality.md)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from cli.errors import UserError

STRATEGY_CHOICES = ("replay", "practice", "fixed", "forecast", "threshold", "perfect")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("history", help="trial the service on a municipality's own "
                                              "set-up and emptying records")
    sub = p.add_subparsers(dest="history_command", metavar="COMMAND", required=True)
    imp = sub.add_parser("import", help="check the set-up and records and copy them into a "
                                        "workspace (all or nothing)")
    imp.add_argument("--setup", type=Path, required=True,
                     help="directory with depots, disposal_sites, fleet [, containers, "
                          "calendar.json]")
    imp.add_argument("--weighings", type=Path, required=True, help="emptying records (CSV)")
    imp.add_argument("--readings", type=Path,
                     help="fill readings (time,site,fill_percent or the Enevo export), for the "
                          "density")
    imp.add_argument("--out", type=Path, required=True, help="the workspace to create")
    imp.add_argument("--replace", action="store_true", help="overwrite an existing workspace")
    imp.set_defaults(func=run_import)
    cal = sub.add_parser("calibrate", help="calibrate rates, cluster sizes and density; write "
                                           "calibration.txt and calibration.json")
    cal.add_argument("workspace", type=Path)
    cal.set_defaults(func=run_calibrate)
    tr = sub.add_parser("trial", help="replay, current practice, fixed and the service's policy "
                                      "on a period of the records")
    tr.add_argument("workspace", type=Path)
    tr.add_argument("--start", type=date.fromisoformat, required=True, help="first day")
    tr.add_argument("--days", type=int, default=28)
    tr.add_argument("--strategy", default="replay,practice,fixed,forecast",
                    help=f"comma-separated, of {', '.join(STRATEGY_CHOICES)}")
    tr.add_argument("--seed", type=int, default=1)
    tr.add_argument("--no-scale", action="store_true",
                    help="do not scale deposits to the kg recorded in the period")
    tr.add_argument("--practice-n", type=int,
                    help="current practice: containers per service day (default: the recorded "
                         "visits per day)")
    tr.add_argument("--osrm", metavar="URL", help="road distances from an OSRM server "
                                                  "(default: straight lines x 1.35)")
    tr.add_argument("--workers", type=int, default=2)
    tr.add_argument("--out", type=Path, help="report directory (default: WORKSPACE/report)")
    for key, default, text in (("diesel-l-per-km", 0.55, "diesel per km"),
                               ("euro-per-km", 0.90, "cost per km, fuel excluded"),
                               ("euro-per-crew-hour", 90.0, "crew cost per route hour"),
                               ("euro-per-truck-day", 240.0, "cost per truck on the road")):
        tr.add_argument(f"--{key}", type=float, default=default, help=f"{text} ({default})")
    tr.add_argument("--quiet", action="store_true")
    tr.set_defaults(func=run_trial)


def _fail(exc: Exception) -> UserError:
    return UserError(str(exc))


def run_import(args: argparse.Namespace) -> int:
    from simulator.errors import SimulatorError
    from simulator.history.workspace import import_history

    try:
        ws = import_history(args.setup, args.weighings, args.out, replace=args.replace,
                            readings_file=args.readings)
    except SimulatorError as exc:
        raise _fail(exc) from exc
    m = ws.manifest
    print(f"imported into {ws.path}: {m['weighings']['rows']:,} emptying records "
          f"({m['weighings']['layout']}), {m['setup']['depots']} depots, "
          f"{m['setup']['disposal_sites']} disposal sites, {m['setup']['trucks']} trucks")
    return 0


def _calibrate(workspace: Path):
    from simulator.history import calibrate
    from simulator.history.calibration_text import calibration_text
    from simulator.history.workspace import open_workspace

    ws = open_workspace(workspace)
    t0 = time.perf_counter()
    cal = calibrate(ws.weighings, readings=ws.readings)
    cal.report["calibrate_s"] = round(time.perf_counter() - t0, 2)
    text = calibration_text(cal)
    (workspace / "calibration.txt").write_text(text + "\n", encoding="utf-8")
    (workspace / "calibration.json").write_text(json.dumps(cal.report, indent=2, default=str),
                                                encoding="utf-8")
    return ws, cal, text


def run_calibrate(args: argparse.Namespace) -> int:
    from simulator.errors import SimulatorError

    try:
        _, cal, text = _calibrate(args.workspace)
    except SimulatorError as exc:
        raise _fail(exc) from exc
    print(text)
    print(f"calibrated in {cal.report['calibrate_s']} s; wrote {args.workspace}/calibration.txt "
          "and calibration.json")
    return 0


def run_trial(args: argparse.Namespace) -> int:
    from simulator.errors import SimulatorError
    from simulator.history.city import Period
    from simulator.history.costs import CostFactors
    from simulator.history.report import render_html, report_json, summarise
    from simulator.history.trial import HistoryTrialConfig, run_history_trial

    strategies = tuple(s.strip() for s in args.strategy.split(",") if s.strip())
    bad = [s for s in strategies if s not in STRATEGY_CHOICES]
    if bad or not strategies:
        raise UserError(f"--strategy: unknown {bad[0] if bad else args.strategy!r}; expected "
                        f"{', '.join(STRATEGY_CHOICES)}")
    if args.days < 1:
        raise UserError("--days must be at least 1")
    factors = CostFactors(diesel_l_per_km=args.diesel_l_per_km, euro_per_km=args.euro_per_km,
                          euro_per_crew_hour=args.euro_per_crew_hour,
                          euro_per_truck_day=args.euro_per_truck_day)
    try:
        ws, cal, _ = _calibrate(args.workspace)
        cfg = HistoryTrialConfig(Period(args.start, args.days), strategies=strategies,
                                 seed=args.seed, scale=not args.no_scale,
                                 practice_per_day=args.practice_n, workers=args.workers,
                                 name=args.workspace.resolve().name, osrm_url=args.osrm)
        progress = None if args.quiet else (lambda line: print(line, file=sys.stderr,
                                                                flush=True))
        res = run_history_trial(cal, ws.setup, cfg, progress)
    except SimulatorError as exc:
        raise _fail(exc) from exc
    out = args.out or args.workspace / "report"
    out.mkdir(parents=True, exist_ok=True)
    doc = report_json(res, cal, factors)
    (out / "trial.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    for lang in ("nl", "en"):
        (out / f"report-{lang}.html").write_text(render_html(res, cal, factors, lang),
                                                 encoding="utf-8")
    summary = summarise(res, factors)
    keys = ("km", "route_h", "truck_days", "avg_fill_at_emptying", "service_level",
            "kg_collected", "cost_euro")
    print("strategy".ljust(10) + "".join(k.rjust(22) for k in keys))
    for name, row in summary.items():
        print(name.ljust(10) + "".join(str(row[k]).rjust(22) for k in keys))
    print(f"recorded kg in the period {res.history.recorded_kg:,.0f}; deposits scale "
          f"{res.history.scale:.3f}; distances: {res.distances}; wall time {res.wall_s:.0f} s")
    print(f"reports: {out}/report-nl.html, report-en.html, trial.json")
    return 0
