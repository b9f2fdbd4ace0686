"""Faults of the scaled-out ingest: a worker killed, a writer thread dying."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from cli.bench.fault_services import DatabaseProxy, free_port
from ingest import IngestSettings, native_payload, native_topic
from ingest.supervisor import EXIT_WRITER_DIED, RESTART_PAUSE_S, run_workers, worker_main
from ingest.worker import Worker, WriterDied
from ingest.writer import BatchWriter
from tests.ingest.conftest import ROOT, Publisher, WorkerProcess, count_rows, wait_for
from tests.ingest.partition_helpers import (
    assert_each_once,
    devices_of_partition,
    partition_holders,
    stream,
    wait_partitions_spread,
)


class WriterBug(BaseException):
    """Stands for a bug no handler expects (BaseException: it passes `except Exception`)."""


class _Explodes:
    def process(self, conn: Any, messages: Any) -> None:
        raise WriterBug("a bug in the batch writer")


class DyingWriter(BatchWriter):
    """A real BatchWriter whose processor raises on the first batch: the thread dies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.processor = _Explodes()  # type: ignore[assignment]


def _settings(database_url: str, mqtt_url: str, tenant_id: str, **kw: Any) -> IngestSettings:
    return IngestSettings(
        database_url=database_url,
        mqtt_url=mqtt_url,
        topics=[f"wasteroute/v1/{tenant_id}/devices/+/up"],
        client_id=f"die-{uuid.uuid4().hex[:8]}",
        share_group=f"die-{tenant_id}",
        session_expiry_s=60,
        **kw,
    )


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_writer_death_stops_the_worker(database_url, mqtt_url, tenant_id, add_device, publisher):
    """The network loop sees the dead writer thread, stops reading and raises WriterDied."""
    device = add_device()
    stop = threading.Event()
    worker = Worker(_settings(database_url, mqtt_url, tenant_id), stop, writer_factory=DyingWriter)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            worker.run()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert worker.subscribed.wait(15)
    publisher.publish(native_topic(tenant_id, device), _payload())
    thread.join(15)
    assert not thread.is_alive(), "the worker kept running with a dead writer"
    assert not stop.is_set()
    assert len(raised) == 1 and isinstance(raised[0], WriterDied)


@pytest.mark.slow
@pytest.mark.parametrize("partitions", [0, 2])
def test_worker_process_exits_non_zero_when_its_writer_dies(
    database_url, mqtt_url, tenant_id, add_device, publisher, partitions
):
    """A worker process (shared or partitioned) whose writer dies exits with 70, so the
    supervisor, which restarts any worker that exits, restarts it."""
    device = add_device()
    port = free_port()
    settings = _settings(
        database_url,
        mqtt_url,
        tenant_id,
        partitions=partitions,
        lease_grace_s=0.0,
        metrics_port=port,
    )
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=worker_main, args=(settings, 0, None, DyingWriter))
    proc.start()
    try:
        wait_for(lambda: _connected(port), 40, "the worker to connect and subscribe")
        if partitions:
            assert len(partition_holders(database_url, settings.client_id)) == partitions
        publisher.publish(native_topic(tenant_id, device), _payload())
        publisher.wait_all()
        proc.join(30)
        assert proc.exitcode == EXIT_WRITER_DIED
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(5)


def _supervise(settings: IngestSettings, log_path: str) -> None:
    """A supervisor of two workers whose writers die (the target of a spawned process)."""
    logging.basicConfig(filename=log_path, level=logging.INFO)
    run_workers(settings, 2, 0, None, DyingWriter)


@pytest.mark.slow
def test_supervisor_restarts_a_worker_whose_writer_died(
    database_url, mqtt_url, tenant_id, add_device, publisher, tmp_path
):
    """`wasteroute ingest --workers 2`: the worker that exits 70 is started again."""
    device = add_device()
    port = free_port()
    settings = _settings(database_url, mqtt_url, tenant_id, metrics_port=port)
    log_path = tmp_path / "supervisor.log"
    proc = multiprocessing.get_context("spawn").Process(
        target=_supervise, args=(settings, str(log_path))
    )
    proc.start()
    try:
        wait_for(lambda: _connected(port) and _connected(port + 1), 60, "both workers to subscribe")
        publisher.publish(native_topic(tenant_id, device), _payload())
        publisher.wait_all()
        wait_for(
            lambda: log_path.exists() and "exited with 70; restarting" in log_path.read_text(),
            30,
            "the supervisor to restart the worker",
        )
        time.sleep(RESTART_PAUSE_S + 0.5)
        assert log_path.read_text().count("started ingest worker") >= 3
    finally:
        proc.terminate()
        proc.join(60)
        if proc.is_alive():
            proc.kill()


def _payload() -> bytes:
    return native_payload(datetime.now(UTC), fill_fraction=0.5)


