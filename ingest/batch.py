"""One batch: decode, look up devices, validate, then write readings, state and rejects in one
transaction. Every message of the batch ends as a stored reading, a duplicate, a status
update or a rejected message, so after the commit all of them may be acknowledged."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from domain import Reading
from ingest.decode import decode_message, tenant_of_topic
from ingest.devices import DeviceCache
from ingest.errors import DATABASE_REJECTED, UNKNOWN_DEVICE, Rejected
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from ingest.uplink import Uplink
from ingest.validate import check_ranges, to_reading
from storage.ingest_rejects import RejectedMessage, write_rejected
from storage.ingest_state import update_battery
from storage.readings import AlarmRules, write_readings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Sorted:
    """A batch split into what each message became."""

    readings: list[Reading] = field(default_factory=list)
    statuses: list[tuple[str, int, float]] = field(default_factory=list)
    rejected: list[RejectedMessage] = field(default_factory=list)


class BatchProcessor:
    """Turns (topic, payload) pairs into rows and writes them; the caller commits."""

    def __init__(self, settings: IngestSettings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.devices = DeviceCache(settings.device_cache_ttl_s)
        self.rules = AlarmRules(
            settings.fire_temperature_c,
            settings.fire_jump_c,
            settings.fire_clear_c,
            settings.emptied_drop,
        )

    def sort(self, conn: psycopg.Connection, messages: Sequence[tuple[str, bytes]]) -> Sorted:
        """Decode and validate a batch (reads devices; writes nothing)."""
        out = Sorted()
        decoded: list[tuple[str, bytes, Uplink]] = []
        for topic, payload in messages:
            try:
                decoded.append(
                    (
                        topic,
                        payload,
                        decode_message(topic, payload, self.settings.max_payload_bytes),
                    )
                )
            except Rejected as exc:
                out.rejected.append(self._reject(topic, payload, exc))
        devices = self.devices.resolve(conn, [u for _, _, u in decoded])
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
                    check_ranges(uplink, device.tenant_id)
                    if uplink.battery_pct is not None:
                        out.statuses.append(
                            (device.tenant_id, device.container_id, uplink.battery_pct)
                        )
                    continue
                out.readings.append(
                    to_reading(
                        uplink, device, now, max_age_s=s.max_age_s, max_future_s=s.max_future_s
                    )
                )
            except Rejected as exc:
                if exc.tenant_id is None and device is not None:
                    exc.tenant_id = device.tenant_id
                out.rejected.append(self._reject(topic, payload, exc))
        return out

    def write(self, conn: psycopg.Connection, batch: Sorted) -> int:
        """Write a sorted batch in the open transaction; returns readings inserted."""
        inserted = write_readings(conn, batch.readings, self.rules)
        update_battery(conn, batch.statuses)
        write_rejected(conn, batch.rejected)
        return inserted

    def process(self, conn: psycopg.Connection, messages: Sequence[tuple[str, bytes]]) -> None:
        """Sort, write and commit one batch; on a data error, fall back to one row at a time."""
        started = time.perf_counter()
        batch = self.sort(conn, messages)
        try:
            with conn.transaction():
                inserted = self.write(conn, batch)
        except (psycopg.DataError, psycopg.IntegrityError) as exc:
            log.warning(
                "batch of %d rejected by the database (%s); writing row by row", len(messages), exc
            )
            inserted = self._write_one_by_one(conn, batch)
        self._count(len(messages), batch, inserted, time.perf_counter() - started)

    def _write_one_by_one(self, conn: psycopg.Connection, batch: Sorted) -> int:
        inserted = 0
        good = Sorted(statuses=batch.statuses, rejected=list(batch.rejected))
        for reading in batch.readings:
            try:
                with conn.transaction():
                    inserted += write_readings(conn, [reading], self.rules)
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                good.rejected.append(
                    RejectedMessage(
                        reading.tenant_id,
                        f"device {reading.device_id}",
                        DATABASE_REJECTED,
                        str(exc)[:500],
                        repr(reading).encode()[: self.settings.rejected_payload_bytes],
                    )
                )
        with conn.transaction():
            self.write(conn, good)
        batch.rejected[:] = good.rejected
        return inserted

    def _count(self, n: int, batch: Sorted, inserted: int, seconds: float) -> None:
        m = self.metrics
        m.received.inc(n)
        m.stored.inc(inserted)
        m.duplicate.inc(len(batch.readings) - inserted)
        m.status.inc(len(batch.statuses))
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
        log.debug("rejected message on %s: %s", topic, exc)
        return RejectedMessage(
            exc.tenant_id or tenant_of_topic(topic),
            topic[:512],
            exc.reason,
            exc.detail[:1000],
            payload[: self.settings.rejected_payload_bytes],
        )
