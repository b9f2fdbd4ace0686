"""Operators: tenants (municipalities) and their first users."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, status

from api.deps import Conn, Operator
from api.errors import InvalidInput
from api.models.auth import (
    TenantCreate,
    TenantPublic,
    TenantsPublic,
    TenantUpdate,
    TenantUserCreate,
    UserPublic,
)
from api.models.common import AUTHED, Limit, Offset, Slug, error_responses
from api.routes.users import add_user
from storage import api_tenants

router = APIRouter(prefix="/tenants", tags=["tenants (operator)"], responses=AUTHED)


def _check_timezone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown timezone {name!r}; use an IANA name like Europe/Amsterdam"
        ) from exc


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TenantPublic,
    responses=error_responses(409),
)
def create_tenant(body: TenantCreate, conn: Conn, _: Operator) -> dict:
    """Add a municipality to the deployment."""
    _check_timezone(body.timezone)
    return api_tenants.create_tenant(conn, body.id, body.name, body.timezone)


@router.get("", response_model=TenantsPublic)
def list_tenants(conn: Conn, _: Operator, limit: Limit = 100, offset: Offset = 0) -> dict:
    rows, count = api_tenants.list_tenants(conn, limit, offset)
    return {"data": rows, "count": count}


@router.get("/{tenant_id}", response_model=TenantPublic)
def get_tenant(tenant_id: Slug, conn: Conn, _: Operator) -> dict:
    return api_tenants.get_tenant(conn, tenant_id)


@router.patch("/{tenant_id}", response_model=TenantPublic)
def update_tenant(tenant_id: Slug, body: TenantUpdate, conn: Conn, _: Operator) -> dict:
    _check_timezone(body.timezone)
    return api_tenants.update_tenant(conn, tenant_id, body.model_dump(exclude_unset=True))


@router.post(
    "/{tenant_id}/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=error_responses(409),
)
def create_tenant_user(tenant_id: Slug, body: TenantUserCreate, conn: Conn, _: Operator) -> dict:
    """Create a user (usually the first planner) in a tenant."""
    api_tenants.get_tenant(conn, tenant_id)
    return add_user(conn, tenant_id, body)
