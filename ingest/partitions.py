"""Partitions of the ingest: which device's messages belong to which persistent MQTT session.

Mosquitto 2.0 does not restore shared subscriptions after a restart, but it does restore the
plain subscriptions of a persistent session, and queues for that session while its client is
away. So the partitioned ingest has P fixed sessions (`<client_id>-p<n>`), each with plain
subscriptions to a disjoint set of topics, and any worker may hold any partition.

The partition key is the level of the topic that names the device, the same in all three
formats, so every message of a device goes to one partition and the load of one big tenant is
spread over all of them:

| format | topic | key |
|---|---|---|
| native | `wasteroute/v1/{tenant}/devices/{device_id}/up` | device_id |
| The Things Stack | `v3/{app}@{tts-tenant}/devices/{device_id}/up` | device_id |
| ChirpStack | `application/{app}/device/{dev_eui}/event/{up,status}` | dev_eui |

`partition_of(key, P)` is the CRC-32 of the key modulo P. A partition subscribes, for each
configured filter (INGEST_TOPICS, with `+` at the device level), to one filter per registered
device of the partition with the device level filled in. Messages of devices that are not
registered have no subscriber (the broker drops them; they would be `unknown_device` anyway).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.errors import ConfigError
from storage.ingest_partitions import DeviceKey

NATIVE, TTS, CHIRPSTACK = "native", "tts", "chirpstack"


@dataclass(frozen=True, slots=True)
class FilterShape:
    """One configured topic filter: its format and the level that names the device."""

    levels: tuple[str, ...]
    format: str
    device_level: int

    def with_key(self, key: str) -> str:
        levels = list(self.levels)
        levels[self.device_level] = key
        return "/".join(levels)

    def accepts(self, device: DeviceKey) -> str | None:
        """The key this filter takes for `device`, or None if none of its topics can match."""
        if self.format == NATIVE:
            tenant = self.levels[2]
            return device.device_id if tenant in ("+", device.tenant_id) else None
        if self.format == TTS:
            return device.device_id
        return device.dev_eui


def partition_of(key: str, partitions: int) -> int:
    """The partition of a device key (its topic's device level): CRC-32 modulo `partitions`."""
    return zlib.crc32(key.encode("utf-8")) % partitions


def filter_shape(topic_filter: str) -> FilterShape:
    """Parse a configured filter; ConfigError if it cannot be split by device."""
    levels = tuple(topic_filter.split("/"))
    shapes = {
        ("wasteroute", 6): (NATIVE, 4),
        ("v3", 5): (TTS, 3),
        ("application", 6): (CHIRPSTACK, 3),
    }
    found = shapes.get((levels[0], len(levels)))
    if found is None or levels[found[1]] != "+" or "#" in levels:
        raise ConfigError(
            f"INGEST_TOPICS filter {topic_filter!r} cannot be partitioned: with "
            "INGEST_PARTITIONS > 0 each filter must be one of the three formats' topics "
            "with '+' at the device level (see docs/ingest.md, Partitions)"
        )
    return FilterShape(levels, found[0], found[1])


def partition_filters(
    topics: Iterable[str], devices: Iterable[DeviceKey], partition: int, partitions: int
) -> set[str]:
    """The topic filters partition `partition` of `partitions` subscribes to."""
    shapes = [filter_shape(t) for t in topics]
    out: set[str] = set()
    for device in devices:
        for shape in shapes:
            key = shape.accepts(device)
            if key and _usable(key) and partition_of(key, partitions) == partition:
                out.add(shape.with_key(key))
    return out


def _usable(key: str) -> bool:
    """A key that can be one topic level (Mosquitto refuses wildcards and NUL in filters)."""
    return not any(c in key for c in "+#/\x00")
