"""Decoders and validation, on the fixtures of SENSOR-FORMATS.md (no services needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest import (
    Rejected,
    decode_message,
    fill_from_distance,
    native_payload,
    native_topic,
    to_reading,
)
from storage.ingest_devices import IngestDevice

DATA = Path(__file__).parent / "data"
TTS = (DATA / "tts_v3_uplink.json").read_bytes()
CHIRPSTACK = (DATA / "chirpstack_v4_up.json").read_bytes()
AT = datetime(2026, 11, 25, 6, 0, 3, 50000, tzinfo=UTC)
DEVICE = IngestDevice("schiedam-ugc-0042-rest", "schiedam", 42, "24e124713d123456", 2500.0, True)


def _valid(uplink, device=DEVICE, now=AT):
    return to_reading(uplink, device, now, max_age_s=86400, max_future_s=600)


def test_tts_fixture():
    """The TTS v3 example decodes to distance, battery, temperature, tilt and the best signal."""
    up = decode_message("v3/smart-waste@ttn/devices/schiedam-ugc-0042-rest/up", TTS)
    assert (up.device_id, up.dev_eui, up.measured_at) == (
        "schiedam-ugc-0042-rest",
        "24e124713d123456",
        AT,
    )
    assert (up.distance_mm, up.battery_pct, up.temperature_c, up.tilt) == (2116, 92, 25.7, True)
    assert (up.rssi_dbm, up.snr_db, up.source_format) == (-97, 6.5, "tts-v3")
    assert _valid(up).fill_fraction == pytest.approx((2500 - 2116) / 2500)


def test_chirpstack_fixture():
    """The ChirpStack v4 example decodes like the TTS one (same frame), found by DevEUI."""
    up = decode_message("application/17c82e96/device/24e124713d123456/event/up", CHIRPSTACK)
    assert (up.dev_eui, up.device_id, up.measured_at) == ("24e124713d123456", None, AT)
    assert (up.distance_mm, up.battery_pct, up.tilt, up.rssi_dbm) == (2116, 92, True, -97)


def test_chirpstack_status_is_battery_only():
    """A ChirpStack status event carries the battery level and no reading."""
    up = decode_message(
        "application/a/device/24e124713d123456/event/status",
        b'{"deviceInfo": {"devEui": "24E124713D123456"}, "margin": 7, "batteryLevel": 80.5}',
    )
    assert up.status_only and up.battery_pct == 80.5 and up.dev_eui == "24e124713d123456"


def test_native_round_trip():
    """native_payload / native_topic produce what decode_message reads back."""
    body = native_payload(AT, fill_fraction=0.4, temperature_c=12.0, tilt=False)
    up = decode_message(native_topic("schiedam", "d1"), body)
    assert (up.tenant_id, up.device_id, up.fill_fraction, up.temperature_c, up.tilt) == (
        "schiedam",
        "d1",
        0.4,
        12.0,
        False,
    )


def test_native_epoch_seconds():
    """measured_at may be epoch seconds."""
    up = decode_message(
        "wasteroute/v1/t/devices/d/up", b'{"measured_at": 1795600000.25, "fill_fraction": 0}'
    )
    assert up.measured_at == datetime.fromtimestamp(1795600000.25, UTC)


@pytest.mark.parametrize(("distance", "fill"), [(0, 1.0), (500, 0.8), (2500, 0.0), (3000, 0.0)])
def test_fill_from_distance_clips(distance, fill):
    """fill = (depth − distance) / depth, clipped to 0..1."""
    assert fill_from_distance(distance, 2500, "d") == pytest.approx(fill)


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("wasteroute/v1/t/devices/d/up", b"{oops", "malformed_json"),
        ("wasteroute/v1/t/devices/d/up", b"[1, 2]", "malformed_json"),
        ("wasteroute/v1/t/devices/d/up", b"\xff\xfe", "malformed_json"),
        (
            "wasteroute/v1/t/devices/d/up",
            b'{"measured_at": "2026-11-25T06:00:00Z", "fill_fraction": "full"}',
            "invalid_field",
        ),
        (
            "wasteroute/v1/t/devices/d/up",
            b'{"measured_at": "2026-11-25T06:00:00Z", "fill_fraction": true}',
            "invalid_field",
        ),
        (
            "wasteroute/v1/t/devices/d/up",
            b'{"measured_at": "2026-11-25T06:00:00", "fill_fraction": 0.1}',
            "invalid_field",
        ),
        (
            "wasteroute/v1/t/devices/d/up",
            b'{"measured_at": "yesterday", "fill_fraction": 0.1}',
            "invalid_field",
        ),
        (
            "wasteroute/v1/t/devices/d/up",
            b'{"measured_at": "2026-11-25T06:00:00Z"}',
            "invalid_field",
        ),
        ("wasteroute/v1/t/devices/d/up", b'{"fill_fraction": 0.1}', "invalid_field"),
        (
            "wasteroute/v1/t/devices/d/up",
            b'{"measured_at": 1e300, "fill_fraction": 0.1}',
            "out_of_range",
        ),
        ("wasteroute/v1/t/devices/d/up", b"{" + b" " * 20000 + b"}", "oversized"),
        ("wasteroute/v2/t/devices/d/up", b"{}", "unknown_topic"),
        (
            "v3/app@ttn/devices/d/up",
            b'{"end_device_ids": {}, "uplink_message": {}}',
            "invalid_field",
        ),
        ("application/a/device/e/event/up", b'{"deviceInfo": {"devEui": "E"}}', "invalid_field"),
    ],
)
def test_bad_messages_are_rejected_with_a_reason(topic, payload, reason):
    """Each kind of bad input is rejected with its reason, never an unexpected exception."""
    with pytest.raises(Rejected) as caught:
        decode_message(topic, payload)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"fill_fraction": 1.2}, "out_of_range"),
        ({"fill_fraction": -0.1}, "out_of_range"),
        ({"distance_mm": -5}, "out_of_range"),
        ({"battery_pct": 140}, "out_of_range"),
        ({"measured_at": (AT + timedelta(minutes=11)).isoformat()}, "future_timestamp"),
        ({"measured_at": (AT - timedelta(days=2)).isoformat()}, "stale_timestamp"),
    ],
)
def test_validation_rejects(change, reason):
    """Ranges and the time window are checked against the device's reading."""
    body = {"measured_at": AT.isoformat(), "fill_fraction": 0.5, **change}
    up = decode_message(
        "wasteroute/v1/schiedam/devices/schiedam-ugc-0042-rest/up", json.dumps(body).encode()
    )
    with pytest.raises(Rejected) as caught:
        _valid(up)
    assert caught.value.reason == reason


