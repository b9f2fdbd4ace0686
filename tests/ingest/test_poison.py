"""Poison messages: whatever a message holds, it ends as a reading or a rejected message, and the
batch around it is written. Runs `BatchProcessor` on the real TimescaleDB (no broker needed),
plus one end-to-end run through a real worker on the real Mosquitto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from ingest.batch import BatchProcessor
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from storage import connect
from tests.ingest.conftest import count_rows, wait_for


def _now_iso(minutes_ago: float = 1.0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def _native(**fields: object) -> bytes:
    body = {"measured_at": _now_iso(), "fill_fraction": 0.5, **fields}
    return json.dumps(body).encode()


def _chirpstack(dev_eui: str, **fields: object) -> bytes:
    body = {
        "deviceInfo": {"devEui": dev_eui},
        "time": _now_iso(),
        "object": {"distance": 500},
        **fields,
    }
    return json.dumps(body).encode()


def _tts(device_id: str, **up_fields: object) -> bytes:
    up = {"received_at": _now_iso(), "decoded_payload": {"distance": 500}, **up_fields}
    return json.dumps({"end_device_ids": {"device_id": device_id}, "uplink_message": up}).encode()


@pytest.fixture
def processor(database_url: str) -> Iterator[tuple[BatchProcessor, psycopg.Connection]]:
    settings = IngestSettings(database_url=database_url, mqtt_url="mqtt://unused:1883")
    with connect(database_url, autocommit=True) as conn:
        yield BatchProcessor(settings, Metrics()), conn


@pytest.fixture
def run_batch(
    processor: tuple[BatchProcessor, psycopg.Connection], db: psycopg.Connection
) -> Callable[[list[tuple[str, bytes]]], dict[str, int]]:
    """Process one batch; returns the rejected_messages rows added, counted by reason."""
    proc, conn = processor

    def run(messages: list[tuple[str, bytes]]) -> dict[str, int]:
        before = db.execute("SELECT coalesce(max(id), 0) AS m FROM rejected_messages").fetchone()
        proc.process(conn, messages)
        rows = db.execute(
            "SELECT reason, count(*) AS n FROM rejected_messages WHERE id > %s GROUP BY reason",
            (before["m"],),
        ).fetchall()
        return {r["reason"]: r["n"] for r in rows}

    return run


def _poison(tenant: str, device: str, eui: str) -> dict[str, tuple[str, bytes]]:
    native = f"wasteroute/v1/{tenant}/devices/{device}/up"
    chirp = f"application/app-x/device/{eui}/event/up"
    return {
        "time_overflows_after_offset": (
            native,
            b'{"measured_at":"0001-01-01T00:00:00+14:00","fill_fraction":0.5}',
        ),
        "time_overflows_forward": (
            native,
            b'{"measured_at":"9999-12-31T23:59:59-14:00","fill_fraction":0.5}',
        ),
        "huge_int_fill": (
            native,
            b'{"measured_at":"%s","fill_fraction":1%s}' % (_now_iso().encode(), b"0" * 400),
        ),
        "deep_brackets": (native, b"[" * 16000),
        "deep_object_nesting": (native, b'{"a":' * 5000 + b"1" + b"}" * 5000),
        "chirpstack_year_1": (chirp, _chirpstack(eui, time="0001-01-01T00:00:00Z")),
        "chirpstack_status_year_1": (
            f"application/app-x/device/{eui}/event/status",
            json.dumps(
                {
                    "deviceInfo": {"devEui": eui},
                    "time": "0001-01-01T00:00:00+01:00",
                    "batteryLevel": 50,
                }
            ).encode(),
        ),
        "nul_in_topic_device": (f"wasteroute/v1/{tenant}/devices/a\x00b/up", _native()),
        "nul_in_topic_tenant": (f"wasteroute/v1/x\x00y/devices/{device}/up", _native()),
        "huge_tenant_in_topic": (f"wasteroute/v1/{'t' * 5000}/devices/{device}/up", _native()),
        "nul_in_payload_string": (native, _native(device_id="a\x00b")),
        "lone_surrogate": (
            native,
            b'{"measured_at":"%s","fill_fraction":0.5,"device_id":"\\ud800"}' % _now_iso().encode(),
        ),
        "lone_surrogate_chirpstack_eui": (chirp, _chirpstack("\ud800")),
        "huge_distance_overflows_real": (
            native,
            json.dumps({"measured_at": _now_iso(), "distance_mm": 1e300}).encode(),
        ),
        "huge_rssi_overflows_real": (native, _native(rssi_dbm=1e300)),
        "huge_snr_overflows_real": (native, _native(snr_db=-1e300)),
        "huge_epoch": (native, json.dumps({"measured_at": 1e300, "fill_fraction": 0.5}).encode()),
        "huge_int_epoch": (
            chirp,
            _chirpstack(eui).replace(b'"time": "', b'"time": 1' + b"0" * 400 + b', "x": "'),
        ),
        "tts_deep_decoded": (
            f"v3/app@ttn/devices/{device}/up",
            b'{"end_device_ids":{"device_id":"%s"},"uplink_message":{"received_at":"%s",'
            b'"decoded_payload":{"distance":500,"x":%s1%s}}}'
            % (device.encode(), _now_iso().encode(), b"[" * 50000, b"]" * 50000),
        ),
        "tts_huge_battery_int": (
            f"v3/app@ttn/devices/{device}/up",
            _tts(device).replace(b'"distance": 500', b'"distance": 500, "battery": 1' + b"0" * 400),
        ),
        "invalid_utf8": (native, b'{"measured_at":"\xff\xfe","fill_fraction":0.5}'),
        "invalid_utf8_topic": ("wasteroute/v1/\udcff/devices/x/up", _native()),
    }


def test_each_poison_message_is_rejected_and_the_good_ones_are_stored(
    db, tenant_id, add_device, run_batch
):
    """Every known poison payload, each in a batch with a good reading: the good reading is
    stored, the poison message lands in rejected_messages with a reason from validation (not
    the safety net's internal_error / database_rejected), nothing escapes."""
    eui = f"70b3d5{tenant_id[-10:]}"
    device = add_device(dev_eui=eui)
    good_topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    failures = []
    for i, (name, (topic, payload)) in enumerate(_poison(tenant_id, device, eui).items()):
        good = (good_topic, _native(measured_at=_now_iso(minutes_ago=10 + i)))
        stored_before = count_rows(db, tenant_id)
        try:
            rejected = run_batch([good, (topic, payload)])
        except Exception as exc:  # noqa: BLE001 - the test names which poison escaped
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:120]}")
            continue
        if sum(rejected.values()) != 1:
            failures.append(f"{name}: rejected {rejected}, expected exactly one")
        elif set(rejected) & {"internal_error", "database_rejected"}:
            failures.append(f"{name}: caught by the safety net ({rejected}), not by validation")
        if count_rows(db, tenant_id) != stored_before + 1:
            failures.append(f"{name}: the good reading of its batch was not stored")
    assert not failures, "\n".join(failures)


