"""The things wasteroute stores and routes. Plain, immutable records; storage maps rows to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from domain.geo import GeoPoint
from domain.units import Fraction


@dataclass(frozen=True, slots=True)
class Tenant:
    """A municipality (or a waste company serving several) on the shared deployment."""

    id: str
    name: str
    timezone: str = "Europe/Amsterdam"


@dataclass(frozen=True, slots=True)
class Container:
    id: int
    tenant_id: str
    external_id: str
    location: GeoPoint
    fraction: Fraction
    volume_l: float
    depth_mm: float | None = None  # inside height, for ultrasonic sensors
    model: str | None = None
    service_time_s: int = 120
    open_from: time | None = None  # access time window, local time
    open_until: time | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A fill-level sensor, mapped to one container."""

    device_id: str
    tenant_id: str
    container_id: int
    dev_eui: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Depot:
    id: int
    tenant_id: str
    name: str
    location: GeoPoint


@dataclass(frozen=True, slots=True)
class DisposalSite:
    id: int
    tenant_id: str
    name: str
    location: GeoPoint
    unload_time_s: int = 900
    fractions: tuple[Fraction, ...] = tuple(Fraction)


@dataclass(frozen=True, slots=True)
class Vehicle:
    id: int
    tenant_id: str
    name: str
    depot_id: int
    capacity_l: float
    capacity_kg: float
    compaction_ratio: float = 1.0  # litres of loose waste per litre of body, after compaction
    shift_start: time = time(7, 0)
    shift_end: time = time(15, 30)
    break_start_earliest: time | None = time(11, 30)
    break_start_latest: time | None = time(12, 30)
    break_duration_s: int = 1800
    max_stops: int | None = None
    max_load_kg_per_day: float | None = None
    fractions: tuple[Fraction, ...] = field(default=tuple(Fraction))
