"""`wasteroute calendar show|set|clear`: a tenant's service calendar (per fraction or the
tenant's default), stored in the database (see docs/planning.md, The service calendar)."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

from cli.commands.db import database_url_from
from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("calendar", help="service calendar: served days, holidays, shifts")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    sub = p.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="the calendar that applies, and its service days")
    show.add_argument("tenant_id")
    show.add_argument("--fraction", default="default", help="a fraction, or default")
    show.add_argument("--from", dest="start", type=date.fromisoformat,
                      help="list service days from this date (YYYY-MM-DD)")
    show.add_argument("--days", type=int, default=14, help="days to list (default 14)")
    show.add_argument("--json", action="store_true", help="print the calendar as JSON")
    show.set_defaults(func=run_show)
    st = sub.add_parser("set", help="set the calendar (keys not given keep the defaults)")
    st.add_argument("tenant_id")
    st.add_argument("--fraction", default="default", help="a fraction, or default")
    st.add_argument("--file", type=Path, help="a calendar as JSON (docs/planning.md)")
    st.add_argument("--weekdays", help="served days: mon-fri, mon-sat, mon,wed,fri, 1-5")
    st.add_argument("--holiday-rule", help="skip, day_before, saturday_before, "
                                           "next_service_day, catch_up_saturday or serve")
    st.add_argument("--good-friday", action="store_true", help="Good Friday is a day off")
    st.add_argument("--liberation-day", help="every_year, lustrum or never")
    st.add_argument("--shift", help="every day's shift, HH:MM-HH:MM (default 07:00-15:30)")
    st.add_argument("--saturday-shift", help="Saturday's shift, HH:MM-HH:MM")
    st.set_defaults(func=run_set)
    clr = sub.add_parser("clear", help="remove a fraction's (or the default) calendar")
    clr.add_argument("tenant_id")
    clr.add_argument("--fraction", default="default", help="a fraction, or default")
    clr.set_defaults(func=run_clear)


def _key(fraction: str) -> str:
    from domain import Fraction
    from storage.calendars import DEFAULT_KEY

    if fraction in ("default", DEFAULT_KEY):
        return DEFAULT_KEY
    try:
        return str(Fraction(fraction))
    except ValueError:
        raise UserError(f"--fraction {fraction!r}: give default or one of "
                        f"{', '.join(f.value for f in Fraction)}") from None


def _shift(text: str, option: str) -> dict:
    start, sep, end = text.partition("-")
    if not sep:
        raise UserError(f"{option} {text!r}: give HH:MM-HH:MM, like 07:00-15:30")
    return {"start": start.strip(), "end": end.strip()}


def calendar_spec(args: argparse.Namespace) -> dict:
    """The calendar's JSON form from --file and the options (options win)."""
    spec: dict = {}
    if args.file:
        try:
            spec = json.loads(args.file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"--file {args.file}: {exc}") from None
        if not isinstance(spec, dict):
            raise UserError(f"--file {args.file}: expected a JSON object")
    for key, value in (("weekdays", args.weekdays), ("holiday_rule", args.holiday_rule),
                       ("liberation_day", args.liberation_day)):
        if value is not None:
            spec[key] = value
    if args.good_friday:
        spec["good_friday"] = True
    if args.shift:
        spec["shift"] = _shift(args.shift, "--shift")
    if args.saturday_shift:
        spec.setdefault("shifts", {})["sat"] = _shift(args.saturday_shift, "--saturday-shift")
    return spec


def _conn(args):
    from storage import connect

    return connect(database_url_from(args), autocommit=True)


def run_set(args: argparse.Namespace) -> int:
    from domain.service_calendar import CalendarError, calendar_from_dict
    from storage.calendars import set_calendar
    from storage.errors import NotFound

    key = _key(args.fraction)
    try:
        calendar = calendar_from_dict(calendar_spec(args))
    except CalendarError as exc:
        raise UserError(f"calendar: {exc}") from None
    with _conn(args) as conn:
        try:
            set_calendar(conn, args.tenant_id, key, calendar)
        except NotFound as exc:
            raise UserError(str(exc)) from None
    print(f"{args.tenant_id} {args.fraction}: calendar set")
    _print(calendar)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from domain.service_calendar import calendar_to_dict, service_days, shift_on
    from storage.calendars import get_calendar

    with _conn(args) as conn:
        row = get_calendar(conn, args.tenant_id, _key(args.fraction))
    if args.json:
        print(json.dumps(calendar_to_dict(row.calendar), indent=2))
        return 0
    print(f"{args.tenant_id} {args.fraction}: from the {row.source} calendar")
    _print(row.calendar)
    if args.start:
        if not 1 <= args.days <= 366:
            raise UserError("--days: 1 to 366")
        last = args.start + timedelta(days=args.days - 1)
        for d in service_days(row.calendar, args.start, last):
            shift = shift_on(row.calendar, d)
            assert shift is not None
            print(f"  {d} {d:%a}  {shift.start:%H:%M}-{shift.end:%H:%M}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from storage.calendars import delete_calendar

    with _conn(args) as conn:
        gone = delete_calendar(conn, args.tenant_id, _key(args.fraction))
    print(f"{args.tenant_id} {args.fraction}: " + ("removed" if gone else "had none of its own"))
    return 0


def _print(calendar) -> None:
    from domain.service_calendar import calendar_to_dict

    spec = calendar_to_dict(calendar)
    print(f"  weekdays {','.join(spec['weekdays'])}; holidays: {spec['holiday_rule']}, "
          f"Good Friday {'off' if spec['good_friday'] else 'worked'}, Liberation Day "
          f"{spec['liberation_day']}; shift {spec['shift']['start']}-{spec['shift']['end']}"
          + "".join(f", {d} {s['start']}-{s['end']}" for d, s in spec["shifts"].items())
          + (f"; closed {', '.join(spec['closed_dates'])}" if spec["closed_dates"] else ""))
