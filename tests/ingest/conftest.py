"""Ingest test helpers: devices in the test database, ingest workers in subprocesses, and a
QoS 1 publisher on the real Mosquitto."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def count_rows(db: psycopg.Connection, tenant_id: str) -> int:
    return db.execute(
        "SELECT count(*) AS n FROM readings WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()["n"]


@pytest.fixture
def add_device(db: psycopg.Connection, tenant_id: str) -> Callable[..., str]:
    """Create a container (depth 1000 mm) and a device in it; returns the device id."""

    def add(
        device_id: str | None = None,
        dev_eui: str | None = None,
        depth_mm: float | None = 1000.0,
        tenant: str | None = None,
    ) -> str:
        tenant = tenant or tenant_id
        device_id = device_id or f"dev-{uuid.uuid4().hex[:10]}"
        container = db.execute(
            "INSERT INTO containers"
            " (tenant_id, external_id, lat, lon, fraction, volume_l, depth_mm)"
            " VALUES (%s, %s, 51.9, 4.4, 'residual', 1100, %s) RETURNING id",
            (tenant, f"c-{device_id}", depth_mm),
        ).fetchone()["id"]
        db.execute(
            "INSERT INTO devices (tenant_id, device_id, dev_eui, container_id) "
            "VALUES (%s, %s, %s, %s)",
            (tenant, device_id, dev_eui, container),
        )
        return device_id

    return add


class WorkerProcess:
    """`wasteroute ingest` in a subprocess, logging to a file."""

    def __init__(self, log_path: Path, env: dict[str, str], args: list[str]) -> None:
        self.log_path = log_path
        self.env = env
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, wait: bool = True) -> WorkerProcess:
        self.starts += 1
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "ingest", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        if wait:
            self.wait_subscribed()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_subscribed(self, timeout_s: float = 15) -> None:
        wait_for(
            lambda: self.log().count(" subscribed to ") >= self.starts or self._died(),
            timeout_s,
            "the ingest worker to subscribe",
        )
        assert not self._died(), f"ingest worker exited:\n{self.log()}"

    def _died(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout_s: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout_s)


@pytest.fixture
def start_worker(
    database_url: str, mqtt_url: str, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ingest workers as subprocesses; all are SIGKILLed at the end of the test."""
    started: list[WorkerProcess] = []
    share_group = f"g{uuid.uuid4().hex[:8]}"  # per test, so tests never take each other's messages

    def start(
        topics: list[str],
        client_id: str | None = None,
        index: int = 0,
        extra_env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> WorkerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
        env.update(
            {
                "DATABASE_URL": database_url,
                "MQTT_URL": mqtt_url,
                "INGEST_SHARE_GROUP": share_group,
                "INGEST_SESSION_EXPIRY_S": "120",
                "INGEST_FLUSH_INTERVAL_S": "0.05",
                **(extra_env or {}),
            }
        )
        args = [
            "--client-id",
            client_id or f"test-{uuid.uuid4().hex[:8]}",
            "--first-index",
            str(index),
        ]
        for t in topics:
            args += ["--topic", t]
        worker = WorkerProcess(tmp_path / f"worker-{len(started)}.log", env, args)
        started.append(worker)
        return worker.start(wait)

    yield start
    for w in started:
        if w.proc is not None and w.proc.poll() is None:
            w.kill()


class Publisher:
    """A QoS 1 publisher with a persistent session, so a broker restart loses nothing."""

    def __init__(self, mqtt_url: str) -> None:
        from urllib.parse import urlparse

        parsed = urlparse(mqtt_url)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.1, 1)
        self.acked: set[int] = set()
        self.client.on_publish = lambda client, userdata, mid, *rest: self.acked.add(mid)
        self.client.connect(parsed.hostname, parsed.port or 1883, keepalive=10)
        self.client.loop_start()
        self.infos: list[mqtt.MQTTMessageInfo] = []

    def publish(self, topic: str, payload: bytes | str, qos: int = 1) -> None:
        self.infos.append(self.client.publish(topic, payload, qos=qos))

    def wait_all(self, timeout_s: float = 30) -> None:
        # Not MQTTMessageInfo.is_published: it raises for messages queued while disconnected,
        # which paho still sends after reconnecting.
        wait_for(
            lambda: all(i.mid in self.acked for i in self.infos),
            timeout_s,
            "the broker to acknowledge every publish",
        )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mqtt_url: str) -> Iterator[Publisher]:
    pub = Publisher(mqtt_url)
    yield pub
    pub.close()
