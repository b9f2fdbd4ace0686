"""`wasteroute users add|list|set|delete`: people who log in to the API (operators, planners,
drivers). `set` and `delete` end the user's tokens at once (the database bumps its token
version; every API process hears of it): the way to revoke an operator, whom the tenant-scoped
HTTP API cannot reach."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="API users: add, list")
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a user (operator, planner or driver)")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=["operator", "planner", "driver"])
    add.add_argument("--tenant", help="the tenant (not for operators)")
    add.add_argument("--vehicle", type=int, help="drivers: the vehicle id they drive")
    add.add_argument("--name", help="full name")
    add.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the password from this environment variable (else prompt, or "
        "generate one when stdin is not a terminal)",
    )
    add.add_argument("--database-url", help="defaults to $DATABASE_URL")
    add.set_defaults(func=run_add)
    ls = sub.add_parser("list", help="list a tenant's users (or the operators)")
    ls.add_argument("--tenant", help="omit for operators")
    ls.add_argument("--database-url", help="defaults to $DATABASE_URL")
    ls.set_defaults(func=run_list)
    st = sub.add_parser("set", help="change a user: deactivate, activate, new password")
    st.add_argument("--username", required=True)
    state = st.add_mutually_exclusive_group()
    state.add_argument("--deactivate", action="store_true", help="refuse its logins and tokens")
    state.add_argument("--activate", action="store_true")
    st.add_argument("--password-env", metavar="VAR", help="new password from this variable")
    st.add_argument("--database-url", help="defaults to $DATABASE_URL")
    st.set_defaults(func=run_set)
    rm = sub.add_parser("delete", help="delete a user (its tokens and API keys stop working)")
    rm.add_argument("--username", required=True)
    rm.add_argument("--database-url", help="defaults to $DATABASE_URL")
    rm.set_defaults(func=run_delete)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise UserError(f"environment variable {args.password_env} is empty or unset")
        return value, False
    if sys.stdin.isatty():
        value = getpass.getpass("password (8+ characters): ")
        if getpass.getpass("again: ") != value:
            raise UserError("the passwords differ")
        return value, False
    return secrets.token_urlsafe(15), True


def run_add(args: argparse.Namespace) -> int:
    import psycopg

    from api.security import hash_password
    from cli.commands.db import database_url_from
    from storage import DatabaseUnavailable, api_fleet, connect, migrate
    from storage import users as users_store

    if (args.role == "operator") != (args.tenant is None):
        raise UserError("operators have no --tenant; planners and drivers need one")
    if args.vehicle is not None and args.role != "driver":
        raise UserError("--vehicle is only for drivers")
    password, generated = _password(args)
    if len(password) < 8:
        raise UserError("the password needs at least 8 characters")
    try:
        with connect(database_url_from(args), autocommit=True) as conn:
            migrate(conn)
            if (
                args.tenant
                and not conn.execute(
                    "SELECT 1 FROM tenants WHERE id = %s", (args.tenant,)
                ).fetchone()
            ):
                raise UserError(
                    f"no tenant {args.tenant!r} (create it with `wasteroute tenants add`"
                    " or POST /v1/tenants as an operator)"
                )
            if args.vehicle is not None and not api_fleet.vehicle_exists(
                conn, args.tenant, args.vehicle
            ):
                raise UserError(f"no vehicle {args.vehicle} in tenant {args.tenant!r}")
            user = users_store.create_user(
                conn,
                tenant_id=args.tenant,
                username=args.username,
                password_hash=hash_password(password),
                role=args.role,
                vehicle_id=args.vehicle,
                full_name=args.name,
            )
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None
    except psycopg.errors.UniqueViolation:
        raise UserError(f"username {args.username!r} is taken") from None
    except psycopg.errors.CheckViolation:
        raise UserError(f"username {args.username!r}: 2-100 of A-Z a-z 0-9 . _ @ -") from None
    print(
        f"added {user['role']} {user['username']} (id {user['id']}"
        f"{', tenant ' + user['tenant_id'] if user['tenant_id'] else ''}"
        f"{', vehicle ' + str(user['vehicle_id']) if user['vehicle_id'] else ''})"
    )
    if generated:
        print(f"password: {password}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from cli.commands.db import database_url_from
    from storage import connect
    from storage import users as users_store

    with connect(database_url_from(args), autocommit=True) as conn:
        rows, _ = users_store.list_users(conn, args.tenant, limit=10_000)
    for u in rows:
        print(
            f"{u['id']:6d}  {u['role']:8s}  {u['username']:30s}  vehicle={u['vehicle_id'] or '-'}"
            f"  {'active' if u['active'] else 'inactive'}"
        )
    return 0


def _existing(conn, username: str) -> dict:
    from storage import users as users_store

    user = users_store.find_user_by_username(conn, username)
    if user is None:
        raise UserError(f"no user {username!r} (see `wasteroute users list`)")
    return user


def run_set(args: argparse.Namespace) -> int:
    from api.security import hash_password
    from cli.commands.db import database_url_from
    from storage import DatabaseUnavailable, connect
    from storage import users as users_store

    changes: dict[str, object] = {}
    if args.deactivate or args.activate:
        changes["active"] = bool(args.activate)
    if args.password_env:
        password, _ = _password(args)
        if len(password) < 8:
            raise UserError("the password needs at least 8 characters")
        changes["password_hash"] = hash_password(password)
    if not changes:
        raise UserError("nothing to change: give --deactivate, --activate or --password-env")
    try:
        with connect(database_url_from(args), autocommit=True) as conn:
            user = _existing(conn, args.username)
            users_store.update_user(conn, user["tenant_id"], user["id"], changes)
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None
    done = ", ".join(
        ("active" if changes["active"] else "deactivated") if k == "active" else "new password"
        for k in changes
    )
    print(f"{args.username}: {done}; its tokens no longer work")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from cli.commands.db import database_url_from
    from storage import DatabaseUnavailable, connect
    from storage import users as users_store

    try:
        with connect(database_url_from(args), autocommit=True) as conn:
            user = _existing(conn, args.username)
            users_store.delete_user(conn, user["tenant_id"], user["id"])
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None
    print(f"deleted {user['role']} {args.username}; its tokens and API keys no longer work")
    return 0