def test_a_poison_message_ends_in_rejected_messages_with_a_reason(
    db, tenant_id, add_device, run_batch
):
    """The stored rejection keeps the raw payload (bytea) and names the reason."""
    device = add_device()
    topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    payload = b'{"measured_at":"0001-01-01T00:00:00+14:00","fill_fraction":0.5}'
    assert run_batch([(topic, payload)]) == {"out_of_range": 1}
    row = db.execute(
        "SELECT * FROM rejected_messages WHERE tenant_id = %s ORDER BY id DESC LIMIT 1",
        (tenant_id,),
    ).fetchone()
    assert row["topic"] == topic and bytes(row["payload"]) == payload
    assert "measured_at" in row["detail"]


def test_rejected_rows_with_nul_and_surrogates_are_storable(db, run_batch):
    """A topic and detail with NUL and lone surrogates are sanitised; the payload is kept."""
    topic = "wasteroute/v1/a\x00\ud800/devices/d\x00/up"
    payload = b"\x00\xff not json"
    rejected = run_batch([(topic, payload)])
    assert sum(rejected.values()) == 1
    row = db.execute("SELECT * FROM rejected_messages ORDER BY id DESC LIMIT 1").fetchone()
    assert "\x00" not in row["topic"] and bytes(row["payload"]) == payload
    assert row["tenant_id"] is None


