"""Log in (OAuth2 password flow → short-lived JWT) and see who you are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import Conn, CurrentPrincipal, Settings
from api.errors import TooManyRequests, Unauthorized
from api.models.auth import Me, Token
from api.models.common import error_responses
from api.security import create_token, verify_password
from storage import users as users_store

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token, responses=error_responses(401, 422, 429, 503))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    conn: Conn,
    settings: Settings,
) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow).

    Failed attempts are counted per username and per client address; past the limit the
    answer is 429 with `Retry-After` until the window has passed."""
    username = form.username.strip()[:200]
    client_ip = request.client.host if request.client else "unknown"
    now = datetime.now(UTC)
    window = timedelta(seconds=settings.login_window_s)
    by_user, by_ip, oldest = users_store.recent_login_failures(
        conn, username, client_ip, now - window
    )
    if by_user >= settings.login_max_failures or by_ip >= 4 * settings.login_max_failures:
        retry = max(1, int(((oldest or now) + window - now).total_seconds()) + 1)
        raise TooManyRequests(
            f"too many failed logins; try again in {retry} s", headers={"Retry-After": str(retry)}
        )
    user = users_store.find_login(conn, username) if "\x00" not in username else None
    ok = verify_password(user["password_hash"] if user else None, form.password)
    users_store.record_login_attempt(conn, username.replace("\x00", ""), client_ip, ok)
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
    )
    return Token(access_token=token, expires_in=ttl)


@router.get("/me", response_model=Me, responses=error_responses(401, 503))
def me(principal: CurrentPrincipal, conn: Conn) -> Me:
    """Who the credential belongs to: tenant (and its time zone), role and (for drivers)
    vehicle."""
    timezone = None
    if principal.tenant_id:
        row = conn.execute(
            "SELECT timezone FROM tenants WHERE id = %s", (principal.tenant_id,)
        ).fetchone()
        timezone = row["timezone"] if row else None
    return Me(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        timezone=timezone,
        role=principal.role,
        vehicle_id=principal.vehicle_id,
        via="api_key" if principal.api_key_id else "token",
    )
