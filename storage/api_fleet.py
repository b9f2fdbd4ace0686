"""Fleet look-ups the API needs beyond storage.fleet: does a vehicle exist in this tenant."""

from __future__ import annotations

import psycopg


def vehicle_exists(conn: psycopg.Connection, tenant_id: str, vehicle_id: int) -> bool:
    if conn.execute("SELECT to_regclass('vehicles') IS NOT NULL AS ok").fetchone()["ok"] is False:
        return False
    row = conn.execute("SELECT 1 AS ok FROM vehicles WHERE tenant_id = %s AND id = %s",
                       (tenant_id, vehicle_id)).fetchone()
    return row is not None
