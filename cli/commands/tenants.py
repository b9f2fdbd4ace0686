"""`wasteroute tenants add|list|schedule|policy`: municipalities, their planning time and
selection policy."""

from __future__ import annotations

import argparse
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cli.commands.db import database_url_from
from cli.errors import UserError, missing_tenant


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("tenants", help="tenants: add, list, schedule, policy")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    sub = p.add_subparsers(dest="tenants_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a tenant (municipality)")
    add.add_argument("tenant_id", help="slug: lower-case letters, digits, - and _")
    add.add_argument("--name", required=True)
    add.add_argument("--timezone", default="Europe/Amsterdam")
    add.set_defaults(func=run_add)
    sub.add_parser("list", help="list tenants and their plan schedule").set_defaults(func=run_list)
    sch = sub.add_parser("schedule", help="set when the daily plan runs (tenant's local time)")
    sch.add_argument("tenant_id")
    sch.add_argument("--at", default="05:00", help="local time, HH:MM (default 05:00)")
    sch.add_argument("--day-offset", type=int, default=0, help="0: plan the same day")
    sch.add_argument("--time-limit", type=float, default=30.0, help="solver seconds per plan")
    sch.add_argument("--auto-publish", action="store_true")
    sch.add_argument("--disable", action="store_true")
    sch.set_defaults(func=run_schedule)
    pol = sub.add_parser("policy", help="set the selection policy (per fraction, or '*')")
    pol.add_argument("tenant_id")
    pol.add_argument("--fraction", default="*", help="a fraction, or * for the default")
    pol.add_argument("--must", type=float, default=0.8, help="must level (default 0.8)")
    pol.add_argument("--skip", type=float, default=0.5, help="skip level (default 0.5)")
    pol.add_argument("--weekdays", default="1,2,3,4,5", help="ISO collection days, 1 = Monday")
    pol.add_argument("--prize-m", type=int, default=20_000, help="max prize, metres of driving")
    pol.add_argument("--area-sweeps", type=int, choices=(0, 1, 2), default=0,
                     help="area days: sweep each compact area of the fraction once or twice a "
                          "week, collecting what could not wait for its next sweep (default 0: "
                          "off; see docs/planning.md)")
    pol.add_argument("--risk-threshold", type=float, default=0.01,
                     help="risk rule: a container must be emptied when its probability of "
                          "overflowing before the next chance passes this (default 0.01)")
    pol.add_argument("--overflow-cost-m", type=int, default=50_000,
                     help="risk rule: what an overflow costs, in metres of driving (default "
                          "50000)")
    pol.set_defaults(func=run_policy)


def parse_hhmm(text: str, what: str = "time") -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} {text!r} is not a time of day like 05:00") from None


def _conn(args):
    from storage import connect

    return connect(database_url_from(args), autocommit=True)


def run_add(args: argparse.Namespace) -> int:
    import psycopg

    from storage.tenants import add_tenant

    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {args.timezone!r}") from None
    with _conn(args) as conn:
        try:
            t = add_tenant(conn, args.tenant_id, args.name, args.timezone)
        except psycopg.errors.UniqueViolation:
            raise UserError(f"tenant {args.tenant_id!r} exists already") from None
        except psycopg.errors.CheckViolation:
            raise UserError(f"tenant id {args.tenant_id!r}: use lower-case letters, digits, "
                            "- and _ (at most 63)") from None
    print(f"added tenant {t.id} ({t.name}, {t.timezone})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from storage.tenants import list_plan_schedules, list_tenants

    with _conn(args) as conn:
        schedules = {s.tenant_id: s for s in list_plan_schedules(conn)}
        for t in list_tenants(conn):
            s = schedules[t.id]
            state = "on" if s.enabled else "off"
            print(f"{t.id:20} {t.name:30} {t.timezone:18} plans at {s.local_time:%H:%M} "
                  f"(+{s.day_offset} d, {s.time_limit_s:g} s, {state})")
    return 0


def run_schedule(args: argparse.Namespace) -> int:
    from storage import NotFound
    from storage.tenants import set_plan_schedule

    with _conn(args) as conn:
        try:
            s = set_plan_schedule(conn, args.tenant_id, local_time=parse_hhmm(args.at),
                                  day_offset=args.day_offset, time_limit_s=args.time_limit,
                                  auto_publish=args.auto_publish, enabled=not args.disable)
        except NotFound:
            raise missing_tenant(args.tenant_id) from None
    print(f"{s.tenant_id}: plans at {s.local_time:%H:%M} {s.timezone} for day +{s.day_offset}, "
          f"{'enabled' if s.enabled else 'disabled'}")
    return 0


def run_policy(args: argparse.Namespace) -> int:
    import psycopg

    from storage.plans import PolicyRow, set_selection_policy

    fraction = args.fraction if args.fraction == "*" else str(_fraction(args.fraction))
    try:
        days = tuple(sorted({int(d) for d in args.weekdays.split(",") if d.strip()}))
    except ValueError:
        raise UserError(f"--weekdays {args.weekdays!r}: give ISO days like 1,2,3,4,5") from None
    if not days or not set(days) <= set(range(1, 8)):
        raise UserError(f"--weekdays {args.weekdays!r}: days must be 1 (Monday) .. 7 (Sunday)")
    with _conn(args) as conn:
        try:
            set_selection_policy(conn, args.tenant_id, PolicyRow(
                fraction, args.must, args.skip, days, args.prize_m, args.area_sweeps,
                args.risk_threshold, args.overflow_cost_m))
        except psycopg.errors.CheckViolation:
            raise UserError("levels: need 0 <= --skip < --must <= 1.5, 0 < --risk-threshold "
                            "< 1 and --overflow-cost-m >= 0") from None
        except psycopg.errors.ForeignKeyViolation:
            raise missing_tenant(args.tenant_id) from None
    print(f"{args.tenant_id} {fraction}: must >= {args.must:.0%}, skip <= {args.skip:.0%}, "
          f"collection days {','.join(map(str, days))}"
          + (f", area sweeps {args.area_sweeps} a week" if args.area_sweeps else
             f", risk threshold {args.risk_threshold:.2%}, overflow {args.overflow_cost_m} m"))
    return 0


def _fraction(text: str):
    from domain import Fraction

    try:
        return Fraction.parse(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None
