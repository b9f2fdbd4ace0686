"""Container state updates that come without a reading (ChirpStack `status` events)."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg


def update_battery(conn: psycopg.Connection, rows: Sequence[tuple[str, int, float]]) -> None:
    """Set battery_pct of containers from (tenant_id, container_id, battery_pct) rows."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO container_state (tenant_id, container_id, battery_pct) VALUES (%s, %s, %s)"
            " ON CONFLICT (container_id) DO UPDATE SET battery_pct = excluded.battery_pct,"
            " updated_at = now() WHERE container_state.tenant_id = excluded.tenant_id",
            sorted(rows, key=lambda r: r[1]),
        )
