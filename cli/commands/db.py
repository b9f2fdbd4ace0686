"""`wasteroute db migrate|status`: the database schema."""

from __future__ import annotations

import argparse

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database schema: migrate, status")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    migrate = sub.add_parser("migrate", help="apply pending migrations (idempotent)")
    migrate.add_argument("--database-url", help="defaults to $DATABASE_URL")
    migrate.set_defaults(func=run_migrate)
    status = sub.add_parser("status", help="show applied and pending migrations")
    status.add_argument("--database-url", help="defaults to $DATABASE_URL")
    status.set_defaults(func=run_status)


def database_url_from(args: argparse.Namespace) -> str:
    from storage.settings import DatabaseSettings

    url = getattr(args, "database_url", None) or DatabaseSettings().database_url
    if not url:
        raise UserError("no database: set DATABASE_URL or pass --database-url "
                        "(for development: scripts/services.sh up, then "
                        "DATABASE_URL=postgresql://postgres@127.0.0.1:5433/wasteroute)")
    return url


def create_database_if_missing(url: str) -> str | None:
    """Create the database named in `url` if the server has none by that name (connecting to
    the server's `postgres` database). Returns the name if it created it."""
    import psycopg
    from psycopg import sql

    from storage import DatabaseUnavailable, connect
    from storage.db import redact

    try:
        connect(url, autocommit=True).close()
        return None
    except DatabaseUnavailable as exc:
        if "does not exist" not in str(exc):
            raise
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = str(info.get("dbname") or "")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    try:
        with connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        raise UserError(f"database {name!r} does not exist and this user may not create it: "
                        f"ask an administrator to run CREATE DATABASE {name} on "
                        f"{redact(admin)}") from None
    except psycopg.errors.DuplicateDatabase:
        return None  # created meanwhile by someone else
    return name


def run_migrate(args: argparse.Namespace) -> int:
    from storage import MigrationError, connect, has_timescaledb, migrate

    url = database_url_from(args)
    created = create_database_if_missing(url)
    if created:
        print(f"created database {created}")
    try:
        with connect(url, autocommit=True) as conn:
            applied = migrate(conn)
            timescale = has_timescaledb(conn)
    except MigrationError as exc:
        raise UserError(str(exc)) from exc
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    print(f"schema up to date ({len(applied)} applied now); readings is a "
          f"{'TimescaleDB hypertable' if timescale else 'plain table (no TimescaleDB)'}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from storage import applied_versions, available_migrations, connect

    with connect(database_url_from(args), autocommit=True) as conn:  # errors: cli.errors
        done = set(applied_versions(conn))
    for m in available_migrations():
        print(f"{'applied' if m.version in done else 'pending'}  {m.version:04d}_{m.name}")
    return 0
