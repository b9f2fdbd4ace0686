"""A worker process of the partitioned ingest: holds partitions through leases, runs each.

Every `LEASE_TICK_S` the worker, on its own lease connection (storage.ingest_partitions):
- counts the live workers (each holds a lease on its index) and so its fair share,
  ceil(P / live workers);
- gives back partitions above its share (stops each gracefully: flush, acknowledge, wait for
  the broker's confirmation, disconnect; then releases the lease), so a restarted worker gets
  work again;
- takes free partitions up to its share: one it held before a lease loss at once, any other
  only after it has been seen free for `INGEST_LEASE_GRACE_S` (its holder may be back in a
  moment); taking one starts a `Worker` with client id `<client_id>-p<n>`, which inherits the
  session and whatever the broker queued for it while nobody held it;
- re-reads the device list every `INGEST_PARTITION_REFRESH_S` and updates each partition's
  subscriptions.

If the lease connection fails (the database or the link to it is down), every partition stops
at once without acknowledging (`Worker.abort`): the server has dropped our leases, so another
worker may take them, and two clients with one session id would only push each other off
the broker. The broker keeps the sessions; the partitions are taken again when the database
is back. If a partition's writer thread dies, the other partitions stop gracefully and `run`
raises `WriterDied`: the process exits non-zero and the supervisor restarts it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import psycopg

from ingest.metrics import Metrics
from ingest.partitions import partition_filters
from ingest.settings import IngestSettings
from ingest.worker import Worker, WriterDied, WriterFactory
from ingest.writer import BatchWriter
from storage.errors import DatabaseUnavailable
from storage.ingest_partitions import (
    DeviceKey,
    LeaseSpace,
    active_device_keys,
    connect_leases,
    held_leases,
    release_lease,
    try_lease,
)

log = logging.getLogger(__name__)

LEASE_TICK_S = 0.25
PARTITION_STOP_TIMEOUT_S = 45.0  # a Worker's own shutdown is bounded by about 40 s


@dataclass
class Partition:
    """A partition this process runs: its worker and the thread of its network loop."""

    number: int
    worker: Worker
    thread: threading.Thread
    error: BaseException | None = None
    releasing: bool = False


@dataclass
class LeaseView:
    """What one tick saw: partition and worker leases (number → holder's backend pid)."""

    partitions: dict[int, int] = field(default_factory=dict)
    workers: dict[int, int] = field(default_factory=dict)


class PartitionedWorker:
    """One worker process of `wasteroute ingest --partitions P` (see the module docstring)."""

    def __init__(
        self,
        settings: IngestSettings,
        stop: threading.Event,
        index: int = 0,
        metrics: Metrics | None = None,
        writer_factory: WriterFactory = BatchWriter,
    ) -> None:
        self.settings = settings
        self.stop = stop
        self.index = index
        self.metrics = metrics or Metrics()
        self.writer_factory = writer_factory
        self.count = settings.partitions
        self.space = LeaseSpace.of(settings.client_id)
        self.running: dict[int, Partition] = {}
        self.reclaim: set[int] = set()  # held before the lease connection was lost
        self.free_since: dict[int, float] = {}
        self.devices: list[DeviceKey] = []
        self._devices_read_at = -math.inf
        self._conn: psycopg.Connection | None = None
        self._died: WriterDied | None = None

    def run(self) -> None:
        """Hold and run partitions until `stop` is set; raises WriterDied (see above)."""
        log.info(
            "ingest worker %d: %d partitions, client ids %s-p<n>",
            self.index,
            self.count,
            self.settings.client_id,
        )
        try:
            while not self.stop.is_set() and self._died is None:
                self._tick()
                self.stop.wait(LEASE_TICK_S)
        finally:
            self._stop_all()
        if self._died is not None:
            raise self._died

    # ------------------------------------------------------------------ one tick
    def _tick(self) -> None:
        self._reap()
        if self._died is not None:
            return
        try:
            if self._conn is None:
                self._conn = connect_leases(self.settings.database_url or "")
                log.info("ingest worker %d: lease connection open", self.index)
            view = LeaseView(
                held_leases(self._conn, self.space.partitions),
                held_leases(self._conn, self.space.workers),
            )
            if self.index not in view.workers and try_lease(
                self._conn, self.space.workers, self.index
            ):  # retried every tick while a dead predecessor's backend still holds it
                view.workers[self.index] = -1
            self._refresh_devices()
            self._balance(view)
        except (psycopg.Error, DatabaseUnavailable) as exc:
            self._lease_lost(exc)
        self._report()

    def _reap(self) -> None:
        """Forget partitions whose thread ended; a dead writer ends the process."""
        for number, part in list(self.running.items()):
            if part.thread.is_alive():
                continue
            del self.running[number]
            if isinstance(part.error, WriterDied):
                self._died = part.error
            elif part.error is not None:
                self._died = WriterDied(f"partition {number} failed: {part.error!r}")
            if part.releasing and self._conn is not None:
                try:
                    release_lease(self._conn, self.space.partitions, number)
                    log.info("ingest worker %d: gave back partition %d", self.index, number)
                except psycopg.Error as exc:
                    self._lease_lost(exc)

    def _balance(self, view: LeaseView) -> None:
        assert self._conn is not None
        live = max(1, len(view.workers))
        share = math.ceil(self.count / live)
        mine = [n for n, p in self.running.items() if not p.releasing]
        for number in sorted(mine, key=self._preference, reverse=True)[: max(0, len(mine) - share)]:
            self._give_back(number)
        now = time.monotonic()
        for number in range(self.count):
            if number in view.partitions:
                self.free_since.pop(number, None)
            else:
                self.free_since.setdefault(number, now)
        room = share - len(self.running)
        for number in sorted(self.free_since, key=self._preference):
            if room <= 0:
                break
            if number in self.running:  # an aborted partition whose thread has not ended yet
                continue
            waited = now - self.free_since[number]
            if number not in self.reclaim and waited < self.settings.lease_grace_s:
                continue
            if try_lease(self._conn, self.space.partitions, number):
                self.free_since.pop(number, None)
                self.reclaim.discard(number)
                self._start(number)
                room -= 1

    def _preference(self, number: int) -> int:
        """Worker i prefers partitions i, i + W, ... (W: workers started), then the rest."""
        return (number - self.index) % self.count

    # ------------------------------------------------------------------ partitions
    def _start(self, number: int) -> None:
        worker = Worker(
            self.settings,
            threading.Event(),
            self.index,
            self.metrics,
            client_id=f"{self.settings.client_id}-p{number}",
            topic_filters=self._filters(number),
            writer_factory=self.writer_factory,
        )
        part = Partition(number, worker, threading.Thread())
        part.thread = threading.Thread(
            target=self._run_partition, args=(part,), name=f"partition-{number}", daemon=True
        )
        self.running[number] = part
        part.thread.start()
        log.info("ingest worker %d: took partition %d", self.index, number)

    @staticmethod
    def _run_partition(part: Partition) -> None:
        try:
            part.worker.run()
        except BaseException as exc:  # noqa: BLE001 - reported to the lease loop, which exits
            part.error = exc
            if not isinstance(exc, WriterDied):
                log.exception("partition %d failed", part.number)

    def _give_back(self, number: int) -> None:
        part = self.running[number]
        part.releasing = True
        part.worker.stop.set()  # graceful; _reap releases the lease once the thread is done
        log.info("ingest worker %d: giving back partition %d", self.index, number)

    def _lease_lost(self, exc: BaseException) -> None:
        if self._conn is not None or self.running:
            log.warning(
                "ingest worker %d: lease connection lost (%s); stopping %d partitions until "
                "the database is back",
                self.index,
                str(exc).strip()[:200],
                len(self.running),
            )
        self.reclaim |= set(self.running)
        for part in self.running.values():
            part.worker.abort()
        for part in self.running.values():
            part.thread.join(5)
        self.running = {n: p for n, p in self.running.items() if p.thread.is_alive()}
        self.free_since.clear()
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def _stop_all(self) -> None:
        for part in self.running.values():
            part.worker.stop.set()
        deadline = time.monotonic() + PARTITION_STOP_TIMEOUT_S
        for part in self.running.values():
            part.thread.join(max(0.1, deadline - time.monotonic()))
            if isinstance(part.error, WriterDied) and self._died is None:
                self._died = part.error
        if self._conn is not None:
            self._conn.close()  # releases every lease we hold
            self._conn = None
        log.info("ingest worker %d stopped", self.index)

    # ------------------------------------------------------------------ devices
    def _refresh_devices(self) -> None:
        assert self._conn is not None
        now = time.monotonic()
        if now - self._devices_read_at < self.settings.partition_refresh_s:
            return
        devices = active_device_keys(self._conn)
        self._devices_read_at = now
        if devices == self.devices:
            return
        self.devices = devices
        for number, part in self.running.items():
            part.worker.set_filters(self._filters(number))

    def _filters(self, number: int) -> set[str]:
        return partition_filters(self.settings.topics, self.devices, number, self.count)

    def _report(self) -> None:
        held = len(self.running)
        ready = sum(1 for p in self.running.values() if p.worker.subscribed.is_set())
        self.metrics.partitions_held.set(held)
        self.metrics.partitions_subscribed.set(ready)
        self.metrics.connected.set(1 if held and ready == held else 0)
