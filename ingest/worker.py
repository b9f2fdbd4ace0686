"""One ingest worker: a paho network loop in the calling thread and a batch writer thread.

The network loop is our own (not `loop_forever`): it reads while the queue has room, sends
the acknowledgements the writer hands back after each commit, and keeps the connection alive.
Acknowledgements carry the connection generation they belong to; after a reconnect the broker
redelivers whatever was not acknowledged, so acks of an older connection are dropped.

Public: `run_worker(settings, stop_event, worker_index=0)` blocks until `stop_event` is set,
then flushes, acknowledges, waits for the broker to confirm the acknowledgements (a PINGREQ
answered) and disconnects. If the writer thread dies, the loop stops and `run` raises
`WriterDied`, so the process exits non-zero and its supervisor restarts it (a worker that
reads on with nobody writing would only fill its queue).

A partition of the partitioned ingest (ingest.partition_worker) is a `Worker` with a fixed
client id, plain subscriptions given as `topic_filters` (changed with `set_filters` as devices
come and go) and `abort()` for a lease lost: stop at once, acknowledge nothing more.
"""

from __future__ import annotations

import logging
import random
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import paho.mqtt.client as mqtt

from ingest.errors import ConfigError, IngestError
from ingest.metrics import Metrics
from ingest.mqtt_client import BufferedClient, make_client, subscriptions
from ingest.settings import IngestSettings
from ingest.writer import BatchWriter

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 30.0
ACK_CONFIRM_TIMEOUT_S = 5.0
CONNACK_TIMEOUT_S = 5.0  # amqtt, asked for MQTT 5, neither answers nor closes the connection
READS_PER_WAKEUP = 2000
FILTERS_PER_SUBSCRIBE = 500  # topic filters per SUBSCRIBE / UNSUBSCRIBE packet

WriterFactory = Callable[..., BatchWriter]


class WriterDied(IngestError):
    """The batch writer thread ended while the worker was running: exit so it is restarted."""


