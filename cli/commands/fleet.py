"""`wasteroute fleet depots|vehicles|disposal-sites add|list|remove`: what planning needs."""

from __future__ import annotations

import argparse
from datetime import time
from typing import Any

from cli.commands.db import database_url_from
from cli.commands.tenants import parse_hhmm
from cli.errors import UserError, missing_tenant, require_tenant


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("fleet", help="depots, vehicles and disposal sites of a tenant")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    kinds = p.add_subparsers(dest="fleet_kind", metavar="KIND", required=True)
    for kind in ("depots", "vehicles", "disposal-sites"):
        k = kinds.add_parser(kind, help=f"{kind}: add, list, remove")
        sub = k.add_subparsers(dest="fleet_action", metavar="ACTION", required=True)
        add = sub.add_parser("add", help=f"add one of the {kind}")
        add.add_argument("--tenant", required=True)
        add.add_argument("--name", required=True)
        if kind == "vehicles":
            add.add_argument("--depot", required=True, help="depot id or name")
            add.add_argument("--capacity-l", type=float, required=True, help="body volume, L")
            add.add_argument("--capacity-kg", type=float, required=True)
            add.add_argument("--compaction", type=float, default=1.0,
                             help="litres of loose waste per litre of body (e.g. 4)")
            add.add_argument("--shift", default="07:00-15:30", help="HH:MM-HH:MM local")
            add.add_argument("--break", dest="break_", default="11:30-12:30/30",
                             help="earliest-latest start / minutes, or 'none'")
            add.add_argument("--max-stops", type=int)
            add.add_argument("--max-kg-per-day", type=float)
            add.add_argument("--fractions", help="comma-separated; default every fraction")
        else:
            add.add_argument("--lat", type=float, required=True)
            add.add_argument("--lon", type=float, required=True)
            if kind == "disposal-sites":
                add.add_argument("--unload-min", type=float, default=15.0)
                add.add_argument("--fractions", help="comma-separated; default every fraction")
        add.set_defaults(func=run_add, kind=kind)
        ls = sub.add_parser("list", help=f"list {kind}")
        ls.add_argument("--tenant", required=True)
        ls.set_defaults(func=run_list, kind=kind)
        rm = sub.add_parser("remove", help=f"remove one of the {kind}")
        rm.add_argument("--tenant", required=True)
        rm.add_argument("id", type=int)
        rm.set_defaults(func=run_remove, kind=kind)


def _fractions(text: str | None):
    from domain import Fraction

    if not text:
        return tuple(Fraction)
    try:
        return tuple(Fraction.parse(x) for x in text.split(",") if x.strip())
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _span(text: str, what: str) -> tuple[time, time]:
    a, sep, b = text.partition("-")
    if not sep:
        raise UserError(f"{what} {text!r}: give HH:MM-HH:MM")
    return parse_hhmm(a, what), parse_hhmm(b, what)


def _vehicle(args, conn):
    from domain import Vehicle
    from storage.fleet import list_depots

    depots = list_depots(conn, args.tenant)
    depot = next((d for d in depots if str(d.id) == args.depot or d.name == args.depot), None)
    if depot is None:
        raise UserError(f"no depot {args.depot!r} for tenant {args.tenant}; add one with "
                        "`wasteroute fleet depots add`")
    start, end = _span(args.shift, "--shift")
    b_early = b_late = None
    b_min = 0.0
    if args.break_.lower() != "none":
        window, _, minutes = args.break_.partition("/")
        b_early, b_late = _span(window, "--break")
        try:
            b_min = float(minutes or 30)
        except ValueError:
            raise UserError(f"--break {args.break_!r}: minutes after '/' must be a number"
                            ) from None
    return Vehicle(id=0, tenant_id="", name=args.name, depot_id=depot.id,
                   capacity_l=args.capacity_l, capacity_kg=args.capacity_kg,
                   compaction_ratio=args.compaction, shift_start=start, shift_end=end,
                   break_start_earliest=b_early, break_start_latest=b_late,
                   break_duration_s=int(b_min * 60), max_stops=args.max_stops,
                   max_load_kg_per_day=args.max_kg_per_day, fractions=_fractions(args.fractions))


def run_add(args: argparse.Namespace) -> int:
    import psycopg

    from domain import DisposalSite, GeoPoint
    from storage import connect, fleet

    made: Any
    with connect(database_url_from(args), autocommit=True) as conn:
        try:
            if args.kind == "depots":
                made = fleet.add_depot(conn, args.tenant, args.name, GeoPoint(args.lat, args.lon))
            elif args.kind == "vehicles":
                made = fleet.add_vehicle(conn, args.tenant, _vehicle(args, conn))
            else:
                made = fleet.add_disposal_site(conn, args.tenant, DisposalSite(
                    id=0, tenant_id="", name=args.name, location=GeoPoint(args.lat, args.lon),
                    unload_time_s=int(args.unload_min * 60), fractions=_fractions(args.fractions)))
        except ValueError as exc:
            raise UserError(str(exc)) from None
        except psycopg.errors.UniqueViolation:
            raise UserError(f"{args.kind}: the name {args.name!r} is taken") from None
        except psycopg.errors.ForeignKeyViolation:
            raise missing_tenant(args.tenant) from None
        except psycopg.errors.CheckViolation as exc:
            raise UserError(f"{args.kind}: {exc.diag.message_primary}") from None
    print(f"added {args.kind[:-1]} {made.id} ({made.name})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from storage import connect, fleet

    with connect(database_url_from(args), autocommit=True) as conn:
        require_tenant(conn, args.tenant)
        if args.kind == "depots":
            for d in fleet.list_depots(conn, args.tenant):
                print(f"{d.id:6} {d.name:24} {d.location.lat:.6f},{d.location.lon:.6f}")
        elif args.kind == "vehicles":
            for v in fleet.list_vehicles(conn, args.tenant):
                print(f"{v.id:6} {v.name:16} depot {v.depot_id:<5} {v.capacity_l:7.0f} L x"
                      f"{v.compaction_ratio:g} {v.capacity_kg:7.0f} kg "
                      f"{v.shift_start:%H:%M}-{v.shift_end:%H:%M} "
                      f"{','.join(map(str, v.fractions)) if len(v.fractions) < 6 else 'all'}")
        else:
            for s in fleet.list_disposal_sites(conn, args.tenant):
                print(f"{s.id:6} {s.name:24} {s.location.lat:.6f},{s.location.lon:.6f} "
                      f"unload {s.unload_time_s // 60} min")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    import psycopg

    from storage import NotFound, connect, fleet

    with connect(database_url_from(args), autocommit=True) as conn:
        try:
            if args.kind == "depots":
                fleet.delete_depot(conn, args.tenant, args.id)
                what = "deleted"
            elif args.kind == "vehicles":
                what = fleet.delete_vehicle(conn, args.tenant, args.id)
            else:
                fleet.delete_disposal_site(conn, args.tenant, args.id)
                what = "deleted"
        except NotFound as exc:
            raise UserError(str(exc)) from None
        except psycopg.errors.ForeignKeyViolation:
            raise UserError(f"{args.kind[:-1]} {args.id} is still in use") from None
    print(f"{args.kind[:-1]} {args.id} {what}")
    return 0
