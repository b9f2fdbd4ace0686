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
    publisher.publish(
        f"wasteroute/v1/{tenant_id}/devices/{device}/up",
        json.dumps(
            {
                "measured_at": at.isoformat(),
                "distance_mm": 250,
                "temperature_c": 21.5,
                "battery_pct": 88,
                "tilt": False,
                "rssi_dbm": -97,
                "snr_db": 6.5,
            }
        ),
    )
    wait_for(lambda: count_rows(db, tenant_id) == 1, 15, "the reading")
    row = db.execute("SELECT * FROM readings WHERE tenant_id = %s", (tenant_id,)).fetchone()
    assert row["device_id"] == device and row["measured_at"] == at
    assert row["fill_fraction"] == 0.75 and row["distance_mm"] == 250
    assert (row["temperature_c"], row["battery_pct"], row["tilt"]) == (21.5, 88, False)
    assert (row["rssi_dbm"], row["snr_db"], row["source_format"]) == (-97, 6.5, "native")
    state = db.execute(
        "SELECT * FROM container_state WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()
    assert state["fill_fraction"] == 0.75 and not state["fire_alarm"]


def test_tts_uplink_becomes_a_row(db, tenant_id, add_device, start_worker, publisher, topic_prefix):
    """A The Things Stack v3 uplink is found by the topic's device id; its DevEUI (any case)
    matches the device's; battery and signal are kept."""
    add_device(device_id=f"tts-{topic_prefix}", dev_eui=f"24e1247{topic_prefix[1:10]}")
    start_worker([f"v3/smart-waste@{topic_prefix}/devices/+/up"])
    at = _now() - timedelta(minutes=2)
    publisher.publish(
        f"v3/smart-waste@{topic_prefix}/devices/tts-{topic_prefix}/up",
        json.dumps(
            {
                "end_device_ids": {
                    "device_id": f"tts-{topic_prefix}",
                    "dev_eui": f"24E1247{topic_prefix[1:10]}".upper(),
                },
                "received_at": at.isoformat(),
                "uplink_message": {
                    "f_port": 85,
                    "decoded_payload": {
                        "battery": 92,
                        "temperature": 25.7,
                        "distance": 2116 / 4,
                        "position": "tilt",
                    },
                    "rx_metadata": [{"rssi": -110, "snr": 1.0}, {"rssi": -97, "snr": 6.5}],
                    "received_at": at.isoformat(),
                },
            }
        ),
    )
    wait_for(lambda: count_rows(db, tenant_id) == 1, 15, "the reading")
    row = db.execute("SELECT * FROM readings WHERE tenant_id = %s", (tenant_id,)).fetchone()
    assert row["device_id"] == f"tts-{topic_prefix}" and row["source_format"] == "tts-v3"
    assert abs(row["fill_fraction"] - (1000 - 529) / 1000) < 1e-6
    assert (row["battery_pct"], row["tilt"], row["rssi_dbm"], row["snr_db"]) == (92, True, -97, 6.5)
    state = db.execute(
        "SELECT tilt_alarm FROM container_state WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()
    assert state["tilt_alarm"] is True


def test_chirpstack_uplink_and_status(
    db, tenant_id, add_device, start_worker, publisher, topic_prefix
):
    """A ChirpStack v4 uplink is found by DevEUI; a later status event sets the battery."""
    eui = f"a0{uuid.uuid4().hex[:14]}"
    add_device(dev_eui=eui)
    app = str(uuid.uuid4())
    start_worker(
        [f"application/{app}/device/+/event/up", f"application/{app}/device/+/event/status"]
    )
    at = _now() - timedelta(seconds=30)
    publisher.publish(
        f"application/{app}/device/{eui}/event/up",
        json.dumps(
            {
                "time": at.isoformat(),
                "deviceInfo": {"devEui": eui, "applicationId": app},
                "object": {"fillingLevel": 0.6, "temperature": 19.0},
                "rxInfo": [{"rssi": -80, "snr": 9}],
            }
        ),
    )
    wait_for(lambda: count_rows(db, tenant_id) == 1, 15, "the reading")
    publisher.publish(
        f"application/{app}/device/{eui}/event/status",
        json.dumps({"deviceInfo": {"devEui": eui}, "margin": 7, "batteryLevel": 55.5}),
    )

    def battery() -> float | None:
        row = db.execute(
            "SELECT battery_pct FROM container_state WHERE tenant_id = %s", (tenant_id,)
        ).fetchone()
        return row and row["battery_pct"]

    wait_for(lambda: battery() == 55.5, 15, "the status event")
    row = db.execute("SELECT * FROM readings WHERE tenant_id = %s", (tenant_id,)).fetchone()
    assert (row["fill_fraction"], row["temperature_c"], row["rssi_dbm"]) == (0.6, 19.0, -80)
    assert row["source_format"] == "chirpstack-v4" and row["measured_at"] == at


def test_same_reading_twice_is_one_row(db, tenant_id, add_device, start_worker, publisher):
    """A reading published twice (a resend) is stored once."""
    device = add_device()
    start_worker([f"wasteroute/v1/{tenant_id}/devices/+/up"])
    body = json.dumps({"measured_at": _now().isoformat(), "fill_fraction": 0.3})
    topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    publisher.publish(topic, body)
    wait_for(lambda: count_rows(db, tenant_id) == 1, 15, "the first copy")
    publisher.publish(topic, body)
    publisher.publish(
        topic,
        json.dumps(
            {"measured_at": (_now() + timedelta(seconds=1)).isoformat(), "fill_fraction": 0.31}
        ),
    )
    wait_for(lambda: count_rows(db, tenant_id) == 2, 15, "the next reading")
    assert count_rows(db, tenant_id) == 2


def test_bad_input_is_rejected_and_the_worker_goes_on(
    db, tenant_id, add_device, start_worker, publisher
):
    """Malformed, out-of-range, unknown-device and future messages are stored as rejected; a good
    reading after them is stored."""
    device = add_device()
    other_tenant = f"t-{uuid.uuid4().hex[:12]}"
    db.execute("INSERT INTO tenants (id, name) VALUES (%s, 'other')", (other_tenant,))
    foreign = add_device(tenant=other_tenant)
    start_worker(
        [f"wasteroute/v1/{tenant_id}/devices/+/up"], extra_env={"INGEST_MAX_PAYLOAD_BYTES": "500"}
    )
    topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    now = _now()
    bad = {
        "malformed_json": (topic, b"{not json"),
        "invalid_field": (
            topic,
            json.dumps({"measured_at": now.isoformat(), "fill_fraction": "high"}),
        ),
        "out_of_range": (topic, json.dumps({"measured_at": now.isoformat(), "fill_fraction": 1.4})),
        "future_timestamp": (
            topic,
            json.dumps(
                {"measured_at": (now + timedelta(hours=1)).isoformat(), "fill_fraction": 0.2}
            ),
        ),
        "stale_timestamp": (
            topic,
            json.dumps({"measured_at": "2001-01-01T00:00:00Z", "fill_fraction": 0.2}),
        ),
        "unknown_device": (
            f"wasteroute/v1/{tenant_id}/devices/nope/up",
            json.dumps({"measured_at": now.isoformat(), "fill_fraction": 0.2}),
        ),
        "wrong_tenant": (
            f"wasteroute/v1/{tenant_id}/devices/{foreign}/up",
            json.dumps({"measured_at": now.isoformat(), "fill_fraction": 0.2}),
        ),
        "oversized": (topic, b'{"x": "' + b"a" * 600 + b'"}'),
    }
    for t, payload in bad.values():
        publisher.publish(t, payload)
    publisher.publish(topic, json.dumps({"measured_at": now.isoformat(), "distance_mm": 100}))
    wait_for(lambda: count_rows(db, tenant_id) == 1, 15, "the good reading")
    rows = db.execute(
        "SELECT reason, payload, detail FROM rejected_messages WHERE tenant_id = %s", (tenant_id,)
    ).fetchall()
    assert sorted(r["reason"] for r in rows) == sorted(bad)
    by_reason = {r["reason"]: r for r in rows}
    assert bytes(by_reason["malformed_json"]["payload"]) == b"{not json"
    assert other_tenant not in by_reason["wrong_tenant"]["detail"]
    assert count_rows(db, other_tenant) == 0
