"""Settings of the ingest worker: environment variables INGEST_*, plus DATABASE_URL and MQTT_URL.

Nothing else in `ingest` reads the environment. There are no secret defaults: the database
and broker URLs (which may carry credentials) must be given.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TOPICS = [
    "wasteroute/v1/+/devices/+/up",
    "v3/+/devices/+/up",
    "application/+/device/+/event/up",
    "application/+/device/+/event/status",
]


class IngestSettings(BaseSettings):
    """One ingest worker (or a group of them, `--workers N`)."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        None, validation_alias=AliasChoices("INGEST_DATABASE_URL", "DATABASE_URL")
    )
    mqtt_url: str | None = Field(None, validation_alias=AliasChoices("INGEST_MQTT_URL", "MQTT_URL"))

    # MQTT
    topics: list[str] = Field(default_factory=lambda: list(DEFAULT_TOPICS))
    share_group: str = "wasteroute-ingest"  # $share/<group>/<topic>; "" for a plain subscription
    client_id: str = (
        "wasteroute-ingest"  # worker i connects as <client_id>-<i>: stable across restarts
    )
    protocol: str = "auto"  # "auto" (v5, else 3.1.1), "5" or "3.1.1"
    session_expiry_s: int = 7 * 24 * 3600  # the broker keeps our queue this long while we are away
    keepalive_s: int = 30
    reconnect_max_s: float = 1.0  # back-off cap: back within ~1 s of the broker's return

    # Partitions (docs/ingest.md, "Partitions"): 0 = every worker on one shared subscription;
    # P > 0 = P persistent, non-shared sessions `<client_id>-p<n>`, held through leases in
    # PostgreSQL; the only layout that loses nothing when Mosquitto 2.0 restarts.
    partitions: Annotated[int, Field(ge=0, le=1024)] = 0
    partition_refresh_s: float = 5.0  # how often the device list (the subscriptions) is re-read
    lease_grace_s: float = 1.0  # a free partition is taken only after being seen free this long

    # Batching and backpressure
    batch_size: int = 2000
    flush_interval_s: float = 0.2
    queue_size: int = 8000  # messages in memory at most; also our MQTT v5 Receive Maximum

    # Validation
    max_payload_bytes: int = 16384
    max_age_s: float = 7 * 24 * 3600  # older readings are rejected as stale
    max_future_s: float = 600.0  # readings further ahead than this are rejected
    rejected_payload_bytes: int = 2048  # raw payload kept in rejected_messages, truncated
    device_cache_ttl_s: float = 60.0
    fire_temperature_c: float = 60.0
    fire_jump_c: float = 20.0
    fire_clear_c: float = 45.0
    emptied_drop: float = 0.3  # a fill drop this large is an emptying (date_last_emptying)

    # Observability
    metrics_port: int | None = None  # worker i serves /metrics on metrics_port + i
    metrics_host: str = "127.0.0.1"
