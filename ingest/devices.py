"""A TTL cache of device lookups, so a batch costs at most one query for the devices it has
not seen lately. Unknown devices are cached too (negative entries), for the same TTL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import psycopg

from ingest.uplink import Uplink
from storage.ingest_devices import IngestDevice, find_ingest_devices

Clock = Callable[[], float]


class DeviceCache:
    """Resolve uplinks to devices by the topic's key: device_id (native, TTS), else dev_eui
    (ChirpStack). A TTS payload's DevEUI is never used to find a device (see ingest.uplink)."""

    def __init__(self, ttl_s: float = 60.0, clock: Clock = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._by_id: dict[str, tuple[float, IngestDevice | None]] = {}
        self._by_eui: dict[str, tuple[float, IngestDevice | None]] = {}

    def resolve(
        self, conn: psycopg.Connection, uplinks: Sequence[Uplink]
    ) -> list[IngestDevice | None]:
        """The device of each uplink (None where unknown or inactive), querying only misses."""
        now = self._clock()
        missing_ids = {
            u.device_id
            for u in uplinks
            if u.device_id and not self._fresh(self._by_id, u.device_id, now)
        }
        missing_euis = {
            u.dev_eui
            for u in uplinks
            if not u.device_id and u.dev_eui and not self._fresh(self._by_eui, u.dev_eui, now)
        }
        if missing_ids or missing_euis:
            self._load(conn, missing_ids, missing_euis, now)
        return [self._lookup(u) for u in uplinks]

    def _load(
        self, conn: psycopg.Connection, ids: Iterable[str], euis: Iterable[str], now: float
    ) -> None:
        ids, euis = set(ids), set(euis)
        expires = now + self._ttl_s
        for device_id in ids:
            self._by_id[device_id] = (expires, None)
        for dev_eui in euis:
            self._by_eui[dev_eui] = (expires, None)
        for device in find_ingest_devices(conn, ids, euis):
            found = device if device.active else None
            self._by_id[device.device_id] = (expires, found)
            if device.dev_eui:
                self._by_eui[device.dev_eui] = (expires, found)
        if (
            len(self._by_id) + len(self._by_eui) > 1_000_000
        ):  # bound memory under a flood of junk ids
            self._by_id.clear()
            self._by_eui.clear()

    def _lookup(self, uplink: Uplink) -> IngestDevice | None:
        if uplink.device_id:
            hit = self._by_id.get(uplink.device_id)
            return hit[1] if hit else None
        if uplink.dev_eui:
            hit = self._by_eui.get(uplink.dev_eui)
            if hit and hit[1]:
                return hit[1]
        return None

    @staticmethod
    def _fresh(cache: dict[str, tuple[float, IngestDevice | None]], key: str, now: float) -> bool:
        hit = cache.get(key)
        return hit is not None and hit[0] > now
