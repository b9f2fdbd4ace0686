"""The Things Stack v3 uplinks on `v3/{app}@{tts-tenant}/devices/{device_id}/up`.

The topic's device id is the device. `end_device_ids.device_id`, if given, must equal it, and
`end_device_ids.dev_eui` must equal the device's registered DevEUI (checked in ingest.validate);
otherwise the uplink is rejected (`device_mismatch`). Uses the Network Server
`uplink_message.received_at` (else the top-level `received_at`) as the measurement time,
`uplink_message.decoded_payload` (see ingest.decode_common.decoded_fields), the best
gateway's `rssi`/`snr` from `rx_metadata`, and `last_battery_percentage.value` when the decoded
payload has no battery.
"""

from __future__ import annotations

from typing import Any

from ingest.decode_common import (
    best_signal,
    decoded_fields,
    number,
    parse_json_object,
    text,
    timestamp,
)
from ingest.errors import DEVICE_MISMATCH, INVALID_FIELD, Rejected
from ingest.uplink import TTS_V3, Uplink


def decode_tts(application: str, topic_device_id: str, payload: bytes) -> Uplink:
    """Decode one TTS v3 uplink message of the topic's application and device."""
    obj = parse_json_object(payload)
    ids = _object(obj, "end_device_ids")
    claimed = text(ids, "device_id")
    if claimed is not None and claimed != topic_device_id:
        raise Rejected(
            DEVICE_MISMATCH,
            f"end_device_ids.device_id {claimed[:80]!r} differs from the topic's "
            f"{topic_device_id!r}",
        )
    up = _object(obj, "uplink_message")
    decoded = up.get("decoded_payload")
    if not isinstance(decoded, dict):
        raise Rejected(
            INVALID_FIELD,
            "uplink_message.decoded_payload is missing: configure a "
            "payload formatter for the device",
        )
    fields = decoded_fields(decoded)
    if fields["fill_fraction"] is None and fields["distance_mm"] is None:
        raise Rejected(INVALID_FIELD, "decoded_payload has no distance or fill level")
    if fields["battery_pct"] is None and isinstance(up.get("last_battery_percentage"), dict):
        fields["battery_pct"] = number(up["last_battery_percentage"], "value")
    rssi, snr = best_signal(up.get("rx_metadata"), "rssi", "snr")
    dev_eui = text(ids, "dev_eui")
    when = up.get("received_at") or obj.get("received_at")
    return Uplink(
        source_format=TTS_V3,
        measured_at=timestamp(when, "received_at"),
        device_id=topic_device_id,
        dev_eui=dev_eui.lower() if dev_eui else None,
        application=application,
        rssi_dbm=rssi,
        snr_db=snr,
        **fields,
    )


def _object(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    if not isinstance(value, dict):
        raise Rejected(INVALID_FIELD, f"{key} must be an object")
    return value
