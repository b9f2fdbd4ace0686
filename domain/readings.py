"""The normalised fill-level reading every decoder produces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Reading:
    """One fill-level reading of one device, decoded and validated.

    `fill_fraction` is 0..1 (FIWARE `fillingLevel`). Ultrasonic sensors report
    `distance_mm`; the ingest converts it with the container's depth. Optional telemetry is
    kept where the sensor gave it. `measured_at` is timezone-aware UTC.
    """

    tenant_id: str
    device_id: str
    container_id: int
    measured_at: datetime
    fill_fraction: float
    source_format: str  # "native" | "tts-v3" | "chirpstack-v4"
    distance_mm: float | None = None
    temperature_c: float | None = None
    battery_pct: float | None = None
    tilt: bool | None = None
    rssi_dbm: float | None = None
    snr_db: float | None = None
