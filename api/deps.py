"""FastAPI dependencies: settings, a database connection, the caller and their role.

A route asks for `Conn` (a pooled connection; committed when the route returns, rolled back
when it raises) and one of `Planner`, `Driver`, `Member` (planner or driver), `Operator`.

Waiting for a connection happens on the event loop (`db_slot`, a semaphore as large as the
pool), never in a worker thread: a thread blocked in `pool.connection()` holds one of the
threadpool's tokens, and with more waiters than tokens the requests that do hold a connection
cannot get a thread to finish and give it back (each request then waits out the pool timeout).
The principal's `tenant_id` comes from the token or API key, never from the request, so every
query a route makes is scoped to the caller's tenant.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from psycopg_pool import ConnectionPool, PoolTimeout

from api.errors import Forbidden, Unauthorized, Unavailable
from api.revocation import CredentialWatch, gone
from api.security import api_key_prefix, decode_token, verify_api_key
from api.settings import ApiSettings
from storage import api_keys as keys_store
from storage import users as users_store
from storage.users import UserAuthState


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (by token) or a machine client (by API key)."""

    user_id: int | None
    tenant_id: str | None
    role: str
    vehicle_id: int | None = None
    api_key_id: int | None = None
    token_version: int | None = None  # tokens: the user's version it was issued with
    owner_id: int | None = None  # API keys: the user the key belongs to


oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    auto_error=False,
    description="Short-lived JWT from POST /v1/auth/token",
)
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key for machine clients (shown once when created)",
)


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_pool(request: Request) -> ConnectionPool:
    return request.app.state.pool


POOL_WAIT_S = 10.0


@asynccontextmanager
async def pool_slot(app) -> AsyncIterator[None]:
    """Wait (on the event loop) until a pooled connection is free for this request; 503 after
    POOL_WAIT_S. Every use of the pool from a request goes through it."""
    slots: asyncio.Semaphore = app.state.db_slots
    try:
        await asyncio.wait_for(slots.acquire(), POOL_WAIT_S)
    except TimeoutError as exc:
        raise Unavailable("the database is busy or unavailable; try again shortly") from exc
    try:
        yield
    finally:
        slots.release()


async def db_slot(request: Request) -> AsyncIterator[None]:
    async with pool_slot(request.app):
        yield


def get_conn(
    pool: Annotated[ConnectionPool, Depends(get_pool)],
    _slot: Annotated[None, Depends(db_slot, scope="function")],
) -> Iterator[psycopg.Connection]:
    try:
        with pool.connection(timeout=10) as conn:
            yield conn
    except PoolTimeout as exc:
        raise Unavailable("the database is busy or unavailable; try again shortly") from exc


Settings = Annotated[ApiSettings, Depends(get_settings)]
# scope="function": the transaction commits before the response is sent, so a client that
# creates something and uses it straight away always finds it.
Conn = Annotated[psycopg.Connection, Depends(get_conn, scope="function")]

_KEY_CACHE_S = 60.0
_watch_lock = threading.Lock()


def credential_watch(app) -> CredentialWatch:
    """This app's memory of users and keys (api.revocation), started on first use; it stops
    listening when the app's pool closes."""
    watch = getattr(app.state, "credential_watch", None)
    if watch is not None and watch.alive:
        return watch
    with _watch_lock:
        watch = getattr(app.state, "credential_watch", None)
        if watch is None or not watch.alive:
            pool = app.state.pool
            watch = CredentialWatch(app.state.settings.database_url, lambda: pool.closed)
            watch.start()
            app.state.credential_watch = watch
    return watch


def forget_user(app, user_id: int) -> None:
    """After a committed change to a user: drop what this process remembers of it now (other
    processes hear it from the database)."""
    credential_watch(app).forget_user(user_id)


def forget_api_key(app, key_id: int) -> None:
    """After a committed revocation: drop the key from this process's memory now."""
    credential_watch(app).forget_key(key_id)


