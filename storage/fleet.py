"""Depots, vehicles and disposal sites of one tenant.

Every function takes `tenant_id` and filters on it. Records in are the `domain` types; their
`id` and `tenant_id` are ignored on insert. A vehicle's or site's empty `fractions` means
"every fraction" (stored as an empty array).

Public API:
- `add_depot`, `list_depots`, `get_depot`, `delete_depot`
- `add_vehicle`, `list_vehicles`, `get_vehicle`, `delete_vehicle` (deactivates if it has routes)
- `add_disposal_site`, `list_disposal_sites`, `get_disposal_site`, `delete_disposal_site`
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from domain import Depot, DisposalSite, Fraction, GeoPoint, Vehicle
from storage.errors import NotFound

# ------------------------------------------------------------------------------- depots


def add_depot(conn: psycopg.Connection, tenant_id: str, name: str, location: GeoPoint) -> Depot:
    row = conn.execute(
        "INSERT INTO depots (tenant_id, name, lat, lon) VALUES (%s, %s, %s, %s)"
        " RETURNING id, tenant_id, name, lat, lon",
        (tenant_id, name, location.lat, location.lon)).fetchone()
    return _depot(row)


def list_depots(conn: psycopg.Connection, tenant_id: str) -> list[Depot]:
    rows = conn.execute("SELECT id, tenant_id, name, lat, lon FROM depots"
                        " WHERE tenant_id = %s ORDER BY id", (tenant_id,))
    return [_depot(r) for r in rows]


def get_depot(conn: psycopg.Connection, tenant_id: str, depot_id: int) -> Depot:
    row = conn.execute("SELECT id, tenant_id, name, lat, lon FROM depots"
                       " WHERE tenant_id = %s AND id = %s", (tenant_id, depot_id)).fetchone()
    if row is None:
        raise NotFound(f"no depot {depot_id} for tenant {tenant_id!r}")
    return _depot(row)


def delete_depot(conn: psycopg.Connection, tenant_id: str, depot_id: int) -> None:
    """Delete a depot; psycopg.errors.ForeignKeyViolation while vehicles are based there."""
    _delete_owned(conn, "depots", "depot", tenant_id, depot_id)


def _depot(r: dict) -> Depot:
    return Depot(id=r["id"], tenant_id=r["tenant_id"], name=r["name"],
                 location=GeoPoint(r["lat"], r["lon"]))


# ------------------------------------------------------------------------------- vehicles

_VEHICLE_COLS = ("name", "depot_id", "capacity_l", "capacity_kg", "compaction_ratio",
                 "shift_start", "shift_end", "break_start_earliest", "break_start_latest",
                 "break_duration_s", "max_stops", "max_load_kg_per_day", "fractions")
_VEHICLE_SELECT = "SELECT id, tenant_id, " + ", ".join(_VEHICLE_COLS) + " FROM vehicles"


def add_vehicle(conn: psycopg.Connection, tenant_id: str, vehicle: Vehicle) -> Vehicle:
    """Insert a vehicle based at one of the tenant's depots (else ForeignKeyViolation)."""
    every = set(vehicle.fractions) == set(Fraction)
    fractions = [] if every else [str(f) for f in vehicle.fractions]
    values = [vehicle.name, vehicle.depot_id, vehicle.capacity_l, vehicle.capacity_kg,
              vehicle.compaction_ratio, vehicle.shift_start, vehicle.shift_end,
              vehicle.break_start_earliest, vehicle.break_start_latest,
              vehicle.break_duration_s, vehicle.max_stops, vehicle.max_load_kg_per_day,
              fractions]
    row = conn.execute(
        f"INSERT INTO vehicles (tenant_id, {', '.join(_VEHICLE_COLS)})"
        f" VALUES (%s, {', '.join(['%s'] * len(_VEHICLE_COLS))})"
        f" RETURNING id, tenant_id, {', '.join(_VEHICLE_COLS)}", [tenant_id, *values]).fetchone()
    return _vehicle(row)


def list_vehicles(conn: psycopg.Connection, tenant_id: str, *,
                  fraction: Fraction | None = None, active_only: bool = True) -> list[Vehicle]:
    """The tenant's vehicles; with `fraction`, those that may carry it."""
    sql, params = _VEHICLE_SELECT + " WHERE tenant_id = %s", [tenant_id]
    if active_only:
        sql += " AND active"
    if fraction is not None:
        sql += " AND (fractions = '{}' OR %s = ANY(fractions))"
        params.append(str(fraction))
    return [_vehicle(r) for r in conn.execute(sql + " ORDER BY id", params)]


