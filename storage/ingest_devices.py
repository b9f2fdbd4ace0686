"""Device lookup for the ingest: which tenant and container a sensor's message belongs to.

Devices are looked up across tenants on purpose: LoRaWAN network servers identify a device
by its device id or DevEUI only (both unique deployment-wide, see 0001_core.sql). The ingest
then checks the tenant where the topic names one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True, slots=True)
class IngestDevice:
    """A device with what the ingest needs of its container."""

    device_id: str
    tenant_id: str
    container_id: int
    dev_eui: str | None
    depth_mm: float | None
    active: bool


_SELECT = """
SELECT d.device_id, d.tenant_id, d.container_id, d.dev_eui, c.depth_mm, d.active
FROM devices d JOIN containers c ON c.tenant_id = d.tenant_id AND c.id = d.container_id
"""


def find_ingest_devices(
    conn: psycopg.Connection, device_ids: Iterable[str], dev_euis: Iterable[str]
) -> list[IngestDevice]:
    """Devices whose device_id is in `device_ids` or whose dev_eui is in `dev_euis` (lower-case)."""
    ids, euis = sorted(set(device_ids)), sorted(set(dev_euis))
    if not ids and not euis:
        return []
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(_SELECT + " WHERE d.device_id = ANY(%s) OR d.dev_eui = ANY(%s)", (ids, euis))
        return [IngestDevice(r[0], r[1], int(r[2]), r[3], r[4], r[5]) for r in cur.fetchall()]
