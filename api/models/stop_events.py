"""Stop events from tablets: emptied, skipped (with reason), disposal (weighed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.models.common import Fill, Id, LongText, NotBool

Weight = Annotated[float, NotBool, Field(ge=0, le=100_000, description="kg")]


class _EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: UUID = Field(
        description="made up by the tablet (a UUID); a retry with the same id is a no-op"
    )
    occurred_at: AwareDatetime = Field(description="when it happened, with time zone")
    stop_id: Id | None = Field(default=None, description="the planned stop, if from a route")
    note: LongText | None = None


class EmptiedEvent(_EventBase):
    kind: Literal["emptied"]
    container_id: Id
    observed_fill_fraction: Fill | None = Field(
        default=None, description="the driver's estimate before emptying"
    )


class SkippedEvent(_EventBase):
    kind: Literal["skipped"]
    container_id: Id
    skip_reason: Literal["blocked", "broken", "not_out", "already_empty"]


class DisposalEvent(_EventBase):
    kind: Literal["disposal"]
    disposal_site_id: Id | None = None
    weight_kg: Weight


StopEventIn = Annotated[EmptiedEvent | SkippedEvent | DisposalEvent, Field(discriminator="kind")]


class StopEventBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "event_id": "6f1c1f9e-3f51-4b7e-9a55-0c1d2a3b4c5d",
                            "kind": "emptied",
                            "container_id": 42,
                            "stop_id": 1001,
                            "occurred_at": "2026-11-25T08:14:03+01:00",
                            "observed_fill_fraction": 0.9,
                        },
                        {
                            "event_id": "0b8f4a1e-0d2c-4c8e-8d7b-9e6f5a4b3c2d",
                            "kind": "skipped",
                            "container_id": 43,
                            "occurred_at": "2026-11-25T08:20:11+01:00",
                            "skip_reason": "blocked",
                        },
                        {
                            "event_id": "a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d",
                            "kind": "disposal",
                            "disposal_site_id": 3,
                            "occurred_at": "2026-11-25T10:02:00+01:00",
                            "weight_kg": 7340,
                        },
                    ]
                }
            ]
        },
    )

    events: list[StopEventIn] = Field(min_length=1, max_length=500)


class StopEventResult(BaseModel):
    event_id: UUID
    status: Literal["created", "duplicate", "rejected"]
    id: int | None = None
    message: str | None = None


class StopEventResults(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "results": [
                        {
                            "event_id": "6f1c1f9e-3f51-4b7e-9a55-0c1d2a3b4c5d",
                            "status": "created",
                            "id": 17,
                        }
                    ],
                    "created": 1,
                    "duplicates": 0,
                    "rejected": 0,
                }
            ]
        }
    )

    results: list[StopEventResult]
    created: int
    duplicates: int
    rejected: int


class StopEventPublic(BaseModel):
    id: int
    event_id: UUID
    kind: Literal["emptied", "skipped", "disposal"]
    occurred_at: datetime
    received_at: datetime
    user_id: int | None
    vehicle_id: int | None
    plan_id: int | None
    stop_id: int | None
    container_id: int | None
    disposal_site_id: int | None
    observed_fill_fraction: float | None
    sensor_fill_fraction: float | None
    skip_reason: str | None
    weight_kg: float | None
    note: str | None


class StopEventsPublic(BaseModel):
    data: list[StopEventPublic]
    count: int
