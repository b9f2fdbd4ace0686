"""Sensor uplinks in the three formats the service ingests (docs/mqtt-formats.md).

`encode_uplink(device, measurement)` returns `(topic, payload_bytes)`:
- native JSON on `wasteroute/v1/{tenant}/devices/{device_id}/up`;
- The Things Stack v3 on `v3/{app}@{tts_tenant}/devices/{device_id}/up` with
  `uplink_message.decoded_payload` as the Milesight EM400-MUD codec gives it;
- ChirpStack v4 on `application/{app_uuid}/device/{dev_eui}/event/up` with `object`.
Ultrasonic sensors send a distance in mm; fill sensors a fill fraction (native) or percent.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

NATIVE, TTS_V3, CHIRPSTACK_V4 = "native", "tts-v3", "chirpstack-v4"
FORMATS = (NATIVE, TTS_V3, CHIRPSTACK_V4)


@dataclass(frozen=True, slots=True)
class Measurement:
    """What a sensor measured (before it is encoded)."""

    measured_at: datetime
    fill_fraction: float | None = None
    distance_mm: float | None = None
    temperature_c: float | None = None
    battery_pct: float | None = None
    tilt: bool = False
    rssi_dbm: float = -97.0
    snr_db: float = 6.5
    f_cnt: int = 0


@dataclass(frozen=True, slots=True)
class Addressing:
    """Where a device's uplinks go: our tenant, the LoRaWAN application ids."""

    tenant_id: str
    device_id: str
    dev_eui: str
    fmt: str = NATIVE
    tts_app: str = "wasteroute-sim"
    tts_tenant: str = "ttn"
    chirpstack_app: str = "6f1d6c8e-0000-4000-8000-000000000001"


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def topic_of(a: Addressing) -> str:
    if a.fmt == NATIVE:
        return f"wasteroute/v1/{a.tenant_id}/devices/{a.device_id}/up"
    if a.fmt == TTS_V3:
        return f"v3/{a.tts_app}@{a.tts_tenant}/devices/{a.device_id}/up"
    if a.fmt == CHIRPSTACK_V4:
        return f"application/{a.chirpstack_app}/device/{a.dev_eui}/event/up"
    raise ValueError(f"unknown sensor format {a.fmt!r}; expected one of {', '.join(FORMATS)}")


def _decoded(m: Measurement) -> dict:
    out: dict = {}
    if m.distance_mm is not None:
        out["distance"] = int(round(m.distance_mm))
    if m.fill_fraction is not None:
        out["fill_percent"] = round(100.0 * m.fill_fraction, 1)
    if m.battery_pct is not None:
        out["battery"] = int(round(m.battery_pct))
    if m.temperature_c is not None:
        out["temperature"] = round(m.temperature_c, 1)
    out["position"] = "tilt" if m.tilt else "normal"
    return out


def _native(a: Addressing, m: Measurement) -> dict:
    body: dict = {"measured_at": _iso(m.measured_at)}
    if m.fill_fraction is not None:
        body["fill_fraction"] = round(m.fill_fraction, 4)
    if m.distance_mm is not None:
        body["distance_mm"] = round(m.distance_mm, 1)
    for key in ("temperature_c", "battery_pct", "rssi_dbm", "snr_db"):
        value = getattr(m, key)
        if value is not None:
            body[key] = round(value, 1)
    body["tilt"] = m.tilt
    return body


def _tts(a: Addressing, m: Measurement) -> dict:
    when = _iso(m.measured_at)
    return {
        "end_device_ids": {"device_id": a.device_id,
                           "application_ids": {"application_id": a.tts_app},
                           "dev_eui": a.dev_eui.upper()},
        "correlation_ids": [f"as:up:{uuid.uuid4().hex}"],
        "received_at": when,
        "uplink_message": {
            "f_port": 85, "f_cnt": m.f_cnt,
            "frm_payload": base64.b64encode(b"sim").decode(),
            "decoded_payload": _decoded(m),
            "rx_metadata": [{"gateway_ids": {"gateway_id": "gw-sim-01"},
                             "rssi": m.rssi_dbm, "snr": m.snr_db}],
            "received_at": when,
        },
        "simulated": True,
    }


def _chirpstack(a: Addressing, m: Measurement) -> dict:
    return {
        "deduplicationId": str(uuid.uuid4()), "time": _iso(m.measured_at),
        "deviceInfo": {"applicationId": a.chirpstack_app, "applicationName": "wasteroute-sim",
                       "deviceName": a.device_id, "devEui": a.dev_eui.lower(),
                       "deviceProfileName": "milesight-em400-mud"},
        "fCnt": m.f_cnt, "fPort": 85, "data": base64.b64encode(b"sim").decode(),
        "object": _decoded(m),
        "rxInfo": [{"gatewayId": "0016c001f153a14c", "rssi": m.rssi_dbm, "snr": m.snr_db}],
    }


def encode_uplink(a: Addressing, m: Measurement) -> tuple[str, bytes]:
    """The MQTT topic and JSON payload of one uplink in the device's format."""
    body = {NATIVE: _native, TTS_V3: _tts, CHIRPSTACK_V4: _chirpstack}[a.fmt](a, m) if (
        a.fmt in FORMATS) else None
    if body is None:
        raise ValueError(f"unknown sensor format {a.fmt!r}; expected one of {', '.join(FORMATS)}")
    return topic_of(a), json.dumps(body, separators=(",", ":")).encode()