class Worker:
    """See the module docstring. Use `run_worker` rather than this class directly."""

    def __init__(
        self,
        settings: IngestSettings,
        stop: threading.Event,
        index: int = 0,
        metrics: Metrics | None = None,
        *,
        client_id: str | None = None,
        topic_filters: Iterable[str] | None = None,
        writer_factory: WriterFactory = BatchWriter,
    ) -> None:
        if not settings.database_url:
            raise ConfigError("no database: set DATABASE_URL")
        if settings.protocol not in ("auto", "5", "3.1.1"):
            raise ConfigError(
                f"INGEST_PROTOCOL must be auto, 5 or 3.1.1, not {settings.protocol!r}"
            )
        self.settings = settings
        self.stop = stop
        self.index = index
        self.client_id = client_id or f"{settings.client_id}-{index}"
        self.metrics = metrics or Metrics()
        self.writer_factory = writer_factory
        # None: the configured filters (shared unless INGEST_SHARE_GROUP is empty); a set: plain
        # subscriptions to exactly these filters (a partition)
        self.topic_filters: set[str] | None = None if topic_filters is None else set(topic_filters)
        self._subscribed_filters: set[str] = set()
        self._new_filters: set[str] | None = None  # from set_filters, applied by the loop
        self._pending_mids: set[int] = set()
        self.aborted = False
        self.writer_died = False
        self.queue: deque = deque()
        self.acks: deque = deque()
        self.generation = 0
        self.v5 = settings.protocol != "3.1.1"
        self.ever_connected = False
        self.subscribed = threading.Event()
        self._attempts = 0
        self._handshakes = 0
        self._connect_started = time.monotonic()
        self.client = self._new_client()

    def _new_client(self) -> BufferedClient:
        client = make_client(self.settings, self.client_id, self.v5)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_socket_register_write = lambda *args: None  # our loop writes, in batches
        return client

    # ------------------------------------------------------------------ callbacks
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("broker refused worker %s: %s", self.client_id, reason)
            return
        self.generation += 1
        self.ever_connected = True
        self._attempts = 0
        self._pending_mids.clear()
        if self.topic_filters is None:
            result, mid = client.subscribe(subscriptions(self.settings, self.v5))
            if mid is not None:
                self._pending_mids.add(mid)
        else:
            self._subscribed_filters = set()
            self._change_filters(self.topic_filters)
        log.info(
            "worker %s connected (MQTT %s, session present: %s)",
            self.client_id,
            "5" if self.v5 else "3.1.1",
            bool(getattr(flags, "session_present", False)),
        )

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            log.error("worker %s: subscription refused: %s", self.client_id, failed[:5])
            return
        self._pending_mids.discard(mid)
        if self._pending_mids or self.subscribed.is_set():
            return
        if self.topic_filters is None:
            self.metrics.connected.set(1)
            shown = [t for t, _ in subscriptions(self.settings, self.v5)]
        else:
            shown = [f"{len(self._subscribed_filters)} device topics"]
        self.subscribed.set()
        log.info("worker %s subscribed to %s", self.client_id, shown)

    def set_filters(self, filters: Iterable[str]) -> None:
        """Replace a partition's filters (any thread); the network loop (un)subscribes."""
        self._new_filters = set(filters)

    def _change_filters(self, wanted: set[str]) -> None:
        c = self.client
        self.topic_filters = wanted
        added = sorted(wanted - self._subscribed_filters)
        removed = sorted(self._subscribed_filters - wanted)
        for i in range(0, len(added), FILTERS_PER_SUBSCRIBE):
            result, mid = c.subscribe([(t, 1) for t in added[i : i + FILTERS_PER_SUBSCRIBE]])
            if mid is not None:
                self._pending_mids.add(mid)
        for i in range(0, len(removed), FILTERS_PER_SUBSCRIBE):
            c.unsubscribe(removed[i : i + FILTERS_PER_SUBSCRIBE])
        self._subscribed_filters = set(wanted)
        if not self._pending_mids and c.is_connected() and not self.subscribed.is_set():
            self.subscribed.set()  # nothing to wait for (a partition without devices)
            log.info("worker %s subscribed to %s", self.client_id, ["no device topics"])

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.generation += 1  # acks of the old connection must not go out on the next one
        if self.topic_filters is None:
            self.metrics.connected.set(0)
        self.subscribed.clear()
        if not self.stop.is_set():
            log.warning("worker %s disconnected: %s", self.client_id, reason)

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.queue.append((self.generation, message))

    # ------------------------------------------------------------------ loop
    def run(self) -> None:
        """Run until `stop` is set; raises WriterDied if the writer thread ended on its own."""
        writer = self.writer_factory(
            self.settings, self.queue, self.acks, self.metrics, name=f"writer-{self.client_id}"
        )
        writer.start()
        try:
            while not self.stop.is_set():
                if not writer.is_alive():
                    self.writer_died = True
                    log.critical(
                        "worker %s: the batch writer thread died; stopping so that the "
                        "process exits and is restarted",
                        self.client_id,
                    )
                    break
                if self.client.socket() is None:
                    self._reconnect()
                else:
                    self._step()
        finally:
            self._shutdown(writer)
        if self.writer_died:
            raise WriterDied(f"worker {self.client_id}: the batch writer thread died")

    def abort(self) -> None:
        """Stop at once (a lease lost): nothing more is written or acknowledged; the broker
        keeps the session and redelivers what was not acknowledged to the next holder."""
        self.aborted = True
        self.stop.set()

    def _step(self) -> None:
        c = self.client
        if not c.is_connected() and time.monotonic() - self._connect_started > CONNACK_TIMEOUT_S:
            log.warning(
                "worker %s: no CONNACK within %.0f s; closing", self.client_id, CONNACK_TIMEOUT_S
            )
            c.abort()
            return
        self._send_acks()
        if self._new_filters is not None and c.is_connected():
            wanted, self._new_filters = self._new_filters, None
            self._change_filters(wanted)
        room = len(self.queue) < self.settings.queue_size
        if room and c.has_buffered():
            readable = True
        else:
            sock = c.socket()
            assert sock is not None
            r, _, _ = select.select(
                [sock] if room else [], [sock] if c.want_write() else [], [], 0.005
            )
            readable = bool(r)
        if readable:
            for _ in range(READS_PER_WAKEUP):
                if c.loop_read() != mqtt.MQTT_ERR_SUCCESS or not c.has_buffered():
                    break
                if len(self.queue) >= self.settings.queue_size:
                    break
        if c.socket() is not None:
            if c.want_write():
                c.loop_write()
            c.loop_misc()

    def _send_acks(self) -> None:
        c, current = self.client, self.generation
        while self.acks:
            batch = self.acks.popleft()
            c.ack_many([mid for gen, mid, qos in batch if gen == current and qos == 1])
            for gen, mid, qos in batch:
                if gen == current and qos == 2:
                    c.ack(mid, qos)

    def _reconnect(self) -> None:
        if self._attempts:
            # 0.1 s, 0.2 s, ... up to reconnect_max_s (1 s), jitter so N workers do not stampede
            delay = min(self.settings.reconnect_max_s, 0.1 * 2 ** min(self._attempts - 1, 10))
            delay *= random.uniform(0.5, 1.0)
            self.metrics.reconnects.inc()
            if self.stop.wait(delay):
                return
        self._attempts += 1
        if (
            self._handshakes
            and self.settings.protocol == "auto"
            and self.v5
            and not self.ever_connected
        ):
            self._fall_back_to_v311()  # the broker took our TCP connection but not MQTT 5
        try:
            self._connect_started = time.monotonic()
            self.client.reconnect()
            self._handshakes += 1
        except OSError as exc:
            log.warning("worker %s cannot reach the broker (%s); retrying", self.client_id, exc)

    def _fall_back_to_v311(self) -> None:
        log.warning(
            "worker %s: broker did not accept MQTT 5; using MQTT 3.1.1 and a plain "
            "(unshared) subscription",
            self.client_id,
        )
        self.v5 = False
        self.client = self._new_client()

    def _shutdown(self, writer: BatchWriter) -> None:
        if self.aborted or self.writer_died:
            writer.abandon.set()
            if self.client.socket() is not None:
                self.client.abort()  # no DISCONNECT: the broker keeps the session as it is
            log.warning("worker %s stopped without flushing", self.client_id)
            return
        writer.finish.set()
        deadline = time.monotonic() + SHUTDOWN_TIMEOUT_S
        while writer.is_alive() and time.monotonic() < deadline:
            self._flush_acks()
            writer.join(0.01)
        if writer.is_alive():
            log.error(
                "worker %s: writer did not finish in %.0f s; unacknowledged messages "
                "will be redelivered",
                self.client_id,
                SHUTDOWN_TIMEOUT_S,
            )
            writer.abandon.set()
            writer.join(5)
        self._flush_acks()
        if self.client.socket() is not None:
            # at least half a second, even when the writer took the whole shutdown time: the
            # supervisor waits 40 s for a worker (30 + 5 for an abandoned writer + this)
            self._confirm_acks(min(ACK_CONFIRM_TIMEOUT_S, max(0.5, deadline - time.monotonic())))
            self.client.disconnect()
            self.client.loop_write()
        log.info("worker %s stopped", self.client_id)

    def _confirm_acks(self, timeout_s: float) -> None:
        """Wait until the broker has processed our last acknowledgements (a PINGREQ answered).

        A broker reads a connection's packets one after another; when a restarted worker
        reconnects with the same client id before the broker has read them all, the broker
        drops the old connection with the acknowledgements still unread, and redelivers their
        messages. Messages that arrive meanwhile are not written and not acknowledged: the
        broker keeps them for the session.
        """
        c = self.client
        if not c.is_connected():
            return
        c.ping()
        deadline = time.monotonic() + timeout_s
        while not c.ping_answered() and time.monotonic() < deadline:
            if c.want_write() and c.loop_write() != mqtt.MQTT_ERR_SUCCESS:
                return
            sock = c.socket()
            if sock is None:
                return
            if c.has_buffered() or select.select([sock], [], [], 0.05)[0]:
                if c.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                    return
        if not c.ping_answered():
            log.warning(
                "worker %s: broker did not confirm the last acknowledgements within %.1f s; "
                "their messages may be redelivered",
                self.client_id,
                timeout_s,
            )

    def _flush_acks(self) -> None:
        if self.client.socket() is not None:
            self._send_acks()
            if self.client.want_write():
                self.client.loop_write()
            self.client.loop_misc()


def run_worker(
    settings: IngestSettings,
    stop_event: threading.Event,
    worker_index: int = 0,
    metrics: Metrics | None = None,
) -> None:
    """Run one ingest worker until `stop_event` is set (then flush, ack and disconnect).

    Blocks; run it in a thread for an in-process worker (the demo). Serves /metrics on
    `settings.metrics_port + worker_index` if a port is set.
    """
    worker = Worker(settings, stop_event, worker_index, metrics)
    if settings.metrics_port is not None:
        worker.metrics.serve(settings.metrics_port + worker_index, settings.metrics_host)
    worker.run()
