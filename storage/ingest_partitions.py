"""What the partitioned ingest reads and locks: device keys and partition leases.

A lease is a session-level advisory lock on a dedicated connection: PostgreSQL releases it the
moment that connection ends (a worker killed, its host gone), so a partition is never held by
a dead worker, and never by two live ones. Keys are two int4s: a namespace derived from the
ingest's client id (so separate ingest deployments on one database do not meet) and a number.
Two namespaces per deployment: partitions (number = partition) and workers (number = worker
index, held for as long as the worker lives, to count the live workers).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import psycopg
from psycopg.rows import tuple_row

from storage.db import HOW_TO_START, redact
from storage.errors import DatabaseUnavailable


@dataclass(frozen=True, slots=True)
class DeviceKey:
    """What the topics of an active device are made of."""

    tenant_id: str
    device_id: str
    dev_eui: str | None


@dataclass(frozen=True, slots=True)
class LeaseSpace:
    """The advisory-lock namespaces of one ingest deployment (by its client id prefix)."""

    partitions: int
    workers: int

    @classmethod
    def of(cls, client_id: str) -> LeaseSpace:
        def key(text: str) -> int:
            return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF

        return cls(key(f"{client_id}/partitions"), key(f"{client_id}/workers"))


def connect_leases(database_url: str) -> psycopg.Connection:
    """A dedicated autocommit connection for leases; a dead link shows within a few seconds."""
    try:
        return psycopg.connect(
            database_url,
            autocommit=True,
            row_factory=tuple_row,
            connect_timeout=3,
            keepalives=1,
            keepalives_idle=2,
            keepalives_interval=1,
            keepalives_count=2,
            tcp_user_timeout=3000,
            application_name="wasteroute-ingest-leases",
        )
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to {redact(database_url)}: {exc}; {HOW_TO_START}"
        ) from exc


def try_lease(conn: psycopg.Connection, space: int, number: int) -> bool:
    """Take lock (space, number) for this connection's session, if free."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("SELECT pg_try_advisory_lock(%s, %s)", (space, number)).fetchone()
    return bool(row and row[0])


def release_lease(conn: psycopg.Connection, space: int, number: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s, %s)", (space, number))


def held_leases(conn: psycopg.Connection, space: int) -> dict[int, int]:
    """Number → pid of the backend holding it, for every granted lock in `space`."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(
            "SELECT objid::bigint, pid FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            " AND classid = %s::bigint::oid"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (space,),
        ).fetchall()
    return {int(number): int(pid) for number, pid in rows}


def backend_pid(conn: psycopg.Connection) -> int:
    return int(conn.info.backend_pid)


def active_device_keys(conn: psycopg.Connection) -> list[DeviceKey]:
    """Every active device's tenant, device id and DevEUI (all tenants: the ingest serves all)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT tenant_id, device_id, dev_eui FROM devices WHERE active ORDER BY device_id"
        )
        return [DeviceKey(r[0], r[1], r[2]) for r in cur.fetchall()]
