"""Key figures per tenant and period."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class KpisPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tenant_id": "schiedam",
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "plans": 21,
                    "routes": 42,
                    "km": 1834.2,
                    "hours": 301.5,
                    "planned_stops": 3120,
                    "planned_unloads": 88,
                    "collections": 3050,
                    "avg_fill_at_emptying": 0.83,
                    "overflows": 4,
                    "skipped_stops": 61,
                    "skipped_blocked": 20,
                    "skipped_broken": 3,
                    "skipped_not_out": 30,
                    "skipped_already_empty": 8,
                    "disposal_trips": 88,
                    "disposed_kg": 412000.0,
                }
            ]
        }
    )

    tenant_id: str
    start: date
    end: date = Field(description="inclusive")
    plans: int = Field(description="published plans with routes starting in the period")
    routes: int
    km: float = Field(description="planned km of published routes")
    hours: float = Field(description="planned hours of published routes")
    planned_stops: int
    planned_unloads: int
    collections: int = Field(description="containers reported emptied")
    avg_fill_at_emptying: float | None = Field(
        description="driver's observed fill, else the sensor's"
    )
    overflows: int = Field(
        description="container-days at or above 100% (sensor) or reported over-full"
    )
    skipped_stops: int
    skipped_blocked: int
    skipped_broken: int
    skipped_not_out: int
    skipped_already_empty: int
    disposal_trips: int
    disposed_kg: float
