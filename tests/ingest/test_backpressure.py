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


def test_slow_database_keeps_the_queue_bounded(db, database_url, mqtt_url, tenant_id, add_device,
                                               publisher):
    """With readings locked, the queue stays at INGEST_QUEUE_SIZE; after, all N are stored."""
    device = add_device()
    settings = IngestSettings(database_url=database_url, mqtt_url=mqtt_url,
                              topics=[f"wasteroute/v1/{tenant_id}/devices/+/up"],
                              client_id=f"bp-{tenant_id}", share_group=f"bp-{tenant_id}",
                              queue_size=QUEUE, batch_size=100, session_expiry_s=120)
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
            publisher.publish(native_topic(tenant_id, device),
                              native_payload(start + timedelta(seconds=i), fill_fraction=0.5))
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
