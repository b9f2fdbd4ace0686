"""Prometheus metrics of one worker, in its own registry (so workers can run in-process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from ingest.errors import REASONS


class Metrics:
    """Counters of messages received / readings stored / duplicates / rejected{reason}, batch
    size and commit latency histograms, queue depth and connection gauges; partitions held and
    subscribed (partitioned ingest)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter("ingest_messages_received", "MQTT messages received", registry=r)
        self.stored = Counter("ingest_readings_stored", "readings inserted", registry=r)
        self.duplicate = Counter(
            "ingest_readings_duplicate",
            "readings already stored (redeliveries, resends)",
            registry=r,
        )
        self.rejected = Counter(
            "ingest_messages_rejected", "messages rejected, by reason", ["reason"], registry=r
        )
        for reason in REASONS:
            self.rejected.labels(reason)
        self.status = Counter(
            "ingest_status_updates", "battery-only status events applied", registry=r
        )
        self.batch_size = Histogram(
            "ingest_batch_size",
            "messages per committed batch",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000),
            registry=r,
        )
        self.commit_seconds = Histogram(
            "ingest_commit_seconds",
            "batch write and commit time",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.db_errors = Counter("ingest_db_errors", "failed batch writes (retried)", registry=r)
        self.queue_depth = Gauge(
            "ingest_queue_depth", "messages waiting for the writer", registry=r
        )
        self.connected = Gauge("ingest_connected", "1 while connected and subscribed", registry=r)
        self.partitions_held = Gauge(
            "ingest_partitions_held", "partitions this worker holds a lease on", registry=r
        )
        self.partitions_subscribed = Gauge(
            "ingest_partitions_subscribed", "held partitions connected and subscribed", registry=r
        )
        self.reconnects = Counter(
            "ingest_reconnects", "connection attempts after a loss", registry=r
        )

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        """Serve /metrics on host:port from a daemon thread."""
        start_http_server(port, addr=host, registry=self.registry)
