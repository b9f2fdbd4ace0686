"""End to end on the real Mosquitto and TimescaleDB: each format becomes a row; duplicates and
bad input do not."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from tests.ingest.conftest import count_rows, wait_for


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_native_reading_becomes_a_row(db, tenant_id, add_device, start_worker, publisher):
    """A native reading with a distance is stored with fill computed from the container depth."""
    device = add_device()
    start_worker([f"wasteroute/v1/{tenant_id}/devices/+/up"])
    at = _now() - timedelta(minutes=1)
    publisher.publish(f"wasteroute/v1/{tenant_id}/devices/{device}/up", json.dumps(
        {"measured_at": at.isoformat(), "distance_mm": 250, "temperature_c": 21.5,
         "battery_pct": 88, "tilt": False, "rssi_dbm": -97, "snr_db": 6.5}))
    wait_for(lambda: count_rows(db, tenant_id) == 1, 15, "the reading")
    row = db.execute("SELECT * FROM readings WHERE tenant_id = %s", (tenant_id,)).fetchone()
    assert row["device_id"] == device and row["measured_at"] == at
    assert row["fill_fraction"] == 0.75 and row["distance_mm"] == 250
    assert (row["temperature_c"], row["battery_pct"], row["tilt"]) == (21.5, 88, False)
    assert (row["rssi_dbm"], row["snr_db"], row["source_format"]) == (-97, 6.5, "native")
    state = db.execute("SELECT * FROM container_state WHERE tenant_id = %s", (tenant_id,)).fetchone()
    assert state["fill_fraction"] == 0.75 and not state["fire_alarm"]
