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
        help="a reading service user (e.g. the ingest) whose password is in ENVVAR; may repeat",
    )
    files.add_argument("--database-url", help="defaults to $DATABASE_URL")
    files.set_defaults(func=run_broker_files)


def run_broker_files(args: argparse.Namespace) -> int:
    from api.broker_files import acl_file, password_file
    from api.security import mosquitto_hash
    from cli.commands.db import database_url_from
    from storage import DatabaseUnavailable, connect
    from storage import devices as devices_store

    services: dict[str, str] = {}
    for spec in args.service_user:
        name, _, var = spec.partition("=")
        if not name or not var or not os.environ.get(var):
            raise UserError(
                f"--service-user {spec!r}: use NAME=ENVVAR with ENVVAR set to the password"
            )
        services[name] = mosquitto_hash(os.environ[var])
    try:
        with connect(database_url_from(args), autocommit=True) as conn:
            devices = devices_store.broker_credentials(conn, args.tenant)
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None
    readers = list(services) or ["wasteroute-ingest"]
    for path, text in (
        (args.passwd, password_file(devices, services)),
        (args.acl, acl_file(devices, readers)),
    ):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o640)  # readable by the mosquitto group after chgrp
        tmp.replace(path)
    print(
        f"wrote {args.passwd} and {args.acl}: {len(devices)} device(s), "
        f"{len(services)} service user(s);"
        " reload Mosquitto (SIGHUP) to apply"
    )
    return 0
