"""CLI errors: one place that turns what went wrong into one line for the person at the
terminal (what is wrong and what to do), printed without a traceback, exit code 2.

`UserError` is raised by the commands themselves; `user_message` also maps the errors every
command can meet without asking for them (no database, no schema, a missing file) so each
command need not repeat the mapping. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re


class UserError(Exception):
    """Bad input from the person at the terminal: a wrong file, flag or value."""


NO_SCHEMA = "run `wasteroute db migrate` to create it"
NO_DATABASE_HINT = "`wasteroute db migrate` creates it"
TENANT_HINT = "`wasteroute tenants list` shows the tenants, `wasteroute tenants add` adds one"


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed: a message is exactly one line."""
    return re.sub(r"\s+", " ", text).strip()


def _missing_database(text: str) -> str | None:
    found = re.search(r'database "([^"]+)" does not exist', text)
    return found.group(1) if found else None


def _database_message(exc: Exception) -> str:
    from storage.db import HOW_TO_START

    text = str(exc)
    missing = _missing_database(text)
    if missing:
        return f"database {missing!r} does not exist: {NO_DATABASE_HINT}"
    # psycopg's own text ends in the server's detail; keep the first sentence of it
    found = re.search(r"cannot connect to (.+?): ", text)
    where = found.group(1) if found else "the database"
    if "password authentication failed" in text:
        return f"cannot connect to {where}: wrong user or password in DATABASE_URL"
    if "refused" in text:
        return f"cannot connect to {where} (connection refused): {HOW_TO_START}"
    detail = text.split(": ", 1)[-1].split(f"; {HOW_TO_START}")[0]  # psycopg's own reason
    return f"cannot connect to {where}: {detail}; check DATABASE_URL, or {HOW_TO_START}"


def _bad_address(text: str) -> bool:
    """psycopg's words for a DATABASE_URL it cannot parse."""
    return any(w in text for w in ("connection info string", "invalid URI",
                                   "invalid connection option"))


def user_message(exc: BaseException) -> str | None:
    """The one line for an error the user can fix, or None for a bug (keeps its traceback)."""
    import psycopg

    from storage.errors import DatabaseUnavailable, MigrationError, NotFound

    if isinstance(exc, UserError):
        inner = exc.__cause__ or exc.__context__  # a command that wrapped it as it was
        if isinstance(inner, DatabaseUnavailable):
            return one_line(_database_message(inner))
        return one_line(str(exc))
    if isinstance(exc, DatabaseUnavailable):
        return one_line(_database_message(exc))
    if isinstance(exc, psycopg.errors.UndefinedTable):
        table = re.search(r'relation "([^"]+)"', str(exc))
        what = f" (table {table.group(1)} is missing)" if table else ""
        return f"the database has no wasteroute schema{what}: {NO_SCHEMA}"
    if isinstance(exc, psycopg.errors.UndefinedColumn):
        return one_line(f"the database schema is out of date ({exc}): run `wasteroute db migrate`")
    if isinstance(exc, psycopg.ProgrammingError) and _bad_address(str(exc)):
        return one_line(f"DATABASE_URL (or --database-url) is not a database address: {exc}; "
                        "write it as postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE")
    if isinstance(exc, psycopg.OperationalError):
        return one_line(f"the database connection failed: {str(exc).splitlines()[0]}; try again, "
                        "and check the database with `wasteroute db status`")
    if isinstance(exc, MigrationError):
        return one_line(f"migration failed: {exc}")
    if isinstance(exc, NotFound):
        tenant = re.fullmatch(r"no tenant '([^']*)'", str(exc))
        return str(missing_tenant(tenant.group(1))) if tenant else one_line(str(exc))
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}: check the path"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} is a directory: give a file"
    if isinstance(exc, PermissionError):
        return f"cannot read {exc.filename}: permission denied"
    if isinstance(exc, OSError) and exc.filename:
        return one_line(f"cannot use {exc.filename}: {exc.strerror}")
    if isinstance(exc, UnicodeDecodeError):
        return f"the file is not UTF-8 text ({exc.reason}): save it as UTF-8 and try again"
    return None


def missing_tenant(tenant_id: str) -> UserError:
    return UserError(f"tenant {tenant_id!r} does not exist: {TENANT_HINT}")


def require_tenant(conn, tenant_id: str) -> None:
    """A UserError naming the tenant if it does not exist."""
    from storage.errors import NotFound
    from storage.tenants import get_tenant

    try:
        get_tenant(conn, tenant_id)
    except NotFound:
        raise missing_tenant(tenant_id) from None
