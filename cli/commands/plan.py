"""`wasteroute plan --tenant T --date D [--fraction F]`: forecast, select, solve, store; and
`wasteroute plans list|show|publish|jobs|queue` for stored plans and planning jobs."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from cli.commands.db import database_url_from
from cli.errors import UserError, require_tenant


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("plan", help="plan a day: forecast, select, route, store")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    p.add_argument("--tenant", required=True)
    p.add_argument("--date", required=True, type=_date, help="YYYY-MM-DD")
    p.add_argument("--fraction", help="default: every fraction the tenant has")
    p.add_argument("--time-limit", type=float, default=30.0, help="solver seconds (default 30)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help="solver processes for large plans")
    p.add_argument("--now", type=_instant, help="forecast time, ISO (default: now)")
    p.add_argument("--publish", action="store_true", help="publish the new version")
    p.add_argument("--stale-after-h", type=float, default=24.0,
                   help="a sensor quiet this long is stale (default 24 h)")
    p.set_defaults(func=run_plan)
    fc = subparsers.add_parser("forecast", help="each container's forecast (uCIFI names)")
    fc.add_argument("--database-url", help="defaults to $DATABASE_URL")
    fc.add_argument("--tenant", required=True)
    fc.add_argument("--fraction")
    fc.add_argument("--now", type=_instant, help="forecast time, ISO (default: now)")
    fc.add_argument("--limit", type=int, default=50, help="rows to print (fullest first)")
    fc.add_argument("--json", action="store_true", help="JSON lines: fillingLevel, "
                    "averageFillingSpeed (%%/day), forecastFullDate, health")
    fc.set_defaults(func=run_forecast)
    ps = subparsers.add_parser("plans", help="stored plans: list, show, publish; planning jobs")
    ps.add_argument("--database-url", help="defaults to $DATABASE_URL")
    sub = ps.add_subparsers(dest="plans_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="a tenant's stored plans, newest first")
    ls.add_argument("--tenant", required=True)
    ls.add_argument("--date", type=_date)
    ls.set_defaults(func=run_list)
    show = sub.add_parser("show", help="routes, stops and selection of one plan")
    show.add_argument("plan_id", type=int)
    show.add_argument("--tenant", required=True)
    show.add_argument("--decisions", action="store_true", help="list every decision")
    show.set_defaults(func=run_show)
    pub = sub.add_parser("publish", help="publish a plan to the drivers")
    pub.add_argument("plan_id", type=int)
    pub.add_argument("--tenant", required=True)
    pub.set_defaults(func=run_publish)
    jobs = sub.add_parser("jobs", help="recent planning jobs with status and attempts")
    jobs.add_argument("--tenant")
    jobs.set_defaults(func=run_jobs)
    q = sub.add_parser("queue", help="queue a plan job for the workers")
    q.add_argument("--tenant", required=True)
    q.add_argument("--date", required=True, type=_date)
    q.add_argument("--fraction", required=True)
    q.add_argument("--time-limit", type=float, default=30.0)
    q.set_defaults(func=run_queue)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-25") from None


def _instant(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2026-11-25T05:00") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _fraction(text: str | None):
    from domain import Fraction

    if text is None:
        return None
    try:
        return Fraction.parse(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run_plan(args: argparse.Namespace) -> int:
    from api.planning import PlanSettings, plan_day, publish
    from planning import ForecastConfig
    from planning.problem import PlanningInputError
    from storage import NotFound, connect

    settings = PlanSettings(time_limit_s=args.time_limit, seed=args.seed, workers=args.workers,
                            forecast=ForecastConfig(stale_after_s=args.stale_after_h * 3600))
    with connect(database_url_from(args), autocommit=True) as conn:
        require_tenant(conn, args.tenant)
        if args.fraction is None and (why := _nothing_to_plan(conn, args.tenant)):
            raise UserError(why)
        try:
            outcomes = plan_day(conn, args.tenant, args.date, _fraction(args.fraction), settings,
                                trigger="cli", now=args.now)
        except (NotFound, PlanningInputError) as exc:
            raise UserError(str(exc)) from None
        if not outcomes:
            raise UserError(_nothing_to_plan(conn, args.tenant) or "nothing to plan")
        for o in outcomes:
            if args.publish:
                publish(conn, args.tenant, o.plan_id)
            print(summary(o, published=args.publish))
    return 0


def _nothing_to_plan(conn, tenant_id: str) -> str | None:
    """Why `plan_day` would plan no fraction (no containers, or no vehicle for any of them);
    None if some fraction can be planned."""
    from storage.containers import list_fractions
    from storage.fleet import list_vehicles

    fractions = list_fractions(conn, tenant_id)
    if not fractions:
        return (f"tenant {tenant_id} has no containers: import some with "
                "`wasteroute containers import FILE --tenant " + tenant_id + "`")
    names = ", ".join(str(f) for f in fractions)
    if any(list_vehicles(conn, tenant_id, fraction=f) for f in fractions):
        return None
    if not list_vehicles(conn, tenant_id):
        return (f"tenant {tenant_id} has containers ({names}) but no vehicles: add one with "
                f"`wasteroute fleet vehicles add --tenant {tenant_id} ...`")
    return (f"tenant {tenant_id} has containers ({names}) but no vehicle carries any of these "
            "fractions: add one with `wasteroute fleet vehicles add --fractions ...`")


def run_forecast(args: argparse.Namespace) -> int:
    import json

    from api.planning import forecast_tenant
    from storage import connect

    with connect(database_url_from(args), autocommit=True) as conn:
        require_tenant(conn, args.tenant)
        forecasts = forecast_tenant(conn, args.tenant, _fraction(args.fraction), now=args.now)
    rows = sorted(forecasts.values(), key=lambda f: -f.fill_at(f.at_s))
    for f in rows[: args.limit]:
        full = f.full_at()
        full_iso = None if full is None else datetime.fromtimestamp(full, UTC).isoformat()
        if args.json:
            print(json.dumps({"container_id": f.container_id,
                              "fillingLevel": round(min(1.0, f.fill_at(f.at_s)), 4),
                              "averageFillingSpeed": round(100 * f.average_filling_speed, 2),
                              "forecastFullDate": full_iso, "health": list(f.health),
                              "method": f.method}))
        else:
            print(f"c{f.container_id:<8} {f.fill_at(f.at_s):5.0%} "
                  f"{100 * f.average_filling_speed:5.1f} %/day  full {full_iso or '-':32} "
                  f"{f.method:16} {','.join(f.health)}")
    if not args.json:
        print(f"{len(rows)} containers" + (f" ({args.limit} fullest shown)"
                                           if len(rows) > args.limit else ""))
    return 0


def summary(o, published: bool = False) -> str:
    c = o.counts
    health = ", ".join(f"{k} {v}" for k, v in sorted(o.health_counts.items())) or "all healthy"
    lines = [
        f"plan {o.plan_id}: {o.tenant_id} {o.plan_date} {o.fraction}, version {o.version} "
        f"({'published' if published else 'draft'}, {o.status})",
        f"  containers seen  {o.containers_seen} (sensors: {health})",
        f"  must / optional / skipped  {c['must']} / {c['optional']} / {c['skip']}",
        f"  vehicles used    {o.vehicles_used}",
        f"  distance         {o.distance_m / 1000:.1f} km",
        f"  hours            {o.duration_s / 3600:.1f} h",
        f"  solve time       {o.solve_time_s:.1f} s (total {o.total_time_s:.1f} s)",
    ]
    if o.unserved_required:
        lines.append(f"  WARNING: {o.unserved_required} must containers could not be served; "
                     f"see `wasteroute plans show {o.plan_id} --tenant {o.tenant_id} --decisions`")
    return "\n".join(lines)


def run_list(args: argparse.Namespace) -> int:
    from storage import connect
    from storage.plans import list_plans

    with connect(database_url_from(args), autocommit=True) as conn:
        require_tenant(conn, args.tenant)
        for p in list_plans(conn, args.tenant, plan_date=args.date):
            print(f"{p['id']:7} {p['plan_date']} {p['fraction']:9} v{p['version']:<3} "
                  f"{p['status']:10} {p['n_served']:5} served {p['distance_m'] / 1000:8.1f} km "
                  f"{p['vehicles_used']:3} vehicles  {p['trigger']} "
                  f"{p['created_at']:%Y-%m-%d %H:%M}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from storage import NotFound, connect, plans

    with connect(database_url_from(args), autocommit=True) as conn:
        try:
            p = plans.get_plan(conn, args.tenant, args.plan_id)
        except NotFound as exc:
            raise UserError(str(exc)) from None
        print(f"plan {p['id']} {p['plan_date']} {p['fraction']} v{p['version']} {p['status']}: "
              f"{p['n_must']} must, {p['n_optional']} optional, {p['n_skipped']} skipped, "
              f"{p['n_served']} served, {p['distance_m'] / 1000:.1f} km")
        from zoneinfo import ZoneInfo

        from storage.tenants import get_tenant

        tz = ZoneInfo(get_tenant(conn, args.tenant).timezone)
        stops = plans.list_plan_stops(conn, args.tenant, args.plan_id)
        for r in plans.list_plan_routes(conn, args.tenant, args.plan_id):
            mine = [s for s in stops if s["route_no"] == r["route_no"]]
            print(f"  route {r['route_no']} {r['vehicle_name']}: "
                  f"{r['start_at'].astimezone(tz):%H:%M}-{r['end_at'].astimezone(tz):%H:%M} "
                  f"{tz.key}, {r['n_containers']} containers, "
                  f"{r['n_unloads']} unloads, {r['distance_m'] / 1000:.1f} km")
            print("    " + " ".join(f"c{s['container_id']}" if s["kind"] == "container"
                                    else f"[unload {s['disposal_site_id']}]" for s in mine))
        if args.decisions:
            for d in plans.list_plan_decisions(conn, args.tenant, args.plan_id):
                served = "served" if d["served"] else "not served"
                if d["unserved_reason"]:
                    served += f" ({d['unserved_reason']})"
                print(f"  c{d['container_id']:<7} {d['decision']:8} {served}: {d['reason']}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from storage import NotFound, connect
    from storage.plans import publish_plan

    with connect(database_url_from(args), autocommit=True) as conn:
        try:
            p = publish_plan(conn, args.tenant, args.plan_id)
        except (NotFound, ValueError) as exc:
            raise UserError(str(exc)) from None
    print(f"plan {p['id']} ({p['plan_date']} {p['fraction']} v{p['version']}) is published")
    return 0


def run_jobs(args: argparse.Namespace) -> int:
    from api.jobs import ensure_queue_schema, recent_jobs
    from storage import connect

    url = database_url_from(args)
    if args.tenant:
        with connect(url, autocommit=True) as conn:
            require_tenant(conn, args.tenant)
    ensure_queue_schema(url)
    with connect(url, autocommit=True) as conn:
        for j in recent_jobs(conn, args.tenant):
            a = j["args"]
            print(f"{j['id']:7} {j['status']:10} attempts {j['attempts']} {a.get('tenant_id')} "
                  f"{a.get('plan_date')} {a.get('fraction')} (last event {j['last_event_at']})")
    return 0


def run_queue(args: argparse.Namespace) -> int:
    from api.jobs import build_app, ensure_queue_schema, queue_plan
    from storage import connect

    url = database_url_from(args)
    with connect(url, autocommit=True) as conn:
        require_tenant(conn, args.tenant)
    ensure_queue_schema(url)
    app = build_app(url)
    with app.open():
        job = queue_plan(app, args.tenant, args.date, str(_fraction(args.fraction)),
                         time_limit_s=args.time_limit, trigger="cli")
    print(f"queued job {job}" if job else "already queued")
    return 0
