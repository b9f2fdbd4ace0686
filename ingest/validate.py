"""Turn a decoded `Uplink` plus its device into a domain `Reading`, or reject it."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import Reading
from ingest.applications import ApplicationRegistry
from ingest.errors import (
    DEVICE_MISMATCH,
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
    uplink: Uplink,
    device: IngestDevice,
    now: datetime,
    *,
    max_age_s: float,
    max_future_s: float,
    applications: ApplicationRegistry | None = None,
) -> Reading:
    """Validate device, ranges and time, convert distance to fill with the container's depth."""
    check_device(uplink, device, applications)
    tenant = device.tenant_id
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


def check_device(
    uplink: Uplink, device: IngestDevice, applications: ApplicationRegistry | None = None
) -> None:
    """The device found from the topic is one the uplink may write to: of the topic's tenant
    (native) or application's tenant (LoRaWAN, see ingest.applications), and with the DevEUI
    the payload names (TTS)."""
    if applications is not None and uplink.application is not None:
        check_application(uplink, device, applications)
    if uplink.tenant_id is not None and uplink.tenant_id != device.tenant_id:
        # Never say which tenant the device does belong to.
        raise Rejected(
            WRONG_TENANT,
            f"device {uplink.device_id!r} is not a device of tenant {uplink.tenant_id!r}",
            uplink.tenant_id,
        )
    if (
        uplink.device_id
        and uplink.dev_eui
        and device.dev_eui is not None
        and uplink.dev_eui != device.dev_eui
    ):
        # A TTS payload's DevEUI must be the topic device's registered one, if it has one.
        raise Rejected(
            DEVICE_MISMATCH,
            f"end_device_ids.dev_eui {uplink.dev_eui[:40]!r} is not the DevEUI of device "
            f"{device.device_id!r}",
            device.tenant_id,
        )


def check_application(
    uplink: Uplink, device: IngestDevice, applications: ApplicationRegistry
) -> None:
    """A LoRaWAN uplink's application and its device belong to one tenant (the rule is in
    ingest.applications). The detail never names the other tenant."""
    app = uplink.application or ""
    owner = applications.owner(uplink.source_format, app)
    key = uplink.device_id or uplink.dev_eui
    if owner is not None and owner != device.tenant_id:
        raise Rejected(
            WRONG_TENANT, f"device {key!r} is not a device of application {app!r}", owner
        )
    if owner is None and applications.guarded(device.tenant_id):
        raise Rejected(
            WRONG_TENANT,
            f"application {app!r} is not registered to the tenant of device {key!r}",
            device.tenant_id,
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


# Bounds that also keep every value inside PostgreSQL `real` (about ±3.4e38).
MAX_DISTANCE_MM = 100_000.0  # 100 m: no container is deeper
RSSI_DBM = (-200.0, 50.0)
SNR_DB = (-50.0, 50.0)


def check_ranges(uplink: Uplink, tenant: str | None) -> None:
    if uplink.fill_fraction is not None and not 0.0 <= uplink.fill_fraction <= 1.0:
        raise Rejected(
            OUT_OF_RANGE, f"fill_fraction {uplink.fill_fraction} is outside 0..1", tenant
        )
    if uplink.distance_mm is not None and not 0.0 <= uplink.distance_mm <= MAX_DISTANCE_MM:
        raise Rejected(
            OUT_OF_RANGE,
            f"distance_mm {uplink.distance_mm} is outside 0..{MAX_DISTANCE_MM:g}",
            tenant,
        )
    if uplink.battery_pct is not None and not 0.0 <= uplink.battery_pct <= 100.0:
        raise Rejected(OUT_OF_RANGE, f"battery_pct {uplink.battery_pct} is outside 0..100", tenant)
    if uplink.temperature_c is not None and not -80.0 <= uplink.temperature_c <= 400.0:
        raise Rejected(OUT_OF_RANGE, f"temperature_c {uplink.temperature_c} is implausible", tenant)
    if uplink.rssi_dbm is not None and not RSSI_DBM[0] <= uplink.rssi_dbm <= RSSI_DBM[1]:
        raise Rejected(OUT_OF_RANGE, f"rssi_dbm {uplink.rssi_dbm} is implausible", tenant)
    if uplink.snr_db is not None and not SNR_DB[0] <= uplink.snr_db <= SNR_DB[1]:
        raise Rejected(OUT_OF_RANGE, f"snr_db {uplink.snr_db} is implausible", tenant)
