"""Sensors and their broker credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.models.common import Id, Text

DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")]
DevEui = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{16}$")]


class DeviceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "device_id": "schiedam-ugc-0042-rest",
                    "dev_eui": "24E124713D123456",
                    "container_id": 42,
                    "model": "milesight-em400-mud",
                }
            ]
        },
    )

    device_id: DeviceId = Field(
        description="unique across the deployment; also the broker username"
    )
    dev_eui: DevEui | None = Field(default=None, description="LoRaWAN DevEUI, 16 hex digits")
    container_id: Id
    model: Text | None = None


class DeviceUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"container_id": 43}]}
    )

    container_id: Id | None = Field(default=None, description="map the sensor to another container")
    dev_eui: DevEui | None = None
    model: Text | None = None
    active: bool | None = None


class DevicePublic(BaseModel):
    device_id: str
    dev_eui: str | None
    container_id: int
    model: str | None
    active: bool
    created_at: datetime
    broker_username: str | None
    credentials_rotated_at: datetime | None


class DevicesPublic(BaseModel):
    data: list[DevicePublic]
    count: int


class DeviceCredentials(BaseModel):
    """Broker credentials: the password is shown this once (we keep only its hash)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "device_id": "schiedam-ugc-0042-rest",
                    "broker_username": "schiedam-ugc-0042-rest",
                    "broker_password": "Zk1...",
                    "publish_topic": "wasteroute/v1/schiedam/devices/schiedam-ugc-0042-rest/up",
                }
            ]
        }
    )

    device_id: str
    broker_username: str
    broker_password: str
    publish_topic: str


class DeviceRegistered(DevicePublic):
    credentials: DeviceCredentials
