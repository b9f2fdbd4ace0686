"""Depots, vehicles and disposal sites."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import Id, Lat, LocalTime, Lon, NotBool, Text
from domain import Fraction

Litres = Annotated[float, NotBool, Field(gt=0, le=1_000_000)]
Kilos = Annotated[float, NotBool, Field(gt=0, le=1_000_000)]
Seconds = Annotated[int, NotBool, Field(ge=0, le=86_400)]
Fractions = Annotated[
    list[Fraction],
    Field(
        max_length=len(Fraction), description="fractions carried/accepted; empty = every fraction"
    ),
]


class DepotCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Depot Schiedam", "lat": 51.9225, "lon": 4.3882}]},
    )

    name: Text
    lat: Lat
    lon: Lon


class DepotUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    lat: Lat | None = None
    lon: Lon | None = None


class DepotPublic(BaseModel):
    id: int
    name: str
    lat: float
    lon: float


class DepotsPublic(BaseModel):
    data: list[DepotPublic]
    count: int


class VehicleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "SCH-01",
                    "depot_id": 1,
                    "capacity_l": 21000,
                    "capacity_kg": 9000,
                    "compaction_ratio": 3.5,
                    "shift_start": "07:00:00",
                    "shift_end": "15:30:00",
                    "fractions": ["residual"],
                }
            ]
        },
    )

    name: Text
    depot_id: Id
    capacity_l: Litres
    capacity_kg: Kilos
    compaction_ratio: Annotated[float, NotBool, Field(ge=1, le=20)] = 1.0
    shift_start: LocalTime = time(7, 0)
    shift_end: LocalTime = time(15, 30)
    break_start_earliest: LocalTime | None = time(11, 30)
    break_start_latest: LocalTime | None = time(12, 30)
    break_duration_s: Seconds = 1800
    max_stops: Annotated[int, NotBool, Field(ge=1, le=10_000)] | None = None
    max_load_kg_per_day: Kilos | None = None
    fractions: Fractions = []


class VehicleUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"capacity_kg": 9500}]}
    )

    name: Text | None = None
    depot_id: Id | None = None
    capacity_l: Litres | None = None
    capacity_kg: Kilos | None = None
    compaction_ratio: Annotated[float, NotBool, Field(ge=1, le=20)] | None = None
    shift_start: LocalTime | None = None
    shift_end: LocalTime | None = None
    break_start_earliest: LocalTime | None = None
    break_start_latest: LocalTime | None = None
    break_duration_s: Seconds | None = None
    max_stops: Annotated[int, NotBool, Field(ge=1, le=10_000)] | None = None
    max_load_kg_per_day: Kilos | None = None
    fractions: Fractions | None = None
    active: bool | None = None


class VehiclePublic(BaseModel):
    id: int
    name: str
    depot_id: int
    capacity_l: float
    capacity_kg: float
    compaction_ratio: float
    shift_start: LocalTime
    shift_end: LocalTime
    break_start_earliest: LocalTime | None
    break_start_latest: LocalTime | None
    break_duration_s: int
    max_stops: int | None
    max_load_kg_per_day: float | None
    fractions: list[Fraction]
    active: bool


class VehiclesPublic(BaseModel):
    data: list[VehiclePublic]
    count: int


class DisposalSiteCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "AVR Rozenburg",
                    "lat": 51.9101,
                    "lon": 4.2395,
                    "unload_time_s": 900,
                    "fractions": ["residual", "plastic"],
                }
            ]
        },
    )

    name: Text
    lat: Lat
    lon: Lon
    unload_time_s: Seconds = 900
    fractions: Fractions = []


class DisposalSiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    unload_time_s: Seconds | None = None
    fractions: Fractions | None = None


class DisposalSitePublic(BaseModel):
    id: int
    name: str
    lat: float
    lon: float
    unload_time_s: int
    fractions: list[Fraction]


class DisposalSitesPublic(BaseModel):
    data: list[DisposalSitePublic]
    count: int