def test_poison_does_not_stop_a_real_worker(db, tenant_id, add_device, start_worker, publisher):
    """End to end: poison messages published before good ones; the worker stays alive, the good
    readings are stored and each poison message is rejected."""
    device = add_device()
    worker = start_worker([f"wasteroute/v1/{tenant_id}/devices/+/up"])
    topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    poison = [
        b'{"measured_at":"0001-01-01T00:00:00+14:00","fill_fraction":0.5}',
        b'{"measured_at":"%s","fill_fraction":1%s}' % (_now_iso().encode(), b"0" * 400),
        b"[" * 16000,
        _native(rssi_dbm=1e300),
    ]
    for p in poison:
        publisher.publish(topic, p)
    for i in range(40):
        publisher.publish(topic, _native(measured_at=_now_iso(minutes_ago=100 + i)))
    publisher.wait_all()
    wait_for(lambda: count_rows(db, tenant_id) == 40, 20, "the 40 good readings")
    rejected = db.execute(
        "SELECT count(*) AS n FROM rejected_messages WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()["n"]
    assert rejected == len(poison)
    assert worker.proc is not None and worker.proc.poll() is None


def test_the_safety_net_rejects_what_validation_misses(
    db, tenant_id, add_device, run_batch, processor, monkeypatch
):
    """A bug in decoding (injected) becomes `internal_error` for that message only; a message
    the database refuses (injected at the battery update) becomes `database_rejected` while
    the rest of its batch is written one message at a time."""
    import ingest.batch

    eui = f"70b3d5{tenant_id[-10:]}"
    device = add_device(dev_eui=eui)
    topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    real_decode = ingest.batch.decode_message

    def buggy_decode(t, payload, max_bytes):
        if b"boom" in payload:
            raise ZeroDivisionError("a bug")
        return real_decode(t, payload, max_bytes)

    monkeypatch.setattr(ingest.batch, "decode_message", buggy_decode)
    good = (topic, _native(measured_at=_now_iso(minutes_ago=3)))
    assert run_batch([good, (topic, _native(boom=1))]) == {"internal_error": 1}
    assert count_rows(db, tenant_id) == 1

    real_update = ingest.batch.update_battery

    def refusing_update(conn, rows):
        if any(r.battery_pct == 13 for r in rows):
            conn.execute("SELECT 1 / 0")  # a real database error, raised by PostgreSQL
        real_update(conn, rows)

    monkeypatch.setattr(ingest.batch, "update_battery", refusing_update)
    status = f"application/app-x/device/{eui}/event/status"
    body = b'{"deviceInfo":{"devEui":"%s"},"batteryLevel":%d}'
    batch = [
        (topic, _native(measured_at=_now_iso(minutes_ago=4))),
        (status, body % (eui.encode(), 13)),
        (status, body % (eui.encode(), 77)),
    ]
    assert run_batch(batch) == {"database_rejected": 1}
    assert count_rows(db, tenant_id) == 2
    battery = db.execute(
        "SELECT battery_pct FROM container_state WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()["battery_pct"]
    assert battery == 77


def test_a_value_that_would_underflow_real_is_stored_as_zero(db, tenant_id, add_device, run_batch):
    """A battery of 1e-320 (PostgreSQL `real` underflow: an error, which used to fail the
    batch) is a status update to 0."""
    eui = f"70b3d5{tenant_id[-10:]}"
    add_device(dev_eui=eui)
    status = f"application/app-x/device/{eui}/event/status"
    payload = b'{"deviceInfo":{"devEui":"%s"},"batteryLevel":1e-320}' % eui.encode()
    assert run_batch([(status, payload)]) == {}
    row = db.execute(
        "SELECT battery_pct FROM container_state WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()
    assert row is not None and row["battery_pct"] == 0
