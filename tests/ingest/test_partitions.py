"""Partitions of the ingest: each device topic in exactly one partition, for all three formats."""

from __future__ import annotations

import pytest

from ingest.errors import ConfigError
from ingest.partitions import filter_shape, partition_filters, partition_of
from ingest.settings import DEFAULT_TOPICS
from storage.ingest_partitions import DeviceKey

DEVICES = [DeviceKey("t-a", f"dev-{i}", f"{i:016x}" if i % 2 else None) for i in range(200)] + [
    DeviceKey("t-b", "other-1", "a0a0a0a0a0a0a0a0")
]


def test_every_device_topic_is_in_exactly_one_partition():
    """Over 4 partitions the default filters' device topics are disjoint and cover all."""
    per_partition = [partition_filters(DEFAULT_TOPICS, DEVICES, n, 4) for n in range(4)]
    union = set().union(*per_partition)
    assert sum(len(p) for p in per_partition) == len(union)
    with_eui = sum(1 for d in DEVICES if d.dev_eui)
    # native + TTS per device, ChirpStack up + status per DevEUI
    assert len(union) == 2 * len(DEVICES) + 2 * with_eui
    assert all(len(p) > len(union) / 8 for p in per_partition), [len(p) for p in per_partition]


def test_a_device_topic_lands_in_the_partition_of_its_key():
    """The partition of a topic is the CRC-32 of its device level, whatever the format."""
    device = DeviceKey("t-a", "dev-7", "00000000000000ff")
    for n in range(8):
        filters = partition_filters(DEFAULT_TOPICS, [device], n, 8)
        expected = set()
        if partition_of("dev-7", 8) == n:
            expected |= {"wasteroute/v1/+/devices/dev-7/up", "v3/+/devices/dev-7/up"}
        if partition_of("00000000000000ff", 8) == n:
            expected |= {
                "application/+/device/00000000000000ff/event/up",
                "application/+/device/00000000000000ff/event/status",
            }
        assert filters == expected


def test_a_tenant_filter_takes_only_that_tenants_devices():
    """A native filter naming a tenant subscribes only to that tenant's devices."""
    filters = set().union(
        *(partition_filters(["wasteroute/v1/t-b/devices/+/up"], DEVICES, n, 2) for n in range(2))
    )
    assert filters == {"wasteroute/v1/t-b/devices/other-1/up"}


def test_a_device_id_that_cannot_be_a_topic_level_is_left_out():
    """Ids with wildcards or slashes would subscribe to other devices' topics: skipped."""
    odd = [DeviceKey("t", "a+b", None), DeviceKey("t", "a/b", None), DeviceKey("t", "ok", None)]
    filters = set().union(*(partition_filters(["v3/+/devices/+/up"], odd, n, 3) for n in range(3)))
    assert filters == {"v3/+/devices/ok/up"}


@pytest.mark.parametrize(
    "topic",
    ["wasteroute/v1/+/devices/dev-1/up", "v3/#", "application/+/device/+/event", "other/+/x"],
)
def test_a_filter_without_a_device_wildcard_is_a_config_error(topic):
    """Partitioning needs '+' at the device level of a known format; else a clear error."""
    with pytest.raises(ConfigError, match="cannot be partitioned"):
        filter_shape(topic)
