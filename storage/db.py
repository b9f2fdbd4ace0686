"""Connections: one place that turns DATABASE_URL into psycopg connections and pools."""

from __future__ import annotations

import logging

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

HOW_TO_START = (
    "start the development services with `scripts/services.sh up` "
    "(TimescaleDB on 127.0.0.1:5433), or set DATABASE_URL to a reachable PostgreSQL"
)


def connect(database_url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """Open one connection with dict rows; a clear error if the server cannot be reached."""
    try:
        return psycopg.connect(
            database_url, autocommit=autocommit, row_factory=dict_row, connect_timeout=10
        )
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to {redact(database_url)}: {exc}; {HOW_TO_START}"
        ) from exc


def open_pool(
    database_url: str, *, min_size: int = 1, max_size: int = 8, name: str = "wasteroute"
) -> ConnectionPool:
    """Open a pool and wait until it has a connection, so start-up fails fast and clearly."""
    pool = ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        name=name,
        kwargs={"row_factory": dict_row},
        open=False,
    )
    pool.open()
    try:
        pool.wait(timeout=15)
    except Exception as exc:
        pool.close()
        raise DatabaseUnavailable(
            f"cannot connect to {redact(database_url)}: {exc}; {HOW_TO_START}"
        ) from exc
    return pool


def redact(database_url: str) -> str:
    """The URL with any password replaced by ***, for logs and errors."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(database_url)
    except psycopg.ProgrammingError:
        return "<unparseable DATABASE_URL>"
    if "password" in info:
        info["password"] = "***"
    return " ".join(f"{k}={v}" for k, v in info.items())


def has_timescaledb(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT 1 AS ok FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return row is not None
