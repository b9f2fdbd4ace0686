"""What the simulator (and so the demo) publishes in each format is stored under the stricter
rules of issue 17 (the topic decides the device; payload ids must agree with it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ingest.batch import BatchProcessor
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from simulator.formats import FORMATS, Addressing, Measurement, encode_uplink
from storage import connect
from tests.ingest.conftest import count_rows


def test_simulator_uplinks_of_every_format_are_stored(database_url, db, tenant_id, add_device):
    messages = []
    for i, fmt in enumerate(FORMATS * 2):
        eui = f"70b3{uuid.uuid4().hex[:12]}"
        device = add_device(device_id=f"{tenant_id}-c{i}", dev_eui=eui)
        at = datetime.now(UTC) - timedelta(minutes=5 + i)
        m = Measurement(at, distance_mm=400.0, temperature_c=15.0, battery_pct=90.0)
        messages.append(encode_uplink(Addressing(tenant_id, device, eui, fmt), m))
    settings = IngestSettings(database_url=database_url, mqtt_url="mqtt://unused:1883")
    with connect(database_url, autocommit=True) as conn:
        result = BatchProcessor(settings, Metrics()).process(conn, messages)
    assert (result.stored, result.rejected) == (len(messages), 0)
    assert count_rows(db, tenant_id) == len(messages)
