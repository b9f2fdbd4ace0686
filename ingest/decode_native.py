"""Native JSON on `wasteroute/v1/{tenant}/devices/{device_id}/up` (schema: docs/mqtt-formats.md).

{"measured_at": "2026-11-25T06:00:00Z",   # or epoch seconds
 "fill_fraction": 0.42,                    # or "distance_mm": 812 (or both)
 "temperature_c": 21.5, "battery_pct": 88, "tilt": false, "rssi_dbm": -97, "snr_db": 6.5}

This is the per-message hot path of the benchmark, so it walks the keys the payload has (two
or three, typically) instead of probing every known field.
"""

from __future__ import annotations

from typing import Any

from ingest.decode_common import boolean, number, parse_json_object, text, timestamp
from ingest.errors import DEVICE_MISMATCH, INVALID_FIELD, Rejected
from ingest.uplink import NATIVE, Uplink

_NUMBERS = {
    "fill_fraction",
    "fillingLevel",
    "distance_mm",
    "temperature_c",
    "battery_pct",
    "rssi_dbm",
    "snr_db",
}


def decode_native(tenant_id: str, device_id: str, payload: bytes) -> Uplink:
    """Decode one native uplink; the topic gives tenant and device."""
    obj = parse_json_object(payload)
    try:
        fields = _fields(obj, device_id)
    except Rejected as exc:
        exc.tenant_id = tenant_id
        raise
    fill = fields.pop("fill_fraction", None)
    if fill is None:
        fill = fields.pop("fillingLevel", None)
    fields.pop("fillingLevel", None)
    if fill is None and fields.get("distance_mm") is None:
        raise Rejected(INVALID_FIELD, "needs fill_fraction or distance_mm", tenant_id)
    measured_at = fields.pop("measured_at", None)
    if measured_at is None:
        raise Rejected(INVALID_FIELD, "measured_at is missing", tenant_id)
    return Uplink(NATIVE, measured_at, device_id, None, tenant_id, fill, **fields)


def _fields(obj: dict[str, Any], device_id: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        if value is None:
            continue
        if key in _NUMBERS:
            fields[key] = value if type(value) is float and value - value == 0 else number(obj, key)
        elif key == "measured_at":
            fields[key] = timestamp(value, key)
        elif key == "tilt":
            fields[key] = boolean(obj, key)
        elif key == "device_id" and text(obj, key) != device_id:
            raise Rejected(
                DEVICE_MISMATCH,
                f"device_id {value[:80]!r} in the payload differs from the topic's {device_id!r}",
            )
    return fields