def get_vehicle(conn: psycopg.Connection, tenant_id: str, vehicle_id: int) -> Vehicle:
    row = conn.execute(_VEHICLE_SELECT + " WHERE tenant_id = %s AND id = %s",
                       (tenant_id, vehicle_id)).fetchone()
    if row is None:
        raise NotFound(f"no vehicle {vehicle_id} for tenant {tenant_id!r}")
    return _vehicle(row)


def delete_vehicle(conn: psycopg.Connection, tenant_id: str, vehicle_id: int) -> str:
    """Delete a vehicle, or deactivate it if stored plans refer to it. Returns what happened."""
    get_vehicle(conn, tenant_id, vehicle_id)
    used = conn.execute("SELECT 1 FROM plan_routes WHERE tenant_id = %s AND vehicle_id = %s"
                        " LIMIT 1", (tenant_id, vehicle_id)).fetchone()
    if used:
        conn.execute("UPDATE vehicles SET active = false WHERE tenant_id = %s AND id = %s",
                     (tenant_id, vehicle_id))
        return "deactivated"
    conn.execute("DELETE FROM vehicles WHERE tenant_id = %s AND id = %s", (tenant_id, vehicle_id))
    return "deleted"


def _fractions(values: list[str]) -> tuple[Fraction, ...]:
    return tuple(Fraction(v) for v in values) if values else tuple(Fraction)


def _vehicle(r: dict) -> Vehicle:
    return Vehicle(
        id=r["id"], tenant_id=r["tenant_id"], name=r["name"], depot_id=r["depot_id"],
        capacity_l=r["capacity_l"], capacity_kg=r["capacity_kg"],
        compaction_ratio=r["compaction_ratio"], shift_start=r["shift_start"],
        shift_end=r["shift_end"], break_start_earliest=r["break_start_earliest"],
        break_start_latest=r["break_start_latest"], break_duration_s=r["break_duration_s"],
        max_stops=r["max_stops"], max_load_kg_per_day=r["max_load_kg_per_day"],
        fractions=_fractions(r["fractions"]))


# ------------------------------------------------------------------------------- disposal sites

_SITE_SELECT = "SELECT id, tenant_id, name, lat, lon, unload_time_s, fractions FROM disposal_sites"


def add_disposal_site(conn: psycopg.Connection, tenant_id: str, site: DisposalSite) -> DisposalSite:
    fractions = [] if set(site.fractions) == set(Fraction) else [str(f) for f in site.fractions]
    row = conn.execute(
        "INSERT INTO disposal_sites (tenant_id, name, lat, lon, unload_time_s, fractions)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
        " RETURNING id, tenant_id, name, lat, lon, unload_time_s, fractions",
        (tenant_id, site.name, site.location.lat, site.location.lon, site.unload_time_s,
         fractions)).fetchone()
    return _site(row)


def list_disposal_sites(conn: psycopg.Connection, tenant_id: str, *,
                        fraction: Fraction | None = None) -> list[DisposalSite]:
    """The tenant's disposal sites; with `fraction`, those that accept it."""
    sql, params = _SITE_SELECT + " WHERE tenant_id = %s", [tenant_id]
    if fraction is not None:
        sql += " AND (fractions = '{}' OR %s = ANY(fractions))"
        params.append(str(fraction))
    return [_site(r) for r in conn.execute(sql + " ORDER BY id", params)]


def get_disposal_site(conn: psycopg.Connection, tenant_id: str, site_id: int) -> DisposalSite:
    row = conn.execute(_SITE_SELECT + " WHERE tenant_id = %s AND id = %s",
                       (tenant_id, site_id)).fetchone()
    if row is None:
        raise NotFound(f"no disposal site {site_id} for tenant {tenant_id!r}")
    return _site(row)


def delete_disposal_site(conn: psycopg.Connection, tenant_id: str, site_id: int) -> None:
    """Delete a site; psycopg.errors.ForeignKeyViolation while stored plans unload there."""
    _delete_owned(conn, "disposal_sites", "disposal site", tenant_id, site_id)


def _site(r: dict) -> DisposalSite:
    return DisposalSite(id=r["id"], tenant_id=r["tenant_id"], name=r["name"],
                        location=GeoPoint(r["lat"], r["lon"]), unload_time_s=r["unload_time_s"],
                        fractions=_fractions(r["fractions"]))


def _delete_owned(conn: psycopg.Connection, table: str, label: str, tenant_id: str,
                  row_id: int) -> None:
    """Delete one of the tenant's rows; NotFound if the tenant has no such row."""
    cur = conn.execute(sql.SQL("DELETE FROM {} WHERE tenant_id = %s AND id = %s")
                       .format(sql.Identifier(table)), (tenant_id, row_id))
    if cur.rowcount == 0:
        raise NotFound(f"no {label} {row_id} for tenant {tenant_id!r}")
