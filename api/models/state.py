"""A container's latest state: fill, forecast, sensor health, alarms."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain import Fraction

Health = Literal["ok", "no_data", "stale", "low_battery", "tilted", "stuck"]


class ContainerStatePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "container_id": 42,
                    "external_id": "SCH-UGC-0042",
                    "fraction": "residual",
                    "lat": 51.9155,
                    "lon": 4.3997,
                    "fill_fraction": 0.62,
                    "measured_at": "2026-11-25T06:00:03Z",
                    "temperature_c": 8.5,
                    "battery_pct": 91,
                    "date_last_emptying": "2026-11-21T09:12:00Z",
                    "filling_speed_per_day": 0.09,
                    "forecast_full_date": "2026-11-29T10:00:00Z",
                    "forecast_method": "linear-7d",
                    "health": ["ok"],
                    "alarms": [],
                    "status": "ok",
                }
            ]
        }
    )

    container_id: int
    external_id: str
    fraction: Fraction
    lat: float
    lon: float
    fill_fraction: float | None
    measured_at: datetime | None
    temperature_c: float | None
    battery_pct: float | None
    date_last_emptying: datetime | None
    filling_speed_per_day: float | None
    forecast_full_date: datetime | None
    forecast_method: str | None
    health: list[str]
    alarms: list[Literal["fire", "tilt", "reported_full"]]
    status: str


class ContainerStatesPublic(BaseModel):
    data: list[ContainerStatePublic]
    count: int
