"""Sensors and their broker credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.models.common import Id, Text

#: A device id is also an MQTT topic level and part of its broker username: no `: / + #`,
#: spaces or control characters (Mosquitto cuts a password-file line at the first `:`).
DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
DeviceId = Annotated[str, StringConstraints(pattern=DEVICE_ID_PATTERN)]
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
        description="unique across the deployment; letters, digits and . _ - (no : / + #);"
        " the broker username is dev.{tenant}.{device_id}"
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
                    "broker_username": "dev.schiedam.schiedam-ugc-0042-rest",
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


class IntegrationCredentials(BaseModel):
    """The tenant's network-server integration broker account (The Things Stack or ChirpStack
    through an MQTT bridge); the password is shown this once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "broker_username": "int.schiedam",
                    "broker_password": "Zk1...",
                    "publish_topics": [
                        "v3/smart-waste@ttn/devices/+/up",
                        "application/17c82e96-0f3a-4d5e-9b1c-2a3b4c5d6e7f/device/+/event/up",
                    ],
                }
            ]
        }
    )

    broker_username: str
    broker_password: str
    publish_topics: list[str] = Field(
        description="the uplink topics of the tenant's registered applications"
    )
