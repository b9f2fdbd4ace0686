"""Tokens, users, API keys and tenants."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.models.common import Id, Slug, Text

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
Role = Literal["operator", "planner", "driver"]
TenantRole = Literal["planner", "driver"]


class Token(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIs...",
                    "token_type": "bearer",
                    "expires_in": 3600,
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class Me(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": 7,
                    "tenant_id": "schiedam",
                    "timezone": "Europe/Amsterdam",
                    "role": "driver",
                    "vehicle_id": 3,
                    "via": "token",
                }
            ]
        }
    )

    user_id: int | None
    tenant_id: str | None
    timezone: str | None = Field(
        description="the tenant's IANA time zone (local times, plan dates); null for operators"
    )
    role: Role
    vehicle_id: int | None
    via: Literal["token", "api_key"]


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "driver.jan",
                    "password": "correct horse battery",
                    "role": "driver",
                    "vehicle_id": 1,
                    "full_name": "Jan de Vries",
                }
            ]
        },
    )

    username: Username
    password: Password
    role: TenantRole
    vehicle_id: Id | None = Field(default=None, description="drivers only: the vehicle they drive")
    full_name: Text | None = None


class UserUpdate(BaseModel):
    """Any change but a name ends the user's tokens (and a role change its API keys)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"vehicle_id": 2}]})

    password: Password | None = None
    role: TenantRole | None = Field(
        default=None, description="planner, or driver (then with vehicle_id)"
    )
    vehicle_id: Id | None = None
    full_name: Text | None = None
    active: bool | None = None


class UserPublic(BaseModel):
    id: int
    tenant_id: str | None
    username: str
    role: Role
    vehicle_id: int | None
    full_name: str | None
    active: bool
    created_at: datetime


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "simulator", "role": "planner"}]}
    )

    name: Text
    role: TenantRole = "planner"
    vehicle_id: Id | None = Field(
        default=None, description="a driver key: the vehicle whose route it reads"
    )
    user_id: Id | None = Field(
        default=None,
        description="a driver key: the driver it acts for (its vehicle is the driver's; the key"
        " stops working when the driver moves to another vehicle or leaves)",
    )


class ApiKeyPublic(BaseModel):
    id: int
    name: str
    prefix: str
    role: Role
    vehicle_id: int | None
    owner_id: int | None = Field(description="the user the key belongs to; it dies with them")
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the key itself: shown this once, store it now")


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
    count: int


class TenantCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "schiedam", "name": "Gemeente Schiedam", "timezone": "Europe/Amsterdam"}
            ]
        },
    )

    id: Slug
    name: Text
    timezone: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}$", max_length=64)
    ] = "Europe/Amsterdam"


class TenantUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    timezone: (
        Annotated[
            str, StringConstraints(pattern=r"^[A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}$", max_length=64)
        ]
        | None
    ) = None


class TenantPublic(BaseModel):
    id: str
    name: str
    timezone: str
    created_at: datetime


class TenantsPublic(BaseModel):
    data: list[TenantPublic]
    count: int


class TenantUserCreate(BaseModel):
    """An operator creating a tenant's first planner (or any user of a tenant)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"username": "planner.schiedam", "password": "a long passphrase", "role": "planner"}
            ]
        },
    )

    username: Username
    password: Password
    role: TenantRole = "planner"
    vehicle_id: Id | None = None
    full_name: Text | None = None
