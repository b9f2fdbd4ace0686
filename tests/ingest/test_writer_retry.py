"""The batch writer during a database outage: it retries the same batch with a back-off capped
at about a second, so writing resumes within 2 s of the database coming back. The outage is a
TCP proxy in front of the real TimescaleDB that is cut and restored (no broker needed)."""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from cli.bench.fault_services import DatabaseProxy
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from ingest.writer import BatchWriter
from tests.ingest.conftest import count_rows, wait_for

OUTAGE_S = 4.0


@dataclass
class _Message:
    topic: str
    payload: bytes
    mid: int
    qos: int = 1


def test_writing_resumes_within_2_s_of_the_database_coming_back(
    database_url, db, tenant_id, add_device
):
    device = add_device()
    topic = f"wasteroute/v1/{tenant_id}/devices/{device}/up"
    proxy = DatabaseProxy(database_url)
    settings = IngestSettings(
        database_url=proxy.url, mqtt_url="mqtt://unused:1883", flush_interval_s=0.02
    )
    queue: deque = deque()
    metrics = Metrics()
    writer = BatchWriter(settings, queue, deque(), metrics)
    writer.start()
    try:

        def send(i: int) -> None:
            at = datetime.now(UTC) - timedelta(minutes=10 - i)
            body = {"measured_at": at.isoformat(), "fill_fraction": 0.5}
            queue.append((0, _Message(topic, json.dumps(body).encode(), i + 1)))

        send(0)
        wait_for(lambda: count_rows(db, tenant_id) == 1, 10, "the first reading")
        proxy.cut()
        send(1)  # fails at once, then is retried while the database is away
        time.sleep(OUTAGE_S)
        proxy.restore()
        back = time.monotonic()
        wait_for(lambda: count_rows(db, tenant_id) == 2, 10, "the reading after the outage")
        resumed_s = time.monotonic() - back
        assert resumed_s < 2.0, f"writing resumed {resumed_s:.1f} s after the database came back"
        assert metrics.registry.get_sample_value("ingest_db_errors_total") >= 2
        assert writer.is_alive() and writer.error is None
    finally:
        writer.finish.set()
        writer.join(10)
        proxy.close()
    assert not writer.is_alive()


class _Fails:
    """A processor seam: raises `exc` on every batch."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.calls = 0

    def process(self, conn, messages) -> None:
        self.calls += 1
        raise self.exc


def _writer_with(processor: _Fails, database_url: str) -> tuple[BatchWriter, deque, Metrics]:
    settings = IngestSettings(
        database_url=database_url, mqtt_url="mqtt://unused:1883", flush_interval_s=0.02
    )
    queue: deque = deque()
    metrics = Metrics()
    writer = BatchWriter(settings, queue, deque(), metrics)
    writer.processor = processor  # type: ignore[assignment]
    queue.append((0, _Message("wasteroute/v1/t/devices/d/up", b"{}", 1)))
    return writer, queue, metrics


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_bug_kills_the_writer_loudly_instead_of_retrying(database_url):
    """An exception that is not a transient database error is a bug (the processor contains
    every message): the writer is not stuck retrying it, it dies with the error kept."""
    processor = _Fails(ZeroDivisionError("a bug"))
    writer, _, metrics = _writer_with(processor, database_url)
    writer.start()
    writer.join(10)
    assert not writer.is_alive()
    assert isinstance(writer.error, ZeroDivisionError) and processor.calls == 1
    assert metrics.registry.get_sample_value("ingest_db_errors_total") == 0


def test_a_transient_database_error_is_retried(database_url):
    import psycopg

    processor = _Fails(psycopg.OperationalError("server closed the connection unexpectedly"))
    writer, _, metrics = _writer_with(processor, database_url)
    writer.start()
    wait_for(lambda: processor.calls >= 3, 10, "three attempts")
    assert writer.is_alive() and writer.error is None
    writer.abandon.set()
    writer.join(10)
    assert metrics.registry.get_sample_value("ingest_db_errors_total") >= 3
