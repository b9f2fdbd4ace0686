"""The moving parts of `wasteroute bench ingest-faults`: a partitioned ingest in real worker
processes (`wasteroute ingest --workers W --partitions P`), a QoS 1 stream publisher that
rides out broker restarts, and the measures taken in the database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from psycopg.rows import tuple_row

from storage import connect

ROOT = Path(__file__).resolve().parents[2]


class Ingest:
    """`wasteroute ingest` with W partitioned workers, in a process group of its own."""

    def __init__(
        self,
        workers: int,
        partitions: int,
        database_url: str,
        broker_url: str,
        tenant: str,
        metrics_port: int,
        log_path: Path,
    ) -> None:
        self.workers, self.partitions, self.metrics_port = workers, partitions, metrics_port
        self.client_id = f"{tenant}-w{workers}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
        env.update(
            {
                "DATABASE_URL": database_url,
                "MQTT_URL": broker_url,
                "INGEST_SESSION_EXPIRY_S": "900",
                "INGEST_FLUSH_INTERVAL_S": "0.05",
                "PYTHONPATH": str(ROOT),
            }
        )
        cmd = [
            sys.executable,
            "-m",
            "cli.main",
            "ingest",
            "--workers",
            str(workers),
            "--partitions",
            str(partitions),
            "--client-id",
            self.client_id,
            "--metrics-port",
            str(metrics_port),
            "--topic",
            f"wasteroute/v1/{tenant}/devices/+/up",
            "--share-group",
            self.client_id,  # used only without partitions: the layout that loses readings
        ]
        self.log = open(log_path, "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Until every partition is held and subscribed (summed over the workers' /metrics);
        without partitions, until every worker is subscribed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.partitions:
                ports = [self.metrics_port + i for i in range(self.workers)]
                if all(metric(port, "ingest_connected") == 1 for port in ports):
                    return
                time.sleep(0.2)
                continue
            counts = [
                metric(self.metrics_port + i, "ingest_partitions_subscribed")
                for i in range(self.workers)
            ]
            if sum(c for c in counts if c == c) == self.partitions and all(c >= 1 for c in counts):
                return
            time.sleep(0.2)
        raise TimeoutError(f"the {self.workers} ingest workers did not take all partitions")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the supervisor that run spawn_main)."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [int(p) for p in path.read_text().split()]
        return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(90)
        finally:
            self.log.close()


class StreamPublisher:
    """QoS 1, persistent session, reconnects within 1 s: every publish is eventually acked.

    Each payload's `measured_at` is its publish time, so rows tell when they were published.
    """

    def __init__(self, broker_url: str, tenant: str, devices: list[str]) -> None:
        from ingest.mqtt_client import parse_mqtt_url

        address = parse_mqtt_url(broker_url)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"fault-pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        self.client.max_inflight_messages_set(200)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.1, 1)  # type: ignore[arg-type]  # floats work
        self.acked = 0
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect(address.host, address.port, keepalive=10)
        self.client.loop_start()
        self.topics = [f"wasteroute/v1/{tenant}/devices/{d}/up" for d in devices]
        self.sent = 0

    def _on_publish(self, *args: object) -> None:
        with self._lock:
            self.acked += 1

    def stream(self, n: int, per_second: float) -> threading.Thread:
        def run() -> None:
            t0 = time.monotonic()
            for i in range(n):
                body = b'{"measured_at":%.6f,"fill_fraction":%.2f}' % (time.time(), i % 100 / 100)
                self.client.publish(self.topics[i % len(self.topics)], body, qos=1)
                self.sent += 1
                ahead = (i + 1) / per_second - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def wait_acked(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while self.acked < self.sent and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass(frozen=True)
class Stored:
    """What the database holds of a run: rows, distinct keys, first commit after a moment."""

    rows: int
    distinct: int


def _rows(database_url: str, sql: str, params: tuple) -> list[tuple[Any, ...]]:
    with connect(database_url, autocommit=True) as conn:
        with conn.cursor(row_factory=tuple_row) as cur:
            return cur.execute(sql, params).fetchall()


def count_stored(database_url: str, tenant: str, since: float) -> Stored:
    """Rows measured (published) since `since` (epoch s), and how many distinct keys."""
    ((rows, distinct),) = _rows(
        database_url,
        "SELECT count(*), count(DISTINCT (device_id, measured_at)) FROM readings"
        " WHERE tenant_id = %s AND measured_at >= to_timestamp(%s)",
        (tenant, since),
    )
    return Stored(int(rows), int(distinct))


def wait_stored(database_url: str, tenant: str, since: float, expected: int) -> Stored:
    """Poll until `expected` rows since `since` are stored, or nothing changed for 20 s."""
    last, changed = -1, time.monotonic()
    while True:
        stored = count_stored(database_url, tenant, since)
        if stored.rows >= expected or time.monotonic() - changed > 20:
            return stored
        if stored.rows != last:
            last, changed = stored.rows, time.monotonic()
        time.sleep(0.3)


def first_commit_after(
    database_url: str, tenant: str, moment: float, published_after: bool = False
) -> float:
    """Seconds from `moment` (epoch s) to the first reading written after it (NaN if none);
    with `published_after`, the first of those published after it (not one read before)."""
    column = "measured_at" if published_after else "received_at"
    ((first,),) = _rows(
        database_url,
        f"SELECT min(received_at) FROM readings WHERE tenant_id = %s AND {column} >= "
        "to_timestamp(%s)",
        (tenant, moment),
    )
    return first.timestamp() - moment if first else float("nan")


def longest_stall(database_url: str, tenant: str, since: float, groups: dict[str, int]) -> float:
    """The longest time any partition went without a write, over readings measured since
    `since` (received_at gaps per partition; `groups` maps device → partition)."""
    rows = _rows(
        database_url,
        "SELECT device_id, extract(epoch FROM received_at)::float8 FROM readings"
        " WHERE tenant_id = %s AND measured_at >= to_timestamp(%s) ORDER BY received_at",
        (tenant, since),
    )
    last: dict[int, float] = {}
    worst = 0.0
    for device_id, at in rows:
        part = groups[device_id]
        if part in last:
            worst = max(worst, at - last[part])
        last[part] = at
    return worst


def metric(port: int, name: str) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return float("nan")
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(match[1]) if match else float("nan")
