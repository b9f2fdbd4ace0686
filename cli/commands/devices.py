"""`wasteroute devices broker-files`: write Mosquitto password and ACL files from the database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("devices", help="sensors: broker password/ACL files")
    sub = parser.add_subparsers(dest="devices_command", metavar="ACTION", required=True)
    files = sub.add_parser("broker-files", help="write Mosquitto password_file and acl_file")
    files.add_argument("--passwd", type=Path, required=True, help="password file to write")
    files.add_argument("--acl", type=Path, required=True, help="ACL file to write")
    files.add_argument("--tenant", help="only this tenant's devices (default: all)")
    files.add_argument(
        "--service-user",
        action="append",
        default=[],
        metavar="NAME=ENVVAR",
        help="a service account that reads every uplink (the ingest: wasteroute-ingest) whose"
        " password is in ENVVAR; may repeat; at least one",
    )
    files.add_argument("--database-url", help="defaults to $DATABASE_URL")
    files.set_defaults(func=run_broker_files)


def run_broker_files(args: argparse.Namespace) -> int:
    from api.broker_files import check_service_username, from_database
    from api.security import mosquitto_hash
    from cli.commands.db import database_url_from
    from storage import DatabaseUnavailable, connect

    services: dict[str, str | None] = {}
    for spec in args.service_user:
        name, _, var = spec.partition("=")
        if not name or not var or not os.environ.get(var):
            raise UserError(
                f"--service-user {spec!r}: use NAME=ENVVAR with ENVVAR set to the password"
            )
        try:
            check_service_username(name)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        services[name] = mosquitto_hash(os.environ[var])
    if not services:
        raise UserError(
            "give the ingest's broker account: --service-user wasteroute-ingest=ENVVAR"
            " (ENVVAR holds its password; see docs/security.md)"
        )
    try:
        with connect(database_url_from(args), autocommit=True) as conn:
            files = from_database(conn, args.tenant, services)
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None
    for path, text in ((args.passwd, files.passwd), (args.acl, files.acl)):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o640)  # readable by the mosquitto group after chgrp
        tmp.replace(path)
    skipped = f"; left out (unsafe names): {', '.join(files.skipped)}" if files.skipped else ""
    print(
        f"wrote {args.passwd} and {args.acl}: {files.devices} device(s), "
        f"{files.integrations} integration account(s), {len(services)} service user(s)"
        f"{skipped}; reload Mosquitto (SIGHUP) to apply"
    )
    return 0
