"""The batch writer thread: takes messages from the bounded queue, writes each batch, and
hands the batch's message ids back to the network loop to acknowledge after the commit.

The queue is a `collections.deque` shared with the network loop: the loop appends
`(generation, message)` and stops reading from the socket while the deque holds
`queue_size` messages, so a slow database pushes back onto the broker and memory stays flat.
A batch is flushed when it reaches `batch_size`, when its oldest message has waited
`flush_interval_s`, or when nothing new arrived for a short idle gap.

While the database is away the writer retries the same batch: 0.1 s, 0.2 s, 0.4 s, 0.8 s, then
every `RETRY_MAX_S` (1 s), so writing resumes within about a second of the database coming
back. Input cannot stop it (ingest.batch contains every message); an exception that is not a
transient database error is a bug: the thread logs it and dies with it, `error` holds it, and
the worker (which checks `is_alive()`) exits so its supervisor restarts it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import psycopg

from ingest.batch import BatchProcessor, is_transient
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from storage import connect

log = logging.getLogger(__name__)

IDLE_FLUSH_S = 0.02
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 1.0


class BatchWriter(threading.Thread):
    """Runs until `finish` is set and the queue is empty (or `abandon` is set)."""

    def __init__(
        self,
        settings: IngestSettings,
        queue: deque,
        acks: deque,
        metrics: Metrics,
        name: str = "ingest-writer",
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.settings = settings
        self.queue = queue
        self.acks = acks  # (generation, [(mid, qos), ...]) per committed batch
        self.metrics = metrics
        self.processor = BatchProcessor(settings, metrics)
        self.finish = threading.Event()  # no more messages will come: drain and stop
        self.abandon = threading.Event()  # stop now, even with messages unwritten
        self._conn: psycopg.Connection | None = None
        self.error: BaseException | None = None  # what killed the thread, if anything did

    def run(self) -> None:
        try:
            while not self.abandon.is_set():
                batch = self._take()
                if batch is None:
                    break
                if self._write_until_done(batch):
                    self.acks.append([(gen, msg.mid, msg.qos) for gen, msg in batch if msg.qos])
        except BaseException as exc:
            self.error = exc
            log.critical("batch writer died; the worker must exit", exc_info=exc)
            raise
        finally:
            if self._conn is not None:
                self._conn.close()

    def _take(self) -> list[tuple[int, Any]] | None:
        q, s = self.queue, self.settings
        first_at = last_change = time.monotonic()
        last_len = 0
        while True:
            n = len(q)
            now = time.monotonic()
            if n != last_len:
                if last_len == 0:
                    first_at = now
                last_len, last_change = n, now
            if n >= s.batch_size or (
                n and (now - first_at >= s.flush_interval_s or now - last_change >= IDLE_FLUSH_S)
            ):
                break
            if self.abandon.is_set() or (self.finish.is_set() and not n):
                return None
            if self.finish.is_set():
                break
            time.sleep(0.002)
        self.metrics.queue_depth.set(n)
        return [q.popleft() for _ in range(min(n, s.batch_size))]

    def _write_until_done(self, batch: list[tuple[int, Any]]) -> bool:
        """Write with retries while the database is away; False if abandoned before success."""
        messages = [(_topic(msg), bytes(msg.payload)) for _, msg in batch]
        delay = RETRY_FIRST_S
        while not self.abandon.is_set():
            try:
                if self._conn is None or self._conn.closed:
                    # autocommit: each batch is one explicit transaction (conn.transaction())
                    self._conn = connect(self.settings.database_url or "", autocommit=True)
                self.processor.process(self._conn, messages)
                return True
            except Exception as exc:
                if not is_transient(exc, self._conn):
                    raise  # process() contains every message: this is a bug
                self.metrics.db_errors.inc()
                log.warning("batch write failed, retrying in %.1f s: %s", delay, exc)
                self._close()
                self.abandon.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)
        return False

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _topic(message: Any) -> str:
    try:
        return str(message.topic)
    except UnicodeDecodeError:  # not valid UTF-8: keep it visible, it will be rejected
        return bytes(message._topic).decode("utf-8", "replace")
