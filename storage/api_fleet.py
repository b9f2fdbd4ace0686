"""Fleet look-ups the API needs beyond storage.fleet: does a vehicle exist in this tenant."""

from __future__ import annotations

import psycopg


def vehicle_exists(conn: psycopg.Connection, tenant_id: str, vehicle_id: int) -> bool:
    if conn.execute("SELECT to_regclass('vehicles') IS NOT NULL AS ok").fetchone()["ok"] is False:
        return False
    row = conn.execute(
        "SELECT 1 AS ok FROM vehicles WHERE tenant_id = %s AND id = %s", (tenant_id, vehicle_id)
    ).fetchone()
    return row is not None


_UPDATABLE = {
    "depots": {"name", "lat", "lon"},
    "vehicles": {
        "name",
        "depot_id",
        "capacity_l",
        "capacity_kg",
        "compaction_ratio",
        "shift_start",
        "shift_end",
        "break_start_earliest",
        "break_start_latest",
        "break_duration_s",
        "max_stops",
        "max_load_kg_per_day",
        "fractions",
        "active",
    },
    "disposal_sites": {"name", "lat", "lon", "unload_time_s", "fractions"},
}


def update_fleet_row(
    conn: psycopg.Connection, table: str, tenant_id: str, row_id: int, changes: dict
) -> bool:
    """Update some columns of a depot, vehicle or disposal site; False if not in the tenant."""
    fields = {k: v for k, v in changes.items() if k in _UPDATABLE[table]}
    if not fields:
        return (
            conn.execute(
                f"SELECT 1 AS ok FROM {table} WHERE tenant_id = %s AND id = %s", (tenant_id, row_id)
            ).fetchone()
            is not None
        )
    sets = ", ".join(f"{k} = %s" for k in fields)
    cur = conn.execute(
        f"UPDATE {table} SET {sets} WHERE tenant_id = %s AND id = %s",
        (*fields.values(), tenant_id, row_id),
    )
    return cur.rowcount > 0


def vehicle_active(conn: psycopg.Connection, tenant_id: str, vehicle_id: int) -> bool:
    row = conn.execute(
        "SELECT active FROM vehicles WHERE tenant_id = %s AND id = %s", (tenant_id, vehicle_id)
    ).fetchone()
    return bool(row and row["active"])
