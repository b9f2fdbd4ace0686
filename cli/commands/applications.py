"""`wasteroute applications add|list|remove`: a tenant's The Things Stack and ChirpStack
applications, so the topic of a LoRaWAN uplink decides its tenant (docs/ingest.md)."""

from __future__ import annotations

import argparse

from cli.commands.db import database_url_from
from cli.errors import UserError, require_tenant

FORMATS = {"tts": "tts-v3", "chirpstack": "chirpstack-v4"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "applications", help="a tenant's LoRaWAN network-server applications: add, list, remove"
    )
    p.add_argument("--database-url", help="defaults to $DATABASE_URL")
    sub = p.add_subparsers(dest="applications_command", metavar="ACTION", required=True)
    for name, helptext in (
        ("add", "register an application to a tenant"),
        ("remove", "unregister a tenant's application"),
    ):
        a = sub.add_parser(name, help=helptext)
        a.add_argument("--tenant", required=True)
        a.add_argument("--format", required=True, choices=sorted(FORMATS))
        a.add_argument(
            "application",
            help="TTS: {app}@{tts-tenant} as in v3/{app}@{tts-tenant}/devices/...; "
            "ChirpStack: the application id as in application/{id}/device/...",
        )
        a.set_defaults(func=run_add if name == "add" else run_remove)
    ls = sub.add_parser("list", help="a tenant's applications")
    ls.add_argument("--tenant", required=True)
    ls.set_defaults(func=run_list)


def _app(args: argparse.Namespace):
    from ingest.decode import TOPIC_ID
    from storage.ingest_applications import IngestApplication

    if "/" in args.application or "+" in args.application or "#" in args.application:
        raise UserError(f"application {args.application!r} must be one topic level (no / + #)")
    if not TOPIC_ID.fullmatch(args.application):
        raise UserError(f"application {args.application!r} must be 1-128 printable characters")
    return IngestApplication(FORMATS[args.format], args.application, args.tenant)


def _conn(args: argparse.Namespace):
    from storage import connect

    return connect(database_url_from(args), autocommit=True)


def run_add(args: argparse.Namespace) -> int:
    from storage.ingest_applications import add_application

    app = _app(args)
    with _conn(args) as conn:
        require_tenant(conn, args.tenant)
        if not add_application(conn, app):
            raise UserError(
                f"{args.format} application {app.application!r} is already registered; "
                "remove it first (`wasteroute applications remove`)"
            )
    print(f"{app.tenant_id}: {args.format} application {app.application} registered")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from storage.ingest_applications import remove_application

    app = _app(args)
    with _conn(args) as conn:
        require_tenant(conn, args.tenant)
        if not remove_application(conn, app):
            raise UserError(
                f"tenant {args.tenant!r} has no {args.format} application {app.application!r}"
            )
    print(f"{app.tenant_id}: {args.format} application {app.application} removed")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from storage.ingest_applications import tenant_applications

    names = {v: k for k, v in FORMATS.items()}
    with _conn(args) as conn:
        require_tenant(conn, args.tenant)
        for app in tenant_applications(conn, args.tenant):
            print(f"{names[app.source_format]:12} {app.application}")
    return 0
