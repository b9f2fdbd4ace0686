"""`wasteroute containers import|list`: a tenant's containers."""

from __future__ import annotations

import argparse

from cli.commands.db import database_url_from
from cli.errors import UserError, missing_tenant, require_tenant


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("containers", help="containers: import (CSV/GeoJSON), list")
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    sub = p.add_subparsers(dest="containers_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="import or update containers from CSV or GeoJSON")
    imp.add_argument("file")
    imp.add_argument("--tenant", required=True)
    imp.add_argument("--default-volume-l", type=float, default=4000.0,
                     help="volume where the file has none (default 4000 L, underground)")
    imp.add_argument("--fraction", help="fraction where the file has none")
    imp.set_defaults(func=run_import)
    ls = sub.add_parser("list", help="list containers")
    ls.add_argument("--tenant", required=True)
    ls.add_argument("--fraction")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(func=run_list)


def run_import(args: argparse.Namespace) -> int:
    import psycopg

    from domain import Fraction
    from planning.container_files import ContainerFileError, read_container_file
    from storage import NotFound, connect
    from storage.containers import upsert_containers
    from storage.tenants import get_tenant

    try:
        default = Fraction.parse(args.fraction) if args.fraction else None
        containers = read_container_file(args.file, default_volume_l=args.default_volume_l,
                                         default_fraction=default)
    except (ContainerFileError, ValueError) as exc:  # OSError: cli.errors says which file
        raise UserError(str(exc)) from None
    with connect(database_url_from(args), autocommit=True) as conn:
        try:
            get_tenant(conn, args.tenant)
            result = upsert_containers(conn, args.tenant, containers)
        except NotFound:
            raise missing_tenant(args.tenant) from None
        except psycopg.errors.CheckViolation as exc:
            raise UserError(f"a container breaks a rule: {exc.diag.message_primary}") from None
    by_fraction: dict[str, int] = {}
    for c in containers:
        by_fraction[str(c.fraction)] = by_fraction.get(str(c.fraction), 0) + 1
    print(f"{args.file}: {len(containers)} containers "
          f"({', '.join(f'{k} {v}' for k, v in sorted(by_fraction.items()))}); "
          f"{result.inserted} new, {result.updated} updated for tenant {args.tenant}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from domain import Fraction
    from storage import connect
    from storage.containers import count_containers, list_containers

    fraction = None
    if args.fraction:
        try:
            fraction = Fraction.parse(args.fraction)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    with connect(database_url_from(args), autocommit=True) as conn:
        require_tenant(conn, args.tenant)
        total = count_containers(conn, args.tenant, fraction)
        for c in list_containers(conn, args.tenant, fraction=fraction, limit=args.limit):
            print(f"{c.id:8} {c.external_id:32} {c.fraction:9} {c.volume_l:7.0f} L "
                  f"{c.location.lat:.6f},{c.location.lon:.6f} {c.address or ''}")
    print(f"{total} containers" + (f" ({args.limit} shown)" if total > args.limit else ""))
    return 0
