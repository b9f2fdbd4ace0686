"""Containers of one tenant: list, get, add, upsert (import), delete.

Every function takes `tenant_id` and filters on it; another tenant's container is `NotFound`.
Records in are `domain.Container`; their `id` and `tenant_id` are ignored on insert (the
database assigns the id, the `tenant_id` argument wins). `external_id` is the natural key
within a tenant: importing the same file twice updates rather than duplicates.

Public API: `list_containers`, `get_container`, `add_container`, `upsert_containers`,
`delete_container`, `count_containers`, `list_fractions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from domain import Container, Fraction, GeoPoint
from storage.errors import NotFound

_COLUMNS = ("external_id", "lat", "lon", "fraction", "volume_l", "depth_mm", "model",
            "service_time_s", "open_from", "open_until", "address")
_SELECT = "SELECT id, tenant_id, " + ", ".join(_COLUMNS) + " FROM containers"


@dataclass(frozen=True, slots=True)
class UpsertResult:
    inserted: int
    updated: int


def list_containers(conn: psycopg.Connection, tenant_id: str, *,
                    fraction: Fraction | None = None, limit: int | None = None,
                    offset: int = 0) -> list[Container]:
    """The tenant's containers by id, optionally of one fraction, optionally paged."""
    sql = _SELECT + " WHERE tenant_id = %s"
    params: list = [tenant_id]
    if fraction is not None:
        sql += " AND fraction = %s"
        params.append(str(fraction))
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return [_container(r) for r in conn.execute(sql, params)]


def count_containers(conn: psycopg.Connection, tenant_id: str,
                     fraction: Fraction | None = None) -> int:
    sql, params = "SELECT count(*) AS n FROM containers WHERE tenant_id = %s", [tenant_id]
    if fraction is not None:
        sql += " AND fraction = %s"
        params.append(str(fraction))
    return int(conn.execute(sql, params).fetchone()["n"])


def get_container(conn: psycopg.Connection, tenant_id: str, container_id: int) -> Container:
    row = conn.execute(_SELECT + " WHERE tenant_id = %s AND id = %s",
                       (tenant_id, container_id)).fetchone()
    if row is None:
        raise NotFound(f"no container {container_id} for tenant {tenant_id!r}")
    return _container(row)


def add_container(conn: psycopg.Connection, tenant_id: str, container: Container) -> Container:
    """Insert one container; raises psycopg.errors.UniqueViolation on a taken external_id."""
    row = conn.execute(
        f"INSERT INTO containers (tenant_id, {', '.join(_COLUMNS)})"
        f" VALUES (%s, {', '.join(['%s'] * len(_COLUMNS))})"
        f" RETURNING id, tenant_id, {', '.join(_COLUMNS)}",
        [tenant_id, *_values(container)]).fetchone()
    return _container(row)


def upsert_containers(conn: psycopg.Connection, tenant_id: str,
                      containers: Iterable[Container]) -> UpsertResult:
    """Insert new containers and update existing ones (matched on external_id), in one
    transaction."""
    rows = [[tenant_id, *_values(c)] for c in containers]
    if not rows:
        return UpsertResult(0, 0)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "external_id")
    sql = (f"INSERT INTO containers (tenant_id, {', '.join(_COLUMNS)})"
           f" VALUES (%s, {', '.join(['%s'] * len(_COLUMNS))})"
           f" ON CONFLICT (tenant_id, external_id) DO UPDATE SET {updates}"
           " RETURNING (xmax = 0) AS inserted")
    inserted = 0
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(sql, rows, returning=True)
        while True:
            inserted += int(bool(cur.fetchone()["inserted"]))
            if not cur.nextset():
                break
    return UpsertResult(inserted=inserted, updated=len(rows) - inserted)


def delete_container(conn: psycopg.Connection, tenant_id: str, container_id: int) -> None:
    cur = conn.execute("DELETE FROM containers WHERE tenant_id = %s AND id = %s",
                       (tenant_id, container_id))
    if cur.rowcount == 0:
        raise NotFound(f"no container {container_id} for tenant {tenant_id!r}")


def _values(c: Container) -> list:
    return [c.external_id, c.location.lat, c.location.lon, str(c.fraction), c.volume_l,
            c.depth_mm, c.model, c.service_time_s, c.open_from, c.open_until, c.address]


def _container(r: dict) -> Container:
    return Container(
        id=r["id"], tenant_id=r["tenant_id"], external_id=r["external_id"],
        location=GeoPoint(r["lat"], r["lon"]), fraction=Fraction(r["fraction"]),
        volume_l=r["volume_l"], depth_mm=r["depth_mm"], model=r["model"],
        service_time_s=r["service_time_s"], open_from=r["open_from"],
        open_until=r["open_until"], address=r["address"])


def list_fractions(conn: psycopg.Connection, tenant_id: str) -> list[Fraction]:
    """The fractions the tenant has containers of."""
    rows = conn.execute("SELECT DISTINCT fraction FROM containers WHERE tenant_id = %s"
                        " ORDER BY fraction", (tenant_id,))
    return [Fraction(r["fraction"]) for r in rows]
