"""Ingest errors.

IngestError
 ├── ConfigError     the worker cannot start: a missing or invalid setting (names the setting)
 ├── BrokerError     the MQTT broker refused us or cannot be reached at start-up
 └── Rejected        one message cannot become a reading; carries a `reason` (a short, stable
                     label used in metrics and rejected_messages) and a human `detail`

`Rejected` never escapes the worker: the batch writer stores it in rejected_messages,
counts it and acknowledges the message, so bad input never crashes or blocks the ingest.
Any other exception raised while decoding or validating one message becomes a `Rejected`
with reason `internal_error` (ingest.batch), and a message the database refuses becomes
`database_rejected`: no message can stop the writer.
"""

from __future__ import annotations

# The reasons a message is rejected; stable labels for metrics, rejected_messages and docs.
MALFORMED_JSON = "malformed_json"
INVALID_FIELD = "invalid_field"
OUT_OF_RANGE = "out_of_range"
FUTURE_TIMESTAMP = "future_timestamp"
STALE_TIMESTAMP = "stale_timestamp"
UNKNOWN_DEVICE = "unknown_device"
WRONG_TENANT = "wrong_tenant"
OVERSIZED = "oversized"
UNKNOWN_TOPIC = "unknown_topic"
NO_DEPTH = "no_container_depth"
DATABASE_REJECTED = "database_rejected"
DEVICE_MISMATCH = "device_mismatch"  # the payload names another device than the topic
INVALID_TOPIC = "invalid_topic"  # a topic id with control characters, or too long
INTERNAL_ERROR = "internal_error"  # an unexpected exception while decoding or validating

REASONS = (
    MALFORMED_JSON,
    INVALID_FIELD,
    OUT_OF_RANGE,
    FUTURE_TIMESTAMP,
    STALE_TIMESTAMP,
    UNKNOWN_DEVICE,
    WRONG_TENANT,
    OVERSIZED,
    UNKNOWN_TOPIC,
    NO_DEPTH,
    DATABASE_REJECTED,
    DEVICE_MISMATCH,
    INVALID_TOPIC,
    INTERNAL_ERROR,
)


class IngestError(Exception):
    """Base of every error raised by `ingest`."""


class ConfigError(IngestError):
    """A setting is missing or invalid; the message names the environment variable."""


class BrokerError(IngestError):
    """The broker cannot be reached, or refused the connection, at start-up."""


class Rejected(IngestError):
    """One message cannot become a reading. `reason` is one of `REASONS`."""

    def __init__(self, reason: str, detail: str, tenant_id: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.tenant_id = tenant_id