def test_nine_minutes_ahead_is_accepted():
    """Clock skew up to the 10-minute window is fine."""
    body = {"measured_at": (AT + timedelta(minutes=9)).isoformat(), "fill_fraction": 0.5}
    up = decode_message(
        "wasteroute/v1/schiedam/devices/schiedam-ugc-0042-rest/up", json.dumps(body).encode()
    )
    assert _valid(up).fill_fraction == 0.5


def test_native_device_of_another_tenant_is_rejected():
    """A native topic naming tenant A cannot write to a device of tenant B."""
    up = decode_message(
        "wasteroute/v1/other/devices/schiedam-ugc-0042-rest/up",
        native_payload(AT, fill_fraction=0.5),
    )
    with pytest.raises(Rejected) as caught:
        _valid(up)
    assert caught.value.reason == "wrong_tenant" and "schiedam'" not in caught.value.detail


def test_distance_without_depth_is_rejected():
    """A distance reading needs the container's depth."""
    up = decode_message("wasteroute/v1/schiedam/devices/x/up", native_payload(AT, distance_mm=300))
    no_depth = IngestDevice("x", "schiedam", 1, None, None, True)
    with pytest.raises(Rejected) as caught:
        _valid(up, no_depth)
    assert caught.value.reason == "no_container_depth"
