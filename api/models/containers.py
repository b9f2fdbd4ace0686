"""Containers: create, update, public, list, import results, GeoJSON and NGSI-LD shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import Lat, LocalTime, Lon, NotBool, Text
from domain import Fraction

Volume = Annotated[float, NotBool, Field(gt=0, le=100_000, description="litres")]
Depth = Annotated[
    float,
    NotBool,
    Field(gt=0, le=10_000, description="inside height in mm, for ultrasonic sensors"),
]
ServiceTime = Annotated[int, NotBool, Field(ge=0, le=86_400, description="seconds at the stop")]

_EXAMPLE = {
    "external_id": "SCH-UGC-0042",
    "lat": 51.9155,
    "lon": 4.3997,
    "fraction": "residual",
    "volume_l": 5000,
    "depth_mm": 2400,
    "model": "underground 5 m3",
    "service_time_s": 180,
    "open_from": "07:00:00",
    "open_until": "22:00:00",
    "address": "Broersvest 42, Schiedam",
}


class ContainerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    external_id: Text = Field(description="the municipality's own id, unique in the tenant")
    lat: Lat
    lon: Lon
    fraction: Fraction
    volume_l: Volume
    depth_mm: Depth | None = None
    model: Text | None = None
    service_time_s: ServiceTime = 120
    open_from: LocalTime | None = Field(default=None, description="access window start, local time")
    open_until: LocalTime | None = Field(default=None, description="access window end, local time")
    address: Text | None = None


class ContainerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"volume_l": 3000}]})

    external_id: Text | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    fraction: Fraction | None = None
    volume_l: Volume | None = None
    depth_mm: Depth | None = None
    model: Text | None = None
    service_time_s: ServiceTime | None = None
    open_from: LocalTime | None = None
    open_until: LocalTime | None = None
    address: Text | None = None


class ContainerPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": 42, **_EXAMPLE, "created_at": "2026-11-25T06:00:00Z"}]
        }
    )

    id: int
    external_id: str
    lat: float
    lon: float
    fraction: Fraction
    volume_l: float
    depth_mm: float | None
    model: str | None
    service_time_s: int
    open_from: LocalTime | None
    open_until: LocalTime | None
    address: str | None
    created_at: datetime


class ContainersPublic(BaseModel):
    data: list[ContainerPublic]
    count: int


class ImportResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"created": 120, "updated": 3, "format": "csv"}]}
    )

    created: int
    updated: int
    format: Literal["geojson", "csv"]


class GeoJSONGeometry(BaseModel):
    type: Literal["Point", "LineString"]
    coordinates: list[Any]


class GeoJSONFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int | str | None = None
    geometry: GeoJSONGeometry | None
    properties: dict[str, Any]


class GeoJSONFeatureCollection(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "id": 42,
                            "geometry": {"type": "Point", "coordinates": [4.3997, 51.9155]},
                            "properties": {
                                "external_id": "SCH-UGC-0042",
                                "fraction": "residual",
                                "fill_fraction": 0.62,
                            },
                        }
                    ],
                }
            ]
        }
    )

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[GeoJSONFeature]


class NgsiProperty(BaseModel):
    type: Literal["Property"] = "Property"
    value: Any
    observedAt: str | None = None


class NgsiWasteContainer(BaseModel):
    """A FIWARE Smart Data Models `WasteContainer` in NGSI-LD normalized form."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "urn:ngsi-ld:WasteContainer:schiedam:42",
                    "type": "WasteContainer",
                    "location": {
                        "type": "GeoProperty",
                        "value": {"type": "Point", "coordinates": [4.3997, 51.9155]},
                    },
                    "fillingLevel": {
                        "type": "Property",
                        "value": 0.48,
                        "observedAt": "2026-11-25T06:00:03Z",
                    },
                    "status": {"type": "Property", "value": "ok"},
                    "storedWasteKind": {"type": "Property", "value": "inorganic"},
                    "@context": ["https://smartdatamodels.org/context.jsonld"],
                }
            ]
        },
    )

    id: str
    type: Literal["WasteContainer"] = "WasteContainer"
    location: dict[str, Any]
    name: NgsiProperty
    fillingLevel: NgsiProperty | None = None
    status: NgsiProperty
    storedWasteKind: NgsiProperty
    dateLastEmptying: NgsiProperty | None = None
    temperature: NgsiProperty | None = None
    cargoVolume: NgsiProperty | None = None
    address: NgsiProperty | None = None
    refDevice: dict[str, Any] | None = None
    context: list[str] = Field(alias="@context", serialization_alias="@context")
