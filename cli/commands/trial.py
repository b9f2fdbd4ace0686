"""`wasteroute trial`: what would we save? Fixed, threshold and forecast strategies compared
offline on the same seeded city and deposits (see docs/trial.md)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("trial", help="compare fixed, threshold and forecast strategies "
                                            "offline on a simulated city")
    p.add_argument("--days", type=int, default=28, help="days to simulate (default 28)")
    p.add_argument("--strategy", default="all",
                   help="fixed|threshold|forecast|all, or a comma-separated list; add "
                        "'perfect' for the perfect-information reference (knows the true fill "
                        "and every future deposit: what no forecast can beat)")
    p.add_argument("--containers", type=int, default=1500,
                   help="size of the generated city (default 1500)")
    p.add_argument("--seed", type=int, default=1, help="city and deposit seed")
    p.add_argument("--city-file", type=Path,
                   help="your own containers (CSV or GeoJSON) instead of a generated city")
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 4, 20),
                   help="first day (default 2026-04-20, a Monday; King's Day falls in it)")
    p.add_argument("--threshold", type=float, default=0.7,
                   help="fill level of the threshold strategy (default 0.7)")
    p.add_argument("--must-level", type=float, default=0.9,
                   help="forecast strategy: must collect if the forecast's upper bound reaches "
                        "this before the next chance (default 0.9)")
    p.add_argument("--must-z", type=float, default=1.65,
                   help="forecast strategy: the upper bound is the forecast plus this many "
                        "standard deviations (default 1.65: 95%%)")
    p.add_argument("--skip-level", type=float, default=0.6,
                   help="forecast strategy: skip at or below this fill (default 0.6)")
    p.add_argument("--prize", type=int, default=2000,
                   help="forecast strategy: metres of detour an optional stop is worth at most "
                        "(default 2000)")
    p.add_argument("--calendar", default="mon-fri",
                   help="service days: mon-fri (default), mon-sat, any weekdays like "
                        "mon,wed,fri, or a calendar JSON file (docs/planning.md)")
    p.add_argument("--solver-budget", choices=("solutions", "time"), default="solutions",
                   help="solutions (default): a count per problem, so the same trial gives "
                        "the same figures however busy the machine; time: wall-clock seconds "
                        "(--solver-s-per-100, --solver-cap), not repeatable")
    p.add_argument("--solutions-per-100", type=float, default=60.0,
                   help="solutions searched per 100 stops of a problem (default 60)")
    p.add_argument("--max-solutions", type=int, default=100,
                   help="at most this many solutions per problem (default 100)")
    p.add_argument("--solver-s-per-100", type=float, default=1.0,
                   help="with --solver-budget time: solver seconds per 100 stops per fraction "
                        "and day (default 1.0)")
    p.add_argument("--solver-cap", type=float, default=5.0,
                   help="with --solver-budget time: at most this many solver seconds per "
                        "fraction and day (default 5)")
    p.add_argument("--workers", type=int, default=2, help="solver processes (default 2)")
    p.add_argument("--osrm", metavar="URL", help="road distances from an OSRM server "
                                                 "(default: straight lines x 1.35)")
    p.add_argument("--html", type=Path, default=Path("trial-report.html"),
                   help="where to write the HTML report (default trial-report.html)")
    p.add_argument("--json", type=Path, help="also write the figures as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def parse_strategies(text: str) -> tuple[str, ...]:
    from simulator.trial import REFERENCES, STRATEGIES

    names: list[str] = []
    for part in (s.strip() for s in text.split(",") if s.strip()):
        names.extend(STRATEGIES if part == "all" else (part,))
    bad = [n for n in names if n not in STRATEGIES + REFERENCES]
    if bad or not names:
        raise UserError(f"--strategy: unknown strategy {bad[0] if bad else text!r}; expected "
                        f"fixed, threshold, forecast, all, or the reference perfect")
    return tuple(dict.fromkeys(names))


def parse_calendar(text: str):
    """A trial's calendar: served weekdays ("mon-sat") or a calendar JSON file."""
    from domain.service_calendar import (
        CalendarError,
        ServiceCalendar,
        calendar_from_dict,
        parse_weekdays,
    )

    path = Path(text)
    try:
        if text.endswith(".json") or path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UserError(f"--calendar {text}: {exc}") from None
            return calendar_from_dict(data)
        return ServiceCalendar(weekdays=parse_weekdays(text))
    except CalendarError as exc:
        raise UserError(f"--calendar {text}: {exc}") from None


