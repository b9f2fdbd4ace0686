"""A fast path that answers a cached route fetch from memory, before FastAPI's router.

`RouteFetchFastPath` (ASGI middleware, inside the metrics middleware) answers a
`GET /v1/routes` itself when everything it needs is already in this process's memory: a
bearer token verified earlier (the per-process token cache, until the token expires) whose
user this process remembers as still holding it (api.revocation: forgotten the moment the
user is changed, deactivated or deleted, in any process; nothing is remembered while that
cannot be guaranteed), and
the rendered answer to the same (tenant, day, vehicle, format) looked up less than
`route_render.LOOKUP_TTL_S` ago (refreshed ahead of expiry, see api.route_fetch). The tenant
comes from the token; a driver gets only their own vehicle, exactly as in the endpoint.
Anything else (an unknown or expired token, an API key, an unusual query string, another
driver's vehicle, a cache miss, an error) goes on to the FastAPI router untouched, which
answers it as before. The answer is built by the endpoint's own `route_response`. Routing
and dependency resolution cost more than 0.5 ms per request in FastAPI; this path costs a
few tens of microseconds, which matters for many tablets polling one route.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import cached_principal
from api.models.common import MAX_ID
from api.route_fetch import (
    MAX_IF_NONE_MATCH,
    MEDIA,
    accepts_gzip,
    cached_or_refresh,
    route_response,
)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(r"[1-9][0-9]{0,18}")


_CACHE_MAX = 4096
_queries: dict[bytes, tuple[date, int | None, str] | None] = {}
_answers: dict[tuple, Response] = {}
_encodings: dict[bytes, bool] = {}


def _remember(cache: dict, key, value):
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


def _query(query_string: bytes) -> tuple[date, int | None, str] | None:
    """`_parse_query`, remembered: the tablets of a fleet send the same few query strings."""
    try:
        return _queries[query_string]
    except KeyError:
        return _remember(_queries, query_string, _parse_query(query_string))


def _answer(
    body: bytes, etag: str, fmt: str, day: date, if_none_match: str | None, gzip_ok: bool
) -> Response:
    """`route_response`, remembered per (ETag, format, day, If-None-Match, gzip): the same
    object is sent again (Response.__call__ only reads it), which saves building headers."""
    key = (etag, fmt, day, if_none_match, gzip_ok)
    hit = _answers.get(key)
    if hit is None:
        answer = route_response(body, etag, fmt, day, if_none_match, gzip_ok)
        hit = _remember(_answers, key, answer)
    return hit


def _parse_query(query_string: bytes) -> tuple[date, int | None, str] | None:
    """(day, vehicle, format) from a plain query string; None for anything unusual."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in params or name not in ("date", "vehicle", "format"):
            return None
        params[name] = value
    day_text = params.get("date")
    if day_text is None or not _DAY.fullmatch(day_text):
        return None
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    vehicle: int | None = None
    if "vehicle" in params:
        if not _ID.fullmatch(params["vehicle"]) or int(params["vehicle"]) > MAX_ID:
            return None
        vehicle = int(params["vehicle"])
    fmt = params.get("format", "json")
    return (day, vehicle, fmt) if fmt in MEDIA else None


def _headers(scope: Scope) -> tuple[str, str | None, bool] | None:
    """(bearer token, If-None-Match, gzip accepted) when each header is sent at most once;
    None otherwise."""
    auth = inm = encodings = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            if auth is not None:
                return None
            auth = value
        elif name == b"if-none-match":
            if inm is not None or len(value) > MAX_IF_NONE_MATCH:
                return None
            inm = value
        elif name == b"accept-encoding":
            if encodings is not None:
                return None
            encodings = value
    if auth is None:
        return None
    scheme, _, token = auth.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    gzip_ok = encodings is not None and _accepts_gzip(encodings)
    return token, None if inm is None else inm.decode("latin-1"), gzip_ok


def _accepts_gzip(value: bytes) -> bool:
    try:
        return _encodings[value]
    except KeyError:
        return _remember(_encodings, value, accepts_gzip(value.decode("latin-1")))


def cached_answer(scope: Scope, jwt_secret: str) -> Response | None:
    """The answer to this request from memory alone, or None to let the router handle it."""
    if (
        scope["method"] != "GET"
        or scope["path"] != "/v1/routes"
        or scope.get("root_path")
        or (headers := _headers(scope)) is None
        or (query := _query(scope["query_string"])) is None
    ):
        return None
    token, if_none_match, gzip_ok = headers
    day, vehicle, fmt = query
    principal = cached_principal(scope["app"], jwt_secret, token)
    if principal is None or not principal.tenant_id:
        return None
    if principal.role == "driver":
        if principal.vehicle_id is None or vehicle not in (None, principal.vehicle_id):
            return None
        vehicle = principal.vehicle_id
    elif principal.role != "planner":
        return None
    hit = cached_or_refresh(scope["app"], (principal.tenant_id, day, vehicle, fmt))
    if hit is None:
        return None
    return _answer(hit[0], hit[1], fmt, day, if_none_match, gzip_ok)


class RouteFetchFastPath:
    """ASGI middleware: a cached route fetch answered before FastAPI's router (see above).
    `served` counts the requests it answered (tests check the path was taken)."""

    served = 0

    def __init__(self, app: ASGIApp, jwt_secret: str) -> None:
        self.app, self.jwt_secret = app, jwt_secret
        self.route = None  # the router's route for /v1/routes, learnt from a routed request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/routes":
            await self.app(scope, receive, send)
            return
        response = cached_answer(scope, self.jwt_secret)
        if response is None:
            await self.app(scope, receive, send)
            self.route = self.route or scope.get("route")
            return
        RouteFetchFastPath.served += 1
        if self.route is not None:
            scope["route"] = self.route  # the metrics' route label, as set by the router
        await response(scope, receive, send)
