"""Container state updates that come without a reading (ChirpStack `status` events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True, slots=True)
class BatteryUpdate:
    """A container's battery level from a status event (no reading)."""

    tenant_id: str
    container_id: int
    battery_pct: float


def update_battery(conn: psycopg.Connection, rows: Sequence[BatteryUpdate]) -> None:
    """Set battery_pct of containers (only of the tenant given with each container)."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO container_state (tenant_id, container_id, battery_pct) VALUES (%s, %s, %s)"
            " ON CONFLICT (container_id) DO UPDATE SET battery_pct = excluded.battery_pct,"
            " updated_at = now() WHERE container_state.tenant_id = excluded.tenant_id",
            [
                (r.tenant_id, r.container_id, r.battery_pct)
                for r in sorted(rows, key=lambda r: r.container_id)
            ],
        )
