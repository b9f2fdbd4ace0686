"""Log in (OAuth2 password flow → short-lived JWT) and see who you are."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api import login_limiter
from api.client_address import client_address
from api.deps import Conn, CurrentPrincipal, Settings
from api.errors import TooManyRequests, Unauthorized
from api.models.auth import Me, Role, Token
from api.models.common import error_responses
from api.security import create_token, verify_password
from storage import users as users_store

router = APIRouter(prefix="/auth", tags=["auth"])


PRUNE_ONE_IN = 256  # logins that also forget finished throttling windows


@router.post("/token", response_model=Token, responses=error_responses(401, 422, 429, 503))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    conn: Conn,
    settings: Settings,
) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow).

    Attempts are counted per username and client address, per client address, and per
    username; past a limit the answer is 429 with `Retry-After` (see docs/security.md)."""
    username = form.username.strip()[:200].replace("\x00", "")
    client = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        settings.trusted_proxies,
    )
    verdict = login_limiter.admit(conn, settings, username, client)
    conn.commit()  # counted for every other attempt before any password is checked
    if not verdict.allowed:
        retry = verdict.retry_after_s
        raise TooManyRequests(
            f"too many failed logins; try again in {retry} s", headers={"Retry-After": str(retry)}
        )
    user = users_store.find_login(conn, username)
    ok = verify_password(user["password_hash"] if user else None, form.password)
    users_store.record_login_attempt(conn, username, client, ok)
    if ok:
        login_limiter.succeeded(conn, username, client)
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        login_limiter.prune(conn, settings, datetime.now(UTC))
    conn.commit()
    if not ok or user is None:
        raise Unauthorized("wrong username or password")
    token, ttl = create_token(
        settings.jwt_secret,
        settings.jwt_ttl_s,
        user_id=user["id"],
        tenant_id=user["tenant_id"],
        role=user["role"],
        vehicle_id=user["vehicle_id"],
        token_version=user["token_version"],
    )
    return Token(access_token=token, expires_in=ttl)


@router.get("/me", response_model=Me, responses=error_responses(401, 503))
def me(principal: CurrentPrincipal, conn: Conn) -> Me:
    """Who the credential belongs to: tenant (and its time zone), role and (for drivers)
    vehicle."""
    timezone = None
    if principal.tenant_id:
        row = cast(
            dict[str, Any] | None,
            conn.execute(
                "SELECT timezone FROM tenants WHERE id = %s", (principal.tenant_id,)
            ).fetchone(),
        )
        timezone = row["timezone"] if row else None
    return Me(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        timezone=timezone,
        role=cast(Role, principal.role),
        vehicle_id=principal.vehicle_id,
        via="api_key" if principal.api_key_id else "token",
    )
