"""Planners manage their tenant's users (planners and drivers) and API keys.

Only a planner logged in with a password may (`UserAdmin`): an API key cannot manage users
or keys. A change that ends credentials (see storage.users) takes effect on the next request
in every API process: this one forgets the user after the commit, the others are notified by
the database (api.revocation).
"""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Request, Response, status

from api.deps import Conn, Principal, UserAdmin, forget_api_key, forget_user
from api.errors import InvalidInput, NotAvailable
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
from storage.errors import NotFound

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


def _tenant(me: Principal) -> str:
    assert me.tenant_id is not None  # require("planner") lets no tenantless credential through
    return me.tenant_id


def add_user(conn: psycopg.Connection, tenant_id: str, body) -> dict:
    _check_vehicle(conn, tenant_id, body.role, body.vehicle_id)
    if users_store.find_login(conn, body.username) is not None:
        raise NotAvailable("username")  # the same answer for any tenant's (docs/security.md)
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
    responses=error_responses(422),
)
def create_user(body: UserCreate, conn: Conn, me: UserAdmin) -> dict:
    """Add a planner or a driver (with the vehicle they drive) to your tenant."""
    return add_user(conn, _tenant(me), body)


@router.get("/users", response_model=UsersPublic)
def list_users(conn: Conn, me: UserAdmin, limit: Limit = 100, offset: Offset = 0) -> dict:
    rows, count = users_store.list_users(conn, me.tenant_id, limit=limit, offset=offset)
    return {"data": rows, "count": count}


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: PathId, conn: Conn, me: UserAdmin) -> dict:
    return users_store.get_user(conn, me.tenant_id, user_id)


def _role_change(user: dict[str, Any], changes: dict[str, Any]) -> None:
    """Fill in what a role change implies: a planner has no vehicle; a new driver needs one."""
    role = changes.get("role", user["role"])
    if role == "planner" and user["vehicle_id"] is not None and "vehicle_id" not in changes:
        changes["vehicle_id"] = None
    if role == "driver" and user["role"] != "driver":
        if changes.get("vehicle_id") is None:
            raise InvalidInput("vehicle_id: a driver needs a vehicle; send it with the role")


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    user_id: PathId, body: UserUpdate, conn: Conn, me: UserAdmin, request: Request
) -> dict:
    """Change a user's password, role, vehicle or name, or deactivate them. Every change but
    the name ends the user's tokens at once; a role change also revokes the user's API keys."""
    user = users_store.get_user(conn, me.tenant_id, user_id)
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k in ("vehicle_id", "full_name")
    }
    _role_change(user, changes)
    if "vehicle_id" in changes:
        role = changes.get("role", user["role"])
        _check_vehicle(conn, _tenant(me), role, changes["vehicle_id"])
    if changes.get("password"):
        changes["password_hash"] = hash_password(changes.pop("password"))
    row = users_store.update_user(conn, me.tenant_id, user_id, changes)
    if row["role"] != user["role"]:
        keys_store.revoke_owned_api_keys(conn, me.tenant_id, user_id)
    conn.commit()
    forget_user(request.app, user_id)
    return row


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: PathId, conn: Conn, me: UserAdmin, request: Request) -> Response:
    """Delete a user: its tokens and API keys stop working at once."""
    users_store.delete_user(conn, me.tenant_id, user_id)
    conn.commit()
    forget_user(request.app, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _driver_of_key(conn: psycopg.Connection, tenant_id: str, user_id: int) -> dict[str, Any]:
    try:
        driver = users_store.get_user(conn, tenant_id, user_id)
    except NotFound:
        raise InvalidInput(f"user_id: no user {user_id} in this tenant") from None
    if driver["role"] != "driver":
        raise InvalidInput(f"user_id: user {user_id} is a {driver['role']}, not a driver")
    if driver["vehicle_id"] is None:
        raise InvalidInput(
            f"user_id: driver {user_id} has no vehicle, and a driver key needs one:"
            f" give the driver a vehicle first (PATCH /v1/users/{user_id})"
        )
    return driver


def _key_owner(
    conn: psycopg.Connection, me: Principal, body: ApiKeyCreate
) -> tuple[int, int | None]:
    """(the key's owner, its vehicle): the driver it is for, or the planner making it."""
    assert me.user_id is not None  # UserAdmin: a logged-in user, never an API key
    tenant_id = _tenant(me)
    if body.role == "planner":
        if body.vehicle_id is not None or body.user_id is not None:
            raise InvalidInput("vehicle_id, user_id: only a driver key has a vehicle or a driver")
        return me.user_id, None
    if body.user_id is not None:
        driver = _driver_of_key(conn, tenant_id, body.user_id)
        if body.vehicle_id not in (None, driver["vehicle_id"]):
            raise InvalidInput(
                f"vehicle_id: driver {body.user_id} drives vehicle {driver['vehicle_id']}"
            )
        return driver["id"], driver["vehicle_id"]
    if body.vehicle_id is None:
        raise InvalidInput(
            "vehicle_id: a driver key needs a vehicle: give vehicle_id (the vehicle whose route"
            " it reads) or user_id (a driver who has one)"
        )
    _check_vehicle(conn, tenant_id, "driver", body.vehicle_id)
    return me.user_id, body.vehicle_id


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, conn: Conn, me: UserAdmin) -> dict:
    """A key for a machine client; the answer holds the key itself, shown only this once.
    A planner key belongs to you; a driver key to the driver it is for (`user_id`), or to you
    for one vehicle (`vehicle_id`). It stops working when its owner is deleted, deactivated,
    or no longer may do what it does (another role; the driver on another vehicle)."""
    owner_id, vehicle_id = _key_owner(conn, me, body)
    key, prefix, key_hash = new_api_key()
    row = keys_store.create_api_key(
        conn,
        tenant_id=me.tenant_id,
        name=body.name,
        prefix=prefix,
        key_hash=key_hash,
        role=body.role,
        vehicle_id=vehicle_id,
        owner_id=owner_id,
    )
    return {**row, "key": key}


@router.get("/api-keys", response_model=ApiKeysPublic)
def list_api_keys(conn: Conn, me: UserAdmin) -> dict:
    rows = keys_store.list_api_keys(conn, me.tenant_id)
    return {"data": rows, "count": len(rows)}


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: PathId, conn: Conn, me: UserAdmin, request: Request) -> Response:
    keys_store.revoke_api_key(conn, me.tenant_id, key_id)
    conn.commit()
    forget_api_key(request.app, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
