"""A stalled database pushes back onto the broker: the worker's queue never grows past its
bound, and everything is stored once the database is back."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from ingest import IngestSettings, Worker, native_payload, native_topic
from storage import connect
from tests.ingest.conftest import count_rows, wait_for

N = 3000
QUEUE = 300


def test_slow_database_keeps_the_queue_bounded(
    db, database_url, mqtt_url, tenant_id, add_device, publisher
):
    """With readings locked, the queue stays at INGEST_QUEUE_SIZE; after, all N are stored."""
    device = add_device()
    settings = IngestSettings(
        database_url=database_url,
        mqtt_url=mqtt_url,
        topics=[f"wasteroute/v1/{tenant_id}/devices/+/up"],
        client_id=f"bp-{tenant_id}",
        share_group=f"bp-{tenant_id}",
        queue_size=QUEUE,
        batch_size=100,
        session_expiry_s=120,
    )
    stop = threading.Event()
    worker = Worker(settings, stop)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    assert worker.subscribed.wait(15)
    blocker = connect(database_url)  # holds a lock on readings until rolled back
    blocker.execute("LOCK TABLE readings IN ACCESS EXCLUSIVE MODE")
    try:
        start = datetime.now(UTC) - timedelta(hours=1)
        for i in range(N):
            publisher.publish(
                native_topic(tenant_id, device),
                native_payload(start + timedelta(seconds=i), fill_fraction=0.5),
            )
        publisher.wait_all()
        deepest = 0
        until = time.monotonic() + 2
        while time.monotonic() < until:
            deepest = max(deepest, len(worker.queue))
            time.sleep(0.005)
        assert QUEUE // 2 <= deepest <= QUEUE
    finally:
        blocker.rollback()
        blocker.close()
    wait_for(lambda: count_rows(db, tenant_id) == N, 60, "every reading after the stall")
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


def test_stop_flushes_and_acknowledges(
    db, database_url, mqtt_url, tenant_id, add_device, publisher
):
    """Stopping (what SIGTERM does) while a batch waits on the database: the worker writes it,
    acknowledges it and exits; the next worker with the same session gets no redelivery."""
    device = add_device()
    settings = IngestSettings(
        database_url=database_url,
        mqtt_url=mqtt_url,
        topics=[f"wasteroute/v1/{tenant_id}/devices/+/up"],
        client_id=f"stop-{tenant_id}",
        share_group=f"stop-{tenant_id}",
        session_expiry_s=120,
    )
    stop = threading.Event()
    worker = Worker(settings, stop)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    assert worker.subscribed.wait(15)
    blocker = connect(database_url)
    blocker.execute("LOCK TABLE readings IN ACCESS EXCLUSIVE MODE")
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(500):
        publisher.publish(
            native_topic(tenant_id, device),
            native_payload(start + timedelta(seconds=i), fill_fraction=0.5),
        )
    publisher.wait_all()
    time.sleep(0.5)
    stop.set()  # the batch writer is stuck on the lock now
    time.sleep(0.5)
    blocker.rollback()
    blocker.close()
    thread.join(30)
    assert not thread.is_alive()
    assert count_rows(db, tenant_id) == 500
    again = Worker(settings, threading.Event())
    second = threading.Thread(target=again.run, daemon=True)
    second.start()
    assert again.subscribed.wait(15)
    time.sleep(1.0)
    again.stop.set()
    second.join(30)
    assert again.metrics.received._value.get() == 0  # nothing was left unacknowledged
