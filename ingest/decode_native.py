"""Native JSON on `wasteroute/v1/{tenant}/devices/{device_id}/up` (schema: docs/mqtt-formats.md).

{"measured_at": "2026-11-25T06:00:00Z",   # or epoch seconds
 "fill_fraction": 0.42,                    # or "distance_mm": 812 (or both)
 "temperature_c": 21.5, "battery_pct": 88, "tilt": false, "rssi_dbm": -97, "snr_db": 6.5}
"""

from __future__ import annotations

from ingest.decode_common import boolean, number, parse_json_object, text, timestamp
from ingest.errors import INVALID_FIELD, Rejected
from ingest.uplink import NATIVE, Uplink


def decode_native(tenant_id: str, device_id: str, payload: bytes) -> Uplink:
    """Decode one native uplink; the topic gives tenant and device."""
    obj = parse_json_object(payload)
    named = text(obj, "device_id")
    if named is not None and named != device_id:
        raise Rejected(
            INVALID_FIELD,
            f"device_id {named!r} in the payload differs from the topic's {device_id!r}",
            tenant_id,
        )
    fill = number(obj, "fill_fraction")
    if fill is None:
        fill = number(obj, "fillingLevel")
    distance = number(obj, "distance_mm")
    if fill is None and distance is None:
        raise Rejected(INVALID_FIELD, "needs fill_fraction or distance_mm", tenant_id)
    return Uplink(
        source_format=NATIVE,
        measured_at=timestamp(obj.get("measured_at"), "measured_at"),
        device_id=device_id,
        tenant_id=tenant_id,
        fill_fraction=fill,
        distance_mm=distance,
        temperature_c=number(obj, "temperature_c"),
        battery_pct=number(obj, "battery_pct"),
        tilt=boolean(obj, "tilt"),
        rssi_dbm=number(obj, "rssi_dbm"),
        snr_db=number(obj, "snr_db"),
    )
