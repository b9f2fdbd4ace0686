"""At least once in, exactly once stored: worker killed, broker restarted (two partitioned
workers), two workers sharing."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from tests.ingest import partition_helpers
from tests.ingest.conftest import Publisher, count_rows, wait_for
from tests.ingest.partition_helpers import assert_each_once, stream, wait_partitions_spread

private_broker = partition_helpers.private_broker  # a fixture: this test's own Mosquitto

N = 3000


def _stream(
    publisher: Publisher, tenant_id: str, devices: list[str], n: int = N, per_second: float = 1500
) -> threading.Thread:
    """Publish n QoS 1 readings, round-robin over devices, at about `per_second`, in a thread."""
    start = datetime.now(UTC) - timedelta(hours=1)

    def run() -> None:
        t0 = time.monotonic()
        for i in range(n):
            device = devices[i % len(devices)]
            at = start + timedelta(milliseconds=i)
            publisher.publish(
                f"wasteroute/v1/{tenant_id}/devices/{device}/up",
                json.dumps({"measured_at": at.isoformat(), "fill_fraction": (i % 100) / 100}),
            )
            ahead = i / per_second - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _assert_exactly_once(db, tenant_id: str, n: int = N) -> None:
    row = db.execute(
        "SELECT count(*) AS n, count(DISTINCT (device_id, measured_at)) AS d "
        "FROM readings WHERE tenant_id = %s",
        (tenant_id,),
    ).fetchone()
    assert (row["n"], row["d"]) == (n, n)


@pytest.mark.slow
def test_sigkill_mid_stream_then_restart_loses_nothing(
    db, tenant_id, add_device, start_worker, publisher
):
    """SIGKILL the worker mid-stream of QoS 1 readings; after a restart each is stored once."""
    devices = [add_device() for _ in range(5)]
    worker = start_worker([f"wasteroute/v1/{tenant_id}/devices/+/up"])
    stream = _stream(publisher, tenant_id, devices)
    wait_for(lambda: count_rows(db, tenant_id) >= N // 5, 20, "part of the stream")
    worker.kill()
    stored_at_kill = count_rows(db, tenant_id)
    assert stored_at_kill < N, "the stream ended before the kill; slow it down"
    time.sleep(0.5)
    worker.start()
    stream.join(30)
    publisher.wait_all()
    wait_for(lambda: count_rows(db, tenant_id) >= N, 30, "the whole stream after the restart")
    time.sleep(0.5)  # anything redelivered late would show up as an extra row (it must not)
    _assert_exactly_once(db, tenant_id)
    assert worker.terminate() == 0


@pytest.mark.slow
def test_broker_restart_mid_stream_loses_nothing(
    db, database_url, tenant_id, add_device, start_worker, private_broker
):
    """Restart Mosquitto 2.0 (persistence on) in the middle of a stream to two partitioned
    workers: nothing lost or duplicated, although Mosquitto 2.0 forgets shared subscriptions.

    The broker is this test's own, so other tests' messages are not disturbed. Each partition
    is a persistent session with plain subscriptions, which Mosquitto restores from its
    persistence file: what arrives before the workers are back is queued for them.
    """
    devices = [add_device() for _ in range(16)]
    client_id = f"rs-{tenant_id}"
    env = {"MQTT_URL": private_broker.url, "INGEST_PARTITIONS": "4"}
    topic = [f"wasteroute/v1/{tenant_id}/devices/+/up"]
    workers = [
        start_worker(topic, client_id=client_id, index=i, extra_env=env, wait=False)
        for i in range(2)
    ]
    wait_partitions_spread(database_url, client_id, 4, 2)
    publisher = Publisher(private_broker.url)
    try:
        streaming = stream(publisher, tenant_id, devices, N, per_second=1500)
        wait_for(lambda: count_rows(db, tenant_id) >= N // 5, 20, "part of the stream")
        private_broker.restart()
        assert count_rows(db, tenant_id) < N, "the stream ended before the restart; slow it down"
        streaming.join(60)
        publisher.wait_all(60)
    finally:
        publisher.close()
    wait_for(lambda: count_rows(db, tenant_id) >= N, 60, "the whole stream after the restart")
    time.sleep(0.5)
    assert_each_once(db, tenant_id, N)
    for w in workers:
        assert "disconnected" in w.log()
        assert "session present: True" in w.log()
        assert w.terminate() == 0


def _received(port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    match = re.search(r"^ingest_messages_received_total (\S+)$", text, re.M)
    return float(match[1]) if match else 0.0


@pytest.mark.slow
def test_two_workers_share_the_stream(db, tenant_id, add_device, start_worker, publisher):
    """Two workers on one shared subscription both take part; every reading is stored once."""
    devices = [add_device() for _ in range(10)]
    port = random.randint(20000, 60000)
    topic = [f"wasteroute/v1/{tenant_id}/devices/+/up"]
    env = {"INGEST_METRICS_PORT": str(port)}
    a = start_worker(topic, client_id="share-a", index=0, extra_env=env)
    b = start_worker(topic, client_id="share-b", index=1, extra_env=env)
    _stream(publisher, tenant_id, devices, per_second=3000).join(30)
    publisher.wait_all()
    wait_for(lambda: count_rows(db, tenant_id) >= N, 30, "the whole stream")
    _assert_exactly_once(db, tenant_id)
    took_a, took_b = _received(port), _received(port + 1)
    assert took_a > N / 10 and took_b > N / 10, (took_a, took_b)
    assert took_a + took_b == N
    assert a.terminate() == 0 and b.terminate() == 0
