"""`Uplink`: what a decoder makes of one MQTT message, before the device is looked up.

Decoders know the wire format; they do not know our devices or containers. The batch
writer resolves `device_id` / `dev_eui` to a device and its container, then turns the
uplink into a domain `Reading` (see ingest.validate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NATIVE = "native"
TTS_V3 = "tts-v3"
CHIRPSTACK_V4 = "chirpstack-v4"


@dataclass(slots=True)  # not frozen: a frozen __init__ costs about twice as much per message
class Uplink:
    """One decoded sensor message. The topic decides the device: `device_id` (native, TTS)
    or else `dev_eui` (ChirpStack) is the topic's, and the device is looked up by it alone.
    A TTS uplink also carries the payload's DevEUI in `dev_eui`, which must then equal the
    device's registered one. `tenant_id` is set where the topic names our tenant (native);
    `application` is the network server's application of the topic (TTS `{app}@{tenant}`,
    ChirpStack application id), which may be registered to one tenant (ingest_applications).
    The device must belong to either."""

    source_format: str
    measured_at: datetime
    device_id: str | None = None
    dev_eui: str | None = None  # lower-case hex
    tenant_id: str | None = None
    fill_fraction: float | None = None
    distance_mm: float | None = None
    temperature_c: float | None = None
    battery_pct: float | None = None
    tilt: bool | None = None
    rssi_dbm: float | None = None
    snr_db: float | None = None
    status_only: bool = False  # a ChirpStack `status` event: battery only, no reading
    application: str | None = None