def _connected(port: int) -> bool:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
    except OSError:
        return False
    return b"\ningest_connected 1.0\n" in text


def _start(tmp_path, name: str, env: dict[str, str], args: list[str]) -> WorkerProcess:
    return WorkerProcess(tmp_path / f"{name}.log", env, args).start(wait=False)


@pytest.mark.slow
def test_partition_taken_over_after_sigkill_delivers_its_queued_messages(
    db, database_url, mqtt_url, tenant_id, add_device, tmp_path
):
    """SIGKILL the holder of a partition, publish: the broker queues for the orphaned session,
    and the worker that takes the partition over gets those messages; each stored once."""
    devices = [add_device() for _ in range(12)]
    client_id = f"tk-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "MQTT_URL": mqtt_url,
            "INGEST_PARTITIONS": "2",
            "INGEST_LEASE_GRACE_S": "3",
            "INGEST_SESSION_EXPIRY_S": "120",
            "INGEST_FLUSH_INTERVAL_S": "0.05",
            "PYTHONPATH": str(ROOT),
        }
    )
    topic = ["--topic", f"wasteroute/v1/{tenant_id}/devices/+/up", "--client-id", client_id]
    a = _start(tmp_path, "a", env, [*topic, "--first-index", "0"])
    b = _start(tmp_path, "b", env, [*topic, "--first-index", "1"])
    try:
        held = wait_partitions_spread(database_url, client_id, 2, 2)
        pid_a = next(iter(set(held.values())))
        orphan = next(p for p, pid in held.items() if pid == pid_a)
        victim = a if f"took partition {orphan}" in a.log() else b
        survivor = b if victim is a else a
        victim.kill()
        publisher = Publisher(mqtt_url)
        try:
            n = 600
            stream(publisher, tenant_id, devices, n, per_second=3000).join(30)
            publisher.wait_all()
        finally:
            publisher.close()
        queued = devices_of_partition(devices, orphan, 2)
        assert queued, "no device in the orphaned partition; use more devices"
        stored_of_orphan = db.execute(
            "SELECT count(*) AS n FROM readings WHERE tenant_id = %s AND device_id = ANY(%s)",
            (tenant_id, queued),
        ).fetchone()["n"]
        assert stored_of_orphan == 0, "the orphaned partition was taken before the publish"
        wait_for(lambda: count_rows(db, tenant_id) >= n, 40, "every reading after the takeover")
        time.sleep(0.5)
        assert_each_once(db, tenant_id, n)
        assert f"took partition {orphan}" in survivor.log()
        assert f"-p{orphan} connected (MQTT 5, session present: True)" in survivor.log()
        assert survivor.terminate() == 0
    finally:
        for w in (a, b):
            if w.proc is not None and w.proc.poll() is None:
                w.kill()


@pytest.mark.slow
def test_database_outage_mid_stream_loses_nothing(
    db, database_url, mqtt_url, tenant_id, add_device, tmp_path
):
    """Cut the database off for 3 s under a stream to a partitioned worker: its partitions stop
    without acknowledging, are taken again when the database is back; each reading stored once."""
    devices = [add_device() for _ in range(8)]
    client_id = f"db-{uuid.uuid4().hex[:8]}"
    proxy = DatabaseProxy(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env.update(
        {
            "DATABASE_URL": proxy.url,
            "MQTT_URL": mqtt_url,
            "INGEST_PARTITIONS": "2",
            "INGEST_SESSION_EXPIRY_S": "120",
            "INGEST_FLUSH_INTERVAL_S": "0.05",
            "PYTHONPATH": str(ROOT),
        }
    )
    args = ["--topic", f"wasteroute/v1/{tenant_id}/devices/+/up", "--client-id", client_id]
    worker = _start(tmp_path, "w", env, args)
    publisher = Publisher(mqtt_url)
    try:
        wait_partitions_spread(database_url, client_id, 2, 1)
        n = 3000
        streaming = stream(publisher, tenant_id, devices, n, per_second=500)
        wait_for(lambda: count_rows(db, tenant_id) >= 500, 20, "part of the stream")
        proxy.cut()
        time.sleep(3)
        during = count_rows(db, tenant_id)
        proxy.restore()
        wait_for(lambda: count_rows(db, tenant_id) > during, 5, "writes to resume")
        streaming.join(30)
        publisher.wait_all()
        wait_for(lambda: count_rows(db, tenant_id) >= n, 40, "every reading after the outage")
        time.sleep(0.5)
        assert_each_once(db, tenant_id, n)
        assert "lease connection lost" in worker.log()
        assert worker.terminate() == 0
    finally:
        publisher.close()
        proxy.close()
        if worker.proc is not None and worker.proc.poll() is None:
            worker.kill()
