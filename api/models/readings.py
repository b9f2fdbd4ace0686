"""Readings, raw and per time bucket."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ReadingPublic(BaseModel):
    measured_at: datetime
    received_at: datetime
    device_id: str
    fill_fraction: float
    distance_mm: float | None
    temperature_c: float | None
    battery_pct: float | None
    tilt: bool | None
    rssi_dbm: float | None
    snr_db: float | None
    source_format: str


class ReadingBucket(BaseModel):
    bucket_start: datetime
    fill_avg: float
    fill_min: float
    fill_max: float
    fill_last: float
    battery_pct_avg: float | None
    temperature_c_avg: float | None
    n_readings: int


class ReadingsPublic(BaseModel):
    container_id: int
    start: datetime
    end: datetime
    bucket_s: int | None
    data: list[ReadingPublic] | list[ReadingBucket]
    count: int
    next_offset: int | None
