"""One batch: decode, look up devices, validate, then write readings, state and rejects in one
transaction. Every message of the batch ends as a stored reading, a duplicate, a status
update or a rejected message, so after the commit all of them may be acknowledged.

Containment, so that no message can stop the ingest:
- decoding and validating run per message; any exception other than `Rejected` becomes a
  rejection with reason `internal_error` (logged with its traceback once per kind);
- if the batch cannot be sorted or written for any reason but a transient database one
  (`is_transient`), each message is processed alone in its own transaction, and a message
  that still fails is rejected (`database_rejected`, or `internal_error`);
- a transient error (connection lost, deadlock, out of resources) propagates: the writer
  retries the batch (ingest.writer).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from domain import Reading
from ingest.applications import ApplicationRegistry
from ingest.decode import decode_message, tenant_of_topic
from ingest.devices import DeviceCache
from ingest.errors import DATABASE_REJECTED, INTERNAL_ERROR, UNKNOWN_DEVICE, Rejected
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from ingest.uplink import Uplink
from ingest.validate import check_device, check_ranges, to_reading
from storage import DatabaseUnavailable
from storage.ingest_rejects import RejectedMessage, write_rejected
from storage.ingest_state import BatteryUpdate, update_battery
from storage.readings import AlarmRules, write_readings

log = logging.getLogger(__name__)

# SQLSTATE classes worth retrying the whole batch for: connection exceptions, insufficient
# resources, operator intervention (admin shutdown), system errors; plus a serialisation
# failure and a deadlock. A statement timeout (57014) is not: it may be the batch's own doing.
_TRANSIENT_CLASSES = ("08", "53", "57", "58")
_TRANSIENT_STATES = ("40001", "40P01")


def is_transient(exc: BaseException, conn: psycopg.Connection | None = None) -> bool:
    """True if the database, not the batch, failed: retry the same batch later."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if conn is not None and conn.closed:
        return True  # whatever the error, the connection is gone
    if isinstance(exc, psycopg.InterfaceError):
        return True
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state is None:
            return isinstance(exc, psycopg.OperationalError)  # e.g. the server went away
        if state == "57014":
            return False
        return state in _TRANSIENT_STATES or state[:2] in _TRANSIENT_CLASSES
    return False


