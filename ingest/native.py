"""Build native messages (what a simulator or native sensor publishes); docs/mqtt-formats.md."""

from __future__ import annotations

import json
from datetime import datetime


def native_topic(tenant_id: str, device_id: str) -> str:
    """`wasteroute/v1/{tenant}/devices/{device_id}/up`."""
    return f"wasteroute/v1/{tenant_id}/devices/{device_id}/up"


def native_payload(
    measured_at: datetime,
    *,
    fill_fraction: float | None = None,
    distance_mm: float | None = None,
    temperature_c: float | None = None,
    battery_pct: float | None = None,
    tilt: bool | None = None,
    rssi_dbm: float | None = None,
    snr_db: float | None = None,
) -> bytes:
    """A native JSON payload; fields left None are omitted. `measured_at` must be aware."""
    if measured_at.tzinfo is None:
        raise ValueError("measured_at must be timezone-aware")
    body = {
        "measured_at": measured_at.isoformat(),
        "fill_fraction": fill_fraction,
        "distance_mm": distance_mm,
        "temperature_c": temperature_c,
        "battery_pct": battery_pct,
        "tilt": tilt,
        "rssi_dbm": rssi_dbm,
        "snr_db": snr_db,
    }
    return json.dumps(
        {k: v for k, v in body.items() if v is not None}, separators=(",", ":")
    ).encode()
