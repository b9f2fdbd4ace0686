"""Planners manage their tenant's users (planners and drivers) and API keys."""

from __future__ import annotations

import psycopg
from fastapi import APIRouter, Response, status

from api.deps import Conn, Planner, forget_api_keys
from api.errors import ConflictError, InvalidInput
from api.models.auth import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeysPublic,
    UserCreate,
    UserPublic,
    UsersPublic,
    UserUpdate,
)
from api.models.common import AUTHED, Limit, Offset, PathId, error_responses
from api.security import hash_password, new_api_key
from storage import api_fleet
from storage import api_keys as keys_store
from storage import users as users_store

router = APIRouter(tags=["users"], responses=AUTHED)


def _check_vehicle(
    conn: psycopg.Connection, tenant_id: str, role: str, vehicle_id: int | None
) -> None:
    if vehicle_id is None:
        return
    if role != "driver":
        raise InvalidInput("vehicle_id: only a driver has a vehicle")
    if not api_fleet.vehicle_exists(conn, tenant_id, vehicle_id):
        raise InvalidInput(f"vehicle_id: no vehicle {vehicle_id} in this tenant")


def add_user(conn: psycopg.Connection, tenant_id: str, body) -> dict:
    _check_vehicle(conn, tenant_id, body.role, body.vehicle_id)
    if users_store.find_login(conn, body.username) is not None:
        raise ConflictError(f"username {body.username!r} is taken")
    return users_store.create_user(
        conn,
        tenant_id=tenant_id,
        username=body.username,
        password_hash=hash_password(body.password),
        role=body.role,
        vehicle_id=body.vehicle_id,
        full_name=body.full_name,
    )


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=error_responses(409),
)
def create_user(body: UserCreate, conn: Conn, me: Planner) -> dict:
    """Add a planner or a driver (with the vehicle they drive) to your tenant."""
    return add_user(conn, me.tenant_id, body)


@router.get("/users", response_model=UsersPublic)
def list_users(conn: Conn, me: Planner, limit: Limit = 100, offset: Offset = 0) -> dict:
    rows, count = users_store.list_users(conn, me.tenant_id, limit=limit, offset=offset)
    return {"data": rows, "count": count}


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: PathId, conn: Conn, me: Planner) -> dict:
    return users_store.get_user(conn, me.tenant_id, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: PathId, body: UserUpdate, conn: Conn, me: Planner) -> dict:
    """Change a user's password, vehicle, name, or deactivate them."""
    user = users_store.get_user(conn, me.tenant_id, user_id)
    changes = body.model_dump(exclude_unset=True)
    if "vehicle_id" in changes:
        _check_vehicle(conn, me.tenant_id, user["role"], changes["vehicle_id"])
    if changes.get("password"):
        changes["password_hash"] = hash_password(changes.pop("password"))
    return users_store.update_user(conn, me.tenant_id, user_id, changes)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: PathId, conn: Conn, me: Planner) -> Response:
    users_store.delete_user(conn, me.tenant_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, conn: Conn, me: Planner) -> dict:
    """A key for a machine client; the answer holds the key itself, shown only this once."""
    _check_vehicle(conn, me.tenant_id, body.role, body.vehicle_id)
    key, prefix, key_hash = new_api_key()
    row = keys_store.create_api_key(
        conn,
        tenant_id=me.tenant_id,
        name=body.name,
        prefix=prefix,
        key_hash=key_hash,
        role=body.role,
        vehicle_id=body.vehicle_id,
    )
    return {**row, "key": key}


@router.get("/api-keys", response_model=ApiKeysPublic)
def list_api_keys(conn: Conn, me: Planner) -> dict:
    rows = keys_store.list_api_keys(conn, me.tenant_id)
    return {"data": rows, "count": len(rows)}


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: PathId, conn: Conn, me: Planner) -> Response:
    keys_store.revoke_api_key(conn, me.tenant_id, key_id)
    forget_api_keys()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