@dataclass(slots=True)
class Sorted:
    """A batch split into what each message became."""

    readings: list[Reading] = field(default_factory=list)
    statuses: list[BatteryUpdate] = field(default_factory=list)
    rejected: list[RejectedMessage] = field(default_factory=list)
    empty_statuses: int = 0  # status events without a battery level: nothing to update

    @property
    def status_events(self) -> int:
        return len(self.statuses) + self.empty_statuses

    def extend(self, other: Sorted) -> None:
        self.readings += other.readings
        self.statuses += other.statuses
        self.rejected += other.rejected
        self.empty_statuses += other.empty_statuses


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What one processed batch became (the caller may check its own accounting)."""

    messages: int
    stored: int
    duplicates: int
    statuses: int
    rejected: int
    one_by_one: bool  # the batch fell back to one message per transaction


class BatchProcessor:
    """Turns (topic, payload) pairs into rows and writes them, committing each batch."""

    def __init__(self, settings: IngestSettings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.devices = DeviceCache(settings.device_cache_ttl_s)
        self.applications = ApplicationRegistry(settings.device_cache_ttl_s)
        self.rules = AlarmRules(
            settings.fire_temperature_c,
            settings.fire_jump_c,
            settings.fire_clear_c,
            settings.emptied_drop,
        )
        self._logged: set[tuple[str, str]] = set()

    def sort(self, conn: psycopg.Connection, messages: Sequence[tuple[str, bytes]]) -> Sorted:
        """Decode and validate a batch (reads devices; writes nothing)."""
        out = Sorted()
        decoded: list[tuple[str, bytes, Uplink]] = []
        for topic, payload in messages:
            try:
                uplink = decode_message(topic, payload, self.settings.max_payload_bytes)
            except Exception as exc:  # noqa: BLE001 - contained: the message is rejected
                out.rejected.append(self._reject(topic, payload, self._rejection(exc, topic)))
            else:
                decoded.append((topic, payload, uplink))
        devices = self.devices.resolve(conn, [u for _, _, u in decoded])
        if any(u.application is not None for _, _, u in decoded):
            self.applications.refresh(conn)
        now = datetime.now(UTC)
        s = self.settings
        for (topic, payload, uplink), device in zip(decoded, devices, strict=True):
            try:
                if device is None:
                    raise Rejected(
                        UNKNOWN_DEVICE,
                        f"no active device {uplink.device_id or uplink.dev_eui!r}",
                        uplink.tenant_id,
                    )
                if uplink.status_only:
                    check_device(uplink, device, self.applications)
                    check_ranges(uplink, device.tenant_id)
                    if uplink.battery_pct is not None:
                        out.statuses.append(
                            BatteryUpdate(device.tenant_id, device.container_id, uplink.battery_pct)
                        )
                    else:
                        out.empty_statuses += 1
                    continue
                out.readings.append(
                    to_reading(
                        uplink,
                        device,
                        now,
                        max_age_s=s.max_age_s,
                        max_future_s=s.max_future_s,
                        applications=self.applications,
                    )
                )
            except Exception as exc:  # noqa: BLE001 - contained: the message is rejected
                rejected = self._rejection(exc, topic)
                if rejected.tenant_id is None and device is not None:
                    rejected.tenant_id = device.tenant_id
                out.rejected.append(self._reject(topic, payload, rejected))
        return out

    def write(self, conn: psycopg.Connection, batch: Sorted) -> int:
        """Write a sorted batch in the open transaction; returns readings inserted."""
        inserted = write_readings(conn, batch.readings, self.rules)
        update_battery(conn, batch.statuses)
        write_rejected(conn, batch.rejected)
        return inserted

    def process(
        self, conn: psycopg.Connection, messages: Sequence[tuple[str, bytes]]
    ) -> BatchResult:
        """Sort, write and commit one batch. If that fails for any but a transient reason, each
        message is written alone. Raises only transient database errors (retry the batch)."""
        started = time.perf_counter()
        one_by_one = False
        try:
            batch = self.sort(conn, messages)
            with conn.transaction():
                inserted = self.write(conn, batch)
        except Exception as exc:
            if is_transient(exc, conn):
                raise
            log.warning(
                "batch of %d failed (%s: %s); writing one message at a time",
                len(messages),
                type(exc).__name__,
                str(exc)[:300],
            )
            one_by_one = True
            batch, inserted = self._one_by_one(conn, messages)
        self._count(len(messages), batch, inserted, time.perf_counter() - started)
        return BatchResult(
            messages=len(messages),
            stored=inserted,
            duplicates=len(batch.readings) - inserted,
            statuses=batch.status_events,
            rejected=len(batch.rejected),
            one_by_one=one_by_one,
        )

    def _one_by_one(
        self, conn: psycopg.Connection, messages: Sequence[tuple[str, bytes]]
    ) -> tuple[Sorted, int]:
        """Each message in its own transaction; one that fails is rejected, the rest written."""
        done = Sorted()
        failed: list[RejectedMessage] = []
        inserted = 0
        for topic, payload in messages:
            try:
                one = self.sort(conn, [(topic, payload)])
                with conn.transaction():
                    inserted += self.write(conn, one)
            except Exception as exc:
                if is_transient(exc, conn):
                    raise
                reason = DATABASE_REJECTED if isinstance(exc, psycopg.Error) else INTERNAL_ERROR
                self._log_once(exc, topic)
                rejected = Rejected(reason, f"{type(exc).__name__}: {exc}", tenant_of_topic(topic))
                failed.append(self._reject(topic, payload, rejected))
            else:
                done.extend(one)
        self._write_rejected_safely(conn, failed)
        done.rejected += failed
        return done, inserted

    def _write_rejected_safely(
        self, conn: psycopg.Connection, rejected: list[RejectedMessage]
    ) -> None:
        """Store rejections; one the database refuses is stored without its detail and topic.
        If even that fails it is a bug, and it propagates."""
        for r in rejected:
            try:
                with conn.transaction():
                    write_rejected(conn, [r])
            except Exception as exc:
                if is_transient(exc, conn):
                    raise
                self._log_once(exc, r.topic)
                bare = RejectedMessage(None, "(unstorable topic)", r.reason, "", r.payload)
                with conn.transaction():
                    write_rejected(conn, [bare])

    def _rejection(self, exc: Exception, topic: str) -> Rejected:
        if isinstance(exc, Rejected):
            return exc
        self._log_once(exc, topic)
        return Rejected(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", tenant_of_topic(topic))

    def _log_once(self, exc: BaseException, topic: str) -> None:
        """The traceback of each kind of unexpected failure once; later ones at debug level."""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
        key = (type(exc).__name__, where)
        if key in self._logged or len(self._logged) > 1000:
            log.debug("message on %.200r failed again: %r", topic, exc)
            return
        self._logged.add(key)
        log.error("unexpected failure on a message on %.200r", topic, exc_info=exc)

    def _count(self, n: int, batch: Sorted, inserted: int, seconds: float) -> None:
        m = self.metrics
        m.received.inc(n)
        m.stored.inc(inserted)
        m.duplicate.inc(len(batch.readings) - inserted)
        m.status.inc(batch.status_events)
        for r in batch.rejected:
            m.rejected.labels(r.reason).inc()
        m.batch_size.observe(n)
        m.commit_seconds.observe(seconds)
        if batch.rejected:
            log.info(
                "rejected %d of %d messages",
                len(batch.rejected),
                n,
                extra={"reasons": sorted({r.reason for r in batch.rejected})},
            )

    def _reject(self, topic: str, payload: bytes, exc: Rejected) -> RejectedMessage:
        log.debug("rejected message on %.200r: %.300s", topic, exc)
        return RejectedMessage(
            exc.tenant_id or tenant_of_topic(topic),
            topic[:512],
            exc.reason,
            exc.detail[:1000],
            payload[: self.settings.rejected_payload_bytes],
        )
