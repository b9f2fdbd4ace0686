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
from api.security import api_key_prefix, decode_token, verify_api_key
from api.settings import ApiSettings
from storage import api_keys as keys_store


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (by token) or a machine client (by API key)."""

    user_id: int | None
    tenant_id: str | None
    role: str
    vehicle_id: int | None = None
    api_key_id: int | None = None


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
_key_cache: dict[str, tuple[float, Principal]] = {}
_key_lock = threading.Lock()


def _principal_from_key(pool: ConnectionPool, key: str) -> Principal | None:
    """Look the key up (argon2-verified), caching a success for a minute."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    now = time.monotonic()
    with _key_lock:
        hit = _key_cache.get(digest)
    if hit and hit[0] > now:
        return hit[1]
    prefix = api_key_prefix(key)
    if prefix is None:
        return None
    with pool.connection(timeout=10) as conn:
        row = keys_store.find_api_key(conn, prefix)
        if row is None or not verify_api_key(row["key_hash"], key):
            return None
        keys_store.touch_api_key(conn, row["id"])
    principal = Principal(
        user_id=None,
        tenant_id=row["tenant_id"],
        role=row["role"],
        vehicle_id=row["vehicle_id"],
        api_key_id=row["id"],
    )
    with _key_lock:
        if len(_key_cache) > 10_000:
            _key_cache.clear()
        _key_cache[digest] = (now + _KEY_CACHE_S, principal)
    return principal


def forget_api_keys() -> None:
    """Drop cached API-key lookups (after a revocation in this process)."""
    with _key_lock:
        _key_cache.clear()


_TOKEN_CACHE_MAX = 10_000
_token_cache: dict[tuple[str, str], tuple[float, Principal]] = {}


def cached_principal(secret: str, token: str) -> Principal | None:
    """The principal of a token this process verified before, while it is unexpired; None
    when it has to be verified (again)."""
    hit = _token_cache.get((secret, token))
    if hit is not None and hit[0] > time.time():
        return hit[1]
    return None


def forget_tokens() -> None:
    """Drop the verified tokens: each is verified again on its next use."""
    _token_cache.clear()


def _principal_from_token(secret: str, token: str) -> Principal | None:
    """The token's principal, verified once and then remembered until it expires (a busy
    tablet sends the same token every few seconds)."""
    principal = cached_principal(secret, token)
    if principal is not None:
        return principal
    claims = decode_token(secret, token)
    if claims is None:
        return None
    principal = Principal(
        user_id=claims.user_id,
        tenant_id=claims.tenant_id,
        role=claims.role,
        vehicle_id=claims.vehicle_id,
    )
    if len(_token_cache) >= _TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[(secret, token)] = (float(claims.expires_at), principal)
    return principal


async def get_principal(
    request: Request,
    settings: Settings,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The caller, from a bearer token (no I/O) or an API key (a database look-up, cached)."""
    if token:
        principal = _principal_from_token(settings.jwt_secret, token)
        if principal is None:
            raise Unauthorized("invalid or expired token: log in again at POST /v1/auth/token")
        return principal
    if api_key:
        try:
            async with pool_slot(request.app):
                principal = await run_in_threadpool(
                    _principal_from_key, request.app.state.pool, api_key
                )
        except PoolTimeout as exc:
            raise Unavailable("the database is busy or unavailable; try again shortly") from exc
        if principal is None:
            raise Unauthorized("invalid or revoked API key")
        return principal
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


Operator = Annotated[Principal, Depends(require("operator"))]
Planner = Annotated[Principal, Depends(require("planner"))]
Driver = Annotated[Principal, Depends(require("driver"))]
Member = Annotated[Principal, Depends(require("planner", "driver"))]