def _principal_from_key(pool: ConnectionPool, watch: CredentialWatch, key: str) -> Principal | None:
    """Look the key up (usable now, argon2-verified), remembering a success for a minute or
    until the key or its owner changes."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    hit = watch.cached_key(digest)
    if hit is not None:
        return hit
    prefix = api_key_prefix(key)
    if prefix is None:
        return None
    seq = watch.seq
    with pool.connection(timeout=10) as conn:
        row = keys_store.find_usable_api_key(conn, prefix)
        if row is None or not verify_api_key(row.key_hash, key):
            return None
        keys_store.touch_api_key(conn, row.id)
    principal = Principal(
        user_id=None,
        tenant_id=row.tenant_id,
        role=row.role,
        vehicle_id=row.vehicle_id,
        api_key_id=row.id,
        owner_id=row.owner_id,
    )
    watch.remember_key(digest, row.id, row.owner_id, principal, _KEY_CACHE_S, seq)
    return principal


_TOKEN_CACHE_MAX = 10_000
_token_cache: dict[tuple[str, str], tuple[float, Principal]] = {}


def _signed_principal(secret: str, token: str) -> Principal | None:
    """The principal the token claims, when its signature and expiry are good; verified once
    and then remembered until it expires (a busy tablet sends the same token every few
    seconds). Whether the user still holds these claims is `current_principal`'s check."""
    hit = _token_cache.get((secret, token))
    if hit is not None and hit[0] > time.time():
        return hit[1]
    claims = decode_token(secret, token)
    if claims is None:
        return None
    principal = Principal(
        user_id=claims.user_id,
        tenant_id=claims.tenant_id,
        role=claims.role,
        vehicle_id=claims.vehicle_id,
        token_version=claims.token_version,
    )
    if len(_token_cache) >= _TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[(secret, token)] = (float(claims.expires_at), principal)
    return principal


def forget_tokens() -> None:
    """Drop the verified signatures: each token is verified again on its next use."""
    _token_cache.clear()


def holds(principal: Principal, state: UserAuthState) -> bool:
    """Does the user, as it is now, still hold what the token says? The one rule: the same
    token version (bumped by every change that ends tokens), active, and the same tenant,
    role and vehicle."""
    return (
        state.active
        and state.token_version == principal.token_version
        and state.tenant_id == principal.tenant_id
        and state.role == principal.role
        and state.vehicle_id == principal.vehicle_id
    )


def cached_principal(app, secret: str, token: str) -> Principal | None:
    """The token's principal from this process's memory alone (no I/O): its signature verified
    before and its user remembered and still holding it. None: ask `get_principal`."""
    hit = _token_cache.get((secret, token))
    if hit is None or hit[0] <= time.time() or hit[1].user_id is None:
        return None
    principal = hit[1]
    watch = getattr(app.state, "credential_watch", None)
    state = watch.cached_user(principal.user_id) if watch is not None else None
    return principal if state is not None and holds(principal, state) else None


def _user_state(pool: ConnectionPool, watch: CredentialWatch, user_id: int) -> UserAuthState:
    """The user as it is now, from memory or the database (then remembered)."""
    state = watch.cached_user(user_id)
    if state is not None:
        return state
    seq = watch.seq
    with pool.connection(timeout=10) as conn:
        state = users_store.user_auth_state(conn, user_id) or gone(user_id)
    watch.remember_user(state, seq)
    return state


async def _in_pool(request: Request, fn, *args):
    try:
        async with pool_slot(request.app):
            return await run_in_threadpool(fn, request.app.state.pool, *args)
    except PoolTimeout as exc:
        raise Unavailable("the database is busy or unavailable; try again shortly") from exc


async def get_principal(
    request: Request,
    settings: Settings,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The caller, from a bearer token or an API key, checked against the user or key as it
    is now (from this process's memory when it has it, else the database)."""
    if token:
        principal = _signed_principal(settings.jwt_secret, token)
        if principal is None or principal.user_id is None:
            raise Unauthorized("invalid or expired token: log in again at POST /v1/auth/token")
        watch = credential_watch(request.app)
        state = watch.cached_user(principal.user_id)
        if state is None:
            state = await _in_pool(request, _user_state, watch, principal.user_id)
        if not holds(principal, state):
            raise Unauthorized(
                "this token was revoked (the user was changed, deactivated or deleted):"
                " log in again at POST /v1/auth/token"
            )
        return principal
    if api_key:
        watch = credential_watch(request.app)
        key_principal = watch.cached_key(hashlib.sha256(api_key.encode()).hexdigest())
        if key_principal is None:
            key_principal = await _in_pool(request, _principal_from_key, watch, api_key)
        if key_principal is None:
            raise Unauthorized("invalid or revoked API key")
        return key_principal
    raise Unauthorized()


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(*roles: str):
    """A dependency that lets only these roles through (403 otherwise, for your own tenant)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {principal.role}")
        if principal.role != "operator" and not principal.tenant_id:
            raise Forbidden("this credential belongs to no tenant")
        return principal

    return check


async def require_interactive_planner(
    principal: Annotated[Principal, Depends(require("planner"))],
) -> Principal:
    """A planner logged in with a password: API keys may not manage users or keys (a leaked
    key cannot make itself new credentials)."""
    if principal.api_key_id is not None:
        raise Forbidden("an API key cannot manage users or API keys: log in as a planner")
    return principal


Operator = Annotated[Principal, Depends(require("operator"))]
Planner = Annotated[Principal, Depends(require("planner"))]
Driver = Annotated[Principal, Depends(require("driver"))]
Member = Annotated[Principal, Depends(require("planner", "driver"))]
UserAdmin = Annotated[Principal, Depends(require_interactive_planner)]
