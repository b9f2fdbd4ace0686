"""Turn a decoded `Uplink` plus its device into a domain `Reading`, or reject it."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import Reading
from ingest.errors import (
    FUTURE_TIMESTAMP,
    NO_DEPTH,
    OUT_OF_RANGE,
    STALE_TIMESTAMP,
    WRONG_TENANT,
    Rejected,
)
from ingest.uplink import Uplink
from storage.ingest_devices import IngestDevice


def to_reading(
    uplink: Uplink, device: IngestDevice, now: datetime, *, max_age_s: float, max_future_s: float
) -> Reading:
    """Validate ranges and time, convert distance to fill with the container's depth."""
    tenant = device.tenant_id
    if uplink.tenant_id is not None and uplink.tenant_id != tenant:
        # Never say which tenant the device does belong to.
        raise Rejected(
            WRONG_TENANT,
            f"device {uplink.device_id!r} is not a device of tenant {uplink.tenant_id!r}",
            uplink.tenant_id,
        )
    check_time(uplink.measured_at, now, max_age_s, max_future_s, tenant)
    check_ranges(uplink, tenant)
    fill = uplink.fill_fraction
    if fill is None:
        fill = fill_from_distance(uplink.distance_mm, device.depth_mm, device.device_id, tenant)
    return Reading(
        tenant_id=tenant,
        device_id=device.device_id,
        container_id=device.container_id,
        measured_at=uplink.measured_at,
        fill_fraction=fill,
        source_format=uplink.source_format,
        distance_mm=uplink.distance_mm,
        temperature_c=uplink.temperature_c,
        battery_pct=uplink.battery_pct,
        tilt=uplink.tilt,
        rssi_dbm=uplink.rssi_dbm,
        snr_db=uplink.snr_db,
    )


def fill_from_distance(
    distance_mm: float | None, depth_mm: float | None, device_id: str, tenant: str | None = None
) -> float:
    """fill = (depth − distance) / depth, clipped to 0..1 (dead zone and echoes off the rim)."""
    if distance_mm is None:
        raise Rejected(OUT_OF_RANGE, "neither fill nor distance given", tenant)
    if not depth_mm:
        raise Rejected(
            NO_DEPTH,
            f"device {device_id!r} reports distance but its container has no depth_mm",
            tenant,
        )
    return min(1.0, max(0.0, (depth_mm - distance_mm) / depth_mm))


def check_time(
    measured_at: datetime, now: datetime, max_age_s: float, max_future_s: float, tenant: str | None
) -> None:
    if measured_at > now + timedelta(seconds=max_future_s):
        raise Rejected(
            FUTURE_TIMESTAMP,
            f"measured_at {measured_at.isoformat()} is more than {max_future_s:g} s in the future",
            tenant,
        )
    if measured_at < now - timedelta(seconds=max_age_s):
        raise Rejected(
            STALE_TIMESTAMP,
            f"measured_at {measured_at.isoformat()} is older than {max_age_s:g} s",
            tenant,
        )


def check_ranges(uplink: Uplink, tenant: str | None) -> None:
    if uplink.fill_fraction is not None and not 0.0 <= uplink.fill_fraction <= 1.0:
        raise Rejected(
            OUT_OF_RANGE, f"fill_fraction {uplink.fill_fraction} is outside 0..1", tenant
        )
    if uplink.distance_mm is not None and uplink.distance_mm < 0:
        raise Rejected(OUT_OF_RANGE, f"distance_mm {uplink.distance_mm} is negative", tenant)
    if uplink.battery_pct is not None and not 0.0 <= uplink.battery_pct <= 100.0:
        raise Rejected(OUT_OF_RANGE, f"battery_pct {uplink.battery_pct} is outside 0..100", tenant)
    if uplink.temperature_c is not None and not -80.0 <= uplink.temperature_c <= 400.0:
        raise Rejected(OUT_OF_RANGE, f"temperature_c {uplink.temperature_c} is implausible", tenant)
