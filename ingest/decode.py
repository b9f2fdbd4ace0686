"""Dispatch one MQTT message to the decoder of its topic's format."""

from __future__ import annotations

from ingest.decode_chirpstack import decode_chirpstack
from ingest.decode_native import decode_native
from ingest.decode_tts import decode_tts
from ingest.errors import OVERSIZED, UNKNOWN_TOPIC, Rejected
from ingest.uplink import Uplink


def decode_message(topic: str, payload: bytes, max_payload_bytes: int = 16384) -> Uplink:
    """Decode a message by its topic: native, The Things Stack v3 or ChirpStack v4.

    Raises `Rejected` for anything that cannot become an uplink.
    """
    parts = topic.split("/")
    tenant = parts[2] if len(parts) == 6 and parts[0] == "wasteroute" else None
    if len(payload) > max_payload_bytes:
        raise Rejected(OVERSIZED, f"{len(payload)} bytes > {max_payload_bytes}", tenant)
    if tenant is not None and parts[1] == "v1" and parts[3] == "devices" and parts[5] == "up":
        return decode_native(tenant, parts[4], payload)
    if len(parts) == 5 and parts[0] == "v3" and parts[2] == "devices" and parts[4] == "up":
        return decode_tts(parts[3], payload)
    if (
        len(parts) == 6
        and parts[0] == "application"
        and parts[2] == "device"
        and parts[4] == "event"
        and parts[5] in ("up", "status")
    ):
        return decode_chirpstack(parts[3], parts[5], payload)
    raise Rejected(UNKNOWN_TOPIC, f"no decoder for topic {topic[:200]!r}", tenant)


def tenant_of_topic(topic: str) -> str | None:
    """Our tenant, where the topic names it (native format), for rejected messages."""
    parts = topic.split("/")
    return parts[2] if len(parts) == 6 and parts[0] == "wasteroute" else None
