"""MQTT ingest: sensor messages in, readings in TimescaleDB out. Imports `domain`, `storage`.

Public API:
- `IngestSettings` (ingest.settings): INGEST_* environment, DATABASE_URL, MQTT_URL.
- `run_worker(settings, stop_event, worker_index=0)` (ingest.worker): one worker, blocking;
  run it in a thread for an in-process ingest (the demo). `Worker.subscribed` tells when
  it is ready.
- `run_workers(settings, workers)` (ingest.supervisor): N worker processes (the CLI).
- `decode_message(topic, payload)` (ingest.decode): one message to an `Uplink`, or `Rejected`.
- `to_reading(uplink, device, now, ...)`, `fill_from_distance` (ingest.validate).
- `native_topic(tenant_id, device_id)`, `native_payload(...)` (ingest.native): what a
  simulator publishes.
- Errors (ingest.errors): `IngestError`, `ConfigError`, `BrokerError`, `Rejected` and the
  reject reasons.
"""

from ingest.decode import decode_message
from ingest.errors import BrokerError, ConfigError, IngestError, Rejected
from ingest.native import native_payload, native_topic
from ingest.settings import IngestSettings
from ingest.supervisor import run_workers
from ingest.uplink import Uplink
from ingest.validate import fill_from_distance, to_reading
from ingest.worker import Worker, run_worker

__all__ = [
    "BrokerError",
    "ConfigError",
    "IngestError",
    "IngestSettings",
    "Rejected",
    "Uplink",
    "Worker",
    "decode_message",
    "fill_from_distance",
    "native_payload",
    "native_topic",
    "run_worker",
    "run_workers",
    "to_reading",
]
