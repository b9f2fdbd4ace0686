"""Dispatch one MQTT message to the decoder of its topic's format.

The topic decides the device (and, for native topics, the tenant): each decoder is given the
topic's device id or DevEUI, and a payload that names another device is rejected
(`device_mismatch`). Ids taken from a topic are checked here, before they reach a query.
"""

from __future__ import annotations

import re

from ingest.decode_chirpstack import decode_chirpstack
from ingest.decode_native import decode_native
from ingest.decode_tts import decode_tts
from ingest.errors import INVALID_TOPIC, OVERSIZED, UNKNOWN_TOPIC, Rejected
from ingest.uplink import Uplink

# What our tenant ids may be (tenants.id CHECK in 0001_core.sql).
TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
# A device id, DevEUI or application id from a topic: 1..128 characters, no control
# characters (PostgreSQL text cannot hold NUL) and no lone surrogates (not encodable as UTF-8).
TOPIC_ID = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]{1,128}")


def decode_message(topic: str, payload: bytes, max_payload_bytes: int = 16384) -> Uplink:
    """Decode a message by its topic: native, The Things Stack v3 or ChirpStack v4.

    Raises `Rejected` for anything that cannot become an uplink.
    """
    parts = topic.split("/")
    tenant = tenant_of_topic(topic)
    if len(payload) > max_payload_bytes:
        raise Rejected(OVERSIZED, f"{len(payload)} bytes > {max_payload_bytes}", tenant)
    if len(parts) == 6 and parts[:2] == ["wasteroute", "v1"] and parts[3] == "devices":
        if parts[5] == "up":
            if tenant is None:
                raise Rejected(INVALID_TOPIC, f"not a tenant id: {parts[2][:80]!r}")
            return decode_native(tenant, _topic_id(parts[4], "device id", tenant), payload)
    elif len(parts) == 5 and parts[0] == "v3" and parts[2] == "devices" and parts[4] == "up":
        return decode_tts(
            _topic_id(parts[1], "application"), _topic_id(parts[3], "device id"), payload
        )
    elif (
        len(parts) == 6
        and parts[0] == "application"
        and parts[2] == "device"
        and parts[4] == "event"
        and parts[5] in ("up", "status")
    ):
        return decode_chirpstack(
            _topic_id(parts[1], "application"),
            _topic_id(parts[3], "DevEUI").lower(),
            parts[5],
            payload,
        )
    raise Rejected(UNKNOWN_TOPIC, f"no decoder for topic {topic[:200]!r}", tenant)


def tenant_of_topic(topic: str) -> str | None:
    """Our tenant, where the topic names a valid one (native format), for rejected messages."""
    parts = topic.split("/", 3)
    if len(parts) > 2 and parts[0] == "wasteroute" and TENANT_ID.fullmatch(parts[2]):
        return parts[2]
    return None


def _topic_id(value: str, what: str, tenant: str | None = None) -> str:
    if not TOPIC_ID.fullmatch(value):
        raise Rejected(
            INVALID_TOPIC,
            f"the topic's {what} is empty, longer than 128 characters or has control "
            f"characters: {value[:80]!r}",
            tenant,
        )
    return value