def trial_config(args: argparse.Namespace, strategies: tuple[str, ...]):
    """The trial's configuration from the command line (shared with `wasteroute bench trial`)."""
    from simulator.trial import TrialConfig

    if args.max_solutions < 1 or args.solutions_per_100 <= 0:
        raise UserError("--max-solutions and --solutions-per-100 must be positive")
    return TrialConfig(days=args.days, start=args.start, deposit_seed=args.seed,
                       strategies=strategies, calendar=parse_calendar(args.calendar),
                       solver_budget=args.solver_budget,
                       solver_solutions_per_100_stops=args.solutions_per_100,
                       solver_max_solutions=args.max_solutions,
                       solver_s_per_100_stops=args.solver_s_per_100,
                       solver_cap_s=args.solver_cap, workers=args.workers,
                       threshold=args.threshold, must_level=args.must_level,
                       skip_level=args.skip_level, must_z=args.must_z, prize_m=args.prize)


def run(args: argparse.Namespace) -> int:
    from simulator import CitySpec, SimulatorError, generate_city
    from simulator.loading import load_containers
    from simulator.trial import run_trial
    from simulator.trial.report import render_html, render_table, results_json

    if args.days < 1:
        raise UserError("--days must be at least 1")
    strategies = parse_strategies(args.strategy)
    try:
        if args.city_file:
            city, report = load_containers(args.city_file, seed=args.seed, skip_bad=True)
            print(f"loaded {len(city.containers)} containers from {args.city_file} "
                  f"(skipped {sum(report.skipped.values())})")
        else:
            city = generate_city(CitySpec(n_containers=args.containers, seed=args.seed))
        config = trial_config(args, strategies)
        print(f"trial: {city.name}, {len(city.containers)} containers, {len(city.vehicles)} "
              f"trucks, {args.days} days from {args.start}, strategies {', '.join(strategies)}, "
              f"calendar {args.calendar}, solver budget {args.solver_budget}", flush=True)
        t0 = time.perf_counter()
        progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
        if args.osrm:  # road distances for every strategy (the workers inherit it)
            from optimizer import OsrmTableProvider
            from simulator.trial.routing import use_matrix_provider

            roads = OsrmTableProvider(args.osrm)
            try:  # fail now, not after the warm-up
                roads.matrices([city.depots[0].location, city.containers[0].location])
            except Exception as exc:  # MatrixProviderError, or an answer we cannot read
                raise UserError(f"--osrm: {exc}") from exc
            use_matrix_provider(roads)
            print(f"distances: road network from OSRM at {args.osrm}", flush=True)
        results = run_trial(city, config, progress)
        wall = time.perf_counter() - t0
    except SimulatorError as exc:
        raise UserError(str(exc)) from exc
    from simulator.trial.engine import every_day_reference

    reference = every_day_reference(city, config)
    container_days = len(city.containers) * args.days
    print(render_table(results))
    print(f"wall time {wall:.0f} s")
    ref_text = ", ".join(f"{k} {v} ({1 - v / container_days:.3%})" for k, v in reference.items())
    print(f"reference, every container emptied on every service day: overflow container-days "
          f"(service level) at {ref_text}")
    notes = (f"{city.name}: {len(city.containers)} containers, {args.days} days from "
             f"{args.start}, seed {args.seed}, calendar {args.calendar}, solver budget "
             f"{args.solver_budget}; wall time {wall:.0f} s. Reference, every "
             f"container emptied on every service day, overflow container-days at {ref_text}")
    args.html.write_text(render_html(results, "wasteroute trial", notes), encoding="utf-8")
    print(f"HTML report: {args.html.resolve()}")
    if args.json:
        args.json.write_text(json.dumps({"wall_s": round(wall, 1), "notes": notes,
                                         "every_day_reference": reference,
                                         **results_json(results)}, indent=2),
                             encoding="utf-8")
    return 0
