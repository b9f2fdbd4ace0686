"""ChirpStack v4 events on `application/{app}/device/{dev_eui}/event/{up|status}` (JSON encoding).

The topic's DevEUI is the device; `deviceInfo.devEui`, if given, must equal it (any case),
otherwise the event is rejected (`device_mismatch`).
`up`: `time` (else now is not guessed: a missing time is rejected),
`object` (the codec's decoded payload, see ingest.decode_common.decoded_fields), the best
gateway's `rssi`/`snr` from `rxInfo`. `status`: `batteryLevel` updates the container state only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.decode_common import (
    best_signal,
    decoded_fields,
    number,
    parse_json_object,
    text,
    timestamp,
)
from ingest.errors import DEVICE_MISMATCH, INVALID_FIELD, Rejected
from ingest.uplink import CHIRPSTACK_V4, Uplink


def decode_chirpstack(application: str, dev_eui: str, event: str, payload: bytes) -> Uplink:
    """Decode one ChirpStack v4 `up` or `status` event of the topic's application and
    (lower-case) DevEUI."""
    obj = parse_json_object(payload)
    info = obj.get("deviceInfo")
    if not isinstance(info, dict):
        raise Rejected(INVALID_FIELD, "deviceInfo must be an object")
    claimed = text(info, "devEui")
    if claimed is not None and claimed.lower() != dev_eui:
        raise Rejected(
            DEVICE_MISMATCH,
            f"deviceInfo.devEui {claimed[:80]!r} differs from the topic's {dev_eui!r}",
        )
    if event == "status":
        return Uplink(
            source_format=CHIRPSTACK_V4,
            dev_eui=dev_eui,
            application=application,
            status_only=True,
            measured_at=_time_or_now(obj.get("time")),
            battery_pct=number(obj, "batteryLevel"),
        )
    decoded = obj.get("object")
    if not isinstance(decoded, dict):
        raise Rejected(
            INVALID_FIELD,
            "object (decoded payload) is missing: configure a codec in the device profile",
        )
    fields = decoded_fields(decoded)
    if fields["fill_fraction"] is None and fields["distance_mm"] is None:
        raise Rejected(INVALID_FIELD, "object has no distance or fill level")
    rssi, snr = best_signal(obj.get("rxInfo"), "rssi", "snr")
    return Uplink(
        source_format=CHIRPSTACK_V4,
        measured_at=timestamp(obj.get("time"), "time"),
        dev_eui=dev_eui,
        application=application,
        rssi_dbm=rssi,
        snr_db=snr,
        **fields,
    )


def _time_or_now(value: object) -> datetime:
    # Status events carry no `time` field in ChirpStack v4; they describe the device now.
    return datetime.now(UTC) if value is None else timestamp(value, "time")
