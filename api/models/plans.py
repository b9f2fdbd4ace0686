"""Plans (versioned, published to drivers), planning jobs, and drivers' routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import NotBool, PlanDate
from domain import Fraction


class PlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plan_date": "2026-11-26",
                    "fraction": "residual",
                    "time_limit_s": 30,
                    "publish": False,
                }
            ]
        },
    )

    plan_date: PlanDate
    fraction: Fraction | None = Field(
        default=None, description="omit: one job per fraction you have"
    )
    time_limit_s: Annotated[float, NotBool, Field(gt=0, le=600)] = 30.0
    publish: bool = Field(default=False, description="publish to drivers when done")


class PlanJob(BaseModel):
    job_id: int | None = Field(description="null when the same plan is already queued")
    fraction: Fraction
    status_url: str | None


class PlanJobsQueued(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "jobs": [
                        {"job_id": 812, "fraction": "residual", "status_url": "/v1/plans/jobs/812"}
                    ]
                }
            ]
        }
    )

    jobs: list[PlanJob]


class PlanJobPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": 812,
                    "status": "succeeded",
                    "attempts": 1,
                    "plan_date": "2026-11-26",
                    "fraction": "residual",
                    "queued_at": "2026-11-25T16:00:00Z",
                    "updated_at": "2026-11-25T16:00:31Z",
                    "plan_id": 77,
                }
            ]
        }
    )

    job_id: int
    status: (
        Literal["todo", "doing", "succeeded", "failed", "cancelled", "aborting", "aborted"] | str
    )
    attempts: int
    plan_date: date | None
    fraction: str | None
    queued_at: datetime | None
    updated_at: datetime | None
    plan_id: int | None = Field(
        description="the newest plan for that day and fraction, once succeeded"
    )


class PlanPublic(BaseModel):
    id: int
    plan_date: date
    fraction: Fraction
    version: int
    status: Literal["draft", "published", "superseded"]
    trigger: str
    forecast_at: datetime
    created_at: datetime
    published_at: datetime | None
    containers_seen: int
    n_must: int
    n_optional: int
    n_skipped: int
    n_served: int
    vehicles_used: int
    distance_m: int
    duration_s: int
    solver_status: str
    solve_time_s: float


class PlansPublic(BaseModel):
    data: list[PlanPublic]
    count: int


class RouteStop(BaseModel):
    stop_id: int = Field(description="send it back in stop events")
    seq: int
    kind: Literal["container", "disposal"]
    container_id: int | None
    external_id: str | None
    address: str | None
    disposal_site_id: int | None
    site_name: str | None
    lat: float
    lon: float
    eta: datetime
    start_at: datetime
    departure_at: datetime
    load_l: float = Field(description="on board after the stop (0 after unloading)")
    load_kg: float


class RouteDepot(BaseModel):
    id: int
    name: str
    lat: float
    lon: float


class PlanRouteSummary(BaseModel):
    id: int
    route_no: int
    vehicle_id: int
    vehicle_name: str
    start_at: datetime
    end_at: datetime
    break_start_at: datetime | None
    distance_m: int
    duration_s: int
    n_containers: int
    n_unloads: int
    depot: RouteDepot | None = Field(
        description="where the route starts and ends (the vehicle's depot)"
    )
    stops: list[RouteStop] = Field(
        description="in order, between leaving and returning to the depot: containers and "
        "disposal trips, with coordinates, ETAs and the load on board"
    )


class PlanDecision(BaseModel):
    container_id: int
    decision: Literal["must", "optional", "skip"]
    reason: str
    prize_m: int
    fill_now: float | None
    fill_at_service: float | None
    fill_at_next_chance: float | None
    filling_speed_per_day: float | None
    forecast_full_at: datetime | None
    forecast_method: str
    health: list[str]
    served: bool
    unserved_reason: str | None


class PlanDetail(PlanPublic):
    routes: list[PlanRouteSummary]
    decisions: list[PlanDecision]


class RoutePublic(BaseModel):
    route_id: int
    plan_id: int
    plan_version: int
    fraction: Fraction
    plan_date: date
    route_no: int
    vehicle_id: int
    vehicle_name: str
    depot: dict[str, Any]
    start_at: datetime
    end_at: datetime
    break_start_at: datetime | None
    distance_m: int
    duration_s: int
    n_containers: int
    n_unloads: int
    stops: list[RouteStop]


class RoutesPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-11-26",
                    "vehicle_id": 3,
                    "routes": [
                        {
                            "route_id": 90,
                            "plan_id": 77,
                            "plan_version": 2,
                            "fraction": "residual",
                            "plan_date": "2026-11-26",
                            "route_no": 0,
                            "vehicle_id": 3,
                            "vehicle_name": "SCH-01",
                            "depot": {
                                "id": 1,
                                "name": "Depot Schiedam",
                                "lat": 51.9225,
                                "lon": 4.3882,
                            },
                            "start_at": "2026-11-26T06:00:00Z",
                            "end_at": "2026-11-26T13:10:00Z",
                            "break_start_at": "2026-11-26T10:45:00Z",
                            "distance_m": 48210,
                            "duration_s": 25800,
                            "n_containers": 1,
                            "n_unloads": 1,
                            "stops": [
                                {
                                    "stop_id": 1001,
                                    "seq": 1,
                                    "kind": "container",
                                    "container_id": 42,
                                    "external_id": "SCH-UGC-0042",
                                    "address": "Broersvest 42",
                                    "disposal_site_id": None,
                                    "site_name": None,
                                    "lat": 51.9155,
                                    "lon": 4.3997,
                                    "eta": "2026-11-26T06:14:00Z",
                                    "start_at": "2026-11-26T06:14:00Z",
                                    "departure_at": "2026-11-26T06:17:00Z",
                                    "load_l": 1400.0,
                                    "load_kg": 168.0,
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    date: date
    vehicle_id: int | None
    routes: list[RoutePublic]
