"""Helpers for the partitioned-ingest tests: a private Mosquitto, lease views, device streams."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli.bench.fault_services import PrivateMosquitto
from ingest.partitions import partition_of
from storage import connect
from storage.ingest_partitions import LeaseSpace, held_leases
from tests.ingest.conftest import Publisher, wait_for


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A Mosquitto of this test's own (restarting it disturbs nobody else's tests)."""
    broker = PrivateMosquitto(tmp_path / "mosquitto")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def partition_holders(database_url: str, client_id: str) -> dict[int, int]:
    """Partition → backend pid of the lease holder, for the ingest with this client id."""
    with connect(database_url, autocommit=True) as conn:
        return held_leases(conn, LeaseSpace.of(client_id).partitions)


def wait_partitions_spread(
    database_url: str, client_id: str, partitions: int, holders: int, timeout_s: float = 40
) -> dict[int, int]:
    """Wait until all partitions are held, by `holders` distinct lease connections."""

    def spread() -> bool:
        held = partition_holders(database_url, client_id)
        return len(held) == partitions and len(set(held.values())) == holders

    wait_for(spread, timeout_s, f"{partitions} partitions held by {holders} workers")
    time.sleep(0.5)  # the last partition taken connects and subscribes within milliseconds
    return partition_holders(database_url, client_id)


def devices_of_partition(devices: list[str], partition: int, partitions: int) -> list[str]:
    return [d for d in devices if partition_of(d, partitions) == partition]


def stream(
    publisher: Publisher, tenant_id: str, devices: list[str], n: int, per_second: float
) -> threading.Thread:
    """Publish n QoS 1 native readings round-robin over devices at about `per_second`."""
    start = datetime.now(UTC) - timedelta(hours=1)

    def run() -> None:
        t0 = time.monotonic()
        for i in range(n):
            publisher.publish(
                f"wasteroute/v1/{tenant_id}/devices/{devices[i % len(devices)]}/up",
                json.dumps(
                    {
                        "measured_at": (start + timedelta(milliseconds=i)).isoformat(),
                        "fill_fraction": (i % 100) / 100,
                    }
                ),
            )
            ahead = i / per_second - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def assert_each_once(db, tenant_id: str, n: int) -> None:
    row = db.execute(
        "SELECT count(*) AS n, count(DISTINCT (device_id, measured_at)) AS d "
        "FROM readings WHERE tenant_id = %s",
        (tenant_id,),
    ).fetchone()
    assert (row["n"], row["d"]) == (n, n)
