"""Fetching a driver's routes: the answer, one look-up per key at a time, refresh ahead.

- `route_response`: the answer of `GET /v1/routes` (200 with the rendered bytes, gzipped
  once per ETag for clients that accept it, or 304 for a matching `If-None-Match`); the
  endpoint and the fast path (api.route_fast_path) both use it, so their answers are the
  same bytes and headers.
- `fetch_once`: look the published plans up (and render them when new) once per
  (tenant, day, vehicle, format) at a time; the requests asking meanwhile wait for it.
- `cached_or_refresh`: the in-memory answer (route_render's 2-s look-up cache). When it has
  less than `REFRESH_AHEAD_S` to live, the first request to see that starts a look-up in
  the background and is answered from memory, so the entry is replaced before it expires
  and a fleet of tablets never waits for the database together (before, every 2 s all the
  requests of that moment waited for one look-up: a burst of 50-100 slow answers, 1 % of
  them at 5,000 requests/s). An entry is never served after it expires, so a newly
  published plan still reaches drivers within `route_render.LOOKUP_TTL_S`.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from datetime import date

from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api import route_render as render
from api.deps import pool_slot
from storage import api_routes
from storage.errors import NotFound

log = logging.getLogger(__name__)
MEDIA = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
}
MAX_IF_NONE_MATCH = 200  # the endpoint's Header(max_length=...)
REFRESH_AHEAD_S = 0.5
GZIP_MIN_BYTES = 1024
_Q = re.compile(r"q\s*=\s*([0-9.]+)")
_gzip_cache: dict[str, bytes] = {}


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` lists gzip (with a q-value above 0)."""
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() == "gzip":
            q = _Q.fullmatch(params.strip().lower())
            try:
                return q is None or float(q[1]) > 0
            except ValueError:
                return False
    return False


def _gzipped(etag: str, body: bytes) -> bytes:
    """The body gzipped once per ETag (level 6, no timestamp: the same bytes in every worker)."""
    hit = _gzip_cache.get(etag)
    if hit is None:
        if len(_gzip_cache) >= 1024:
            _gzip_cache.clear()
        hit = _gzip_cache[etag] = gzip.compress(body, 6, mtime=0)
    return hit


def route_response(
    body: bytes,
    etag: str,
    fmt: str,
    day: date,
    if_none_match: str | None,
    accept_gzip: bool = False,
) -> Response:
    """200 with the rendered routes (gzipped when the client accepts it: 95 KB of JSON for 300
    stops become 8 KB), or 304 when `If-None-Match` names the ETag of that representation."""
    gzipped = accept_gzip and len(body) >= GZIP_MIN_BYTES
    if gzipped:
        etag = etag[:-1] + '-gzip"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=0, must-revalidate",
        "Vary": "Accept-Encoding",
    }
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    if fmt == "gpx":
        headers["Content-Disposition"] = f'attachment; filename="route-{day}.gpx"'
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        body = _gzipped(etag, body)
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def _render(pool, tenant_id: str, day: date, vehicle: int | None, fmt: str) -> tuple[bytes, str]:
    """One pooled connection, one query when the rendering is cached, two when it is not."""
    with pool.connection(timeout=10) as conn:
        routes = api_routes.published_routes(conn, tenant_id, day, vehicle)
        if vehicle is not None and not routes:
            raise NotFound(f"no published route on {day} for vehicle {vehicle}")
        key = (tenant_id, day, vehicle, fmt, tuple(sorted({r["plan_id"] for r in routes})))
        hit = render.cache_get(key)
        if hit is not None:
            return hit
        stops = api_routes.route_stops(
            conn, tenant_id, [(r["plan_id"], r["route_no"]) for r in routes]
        )
    assembled = render.assemble(routes, stops)
    body = {
        "json": lambda: render.render_json(day, vehicle, assembled),
        "geojson": lambda: render.render_geojson(assembled),
        "gpx": lambda: render.render_gpx(assembled),
    }[fmt]()
    hit = (body, render.etag_for(key, body))
    render.cache_put(key, *hit)
    return hit


_inflight: dict[tuple, asyncio.Future] = {}
_background: set[asyncio.Task] = set()
_refreshing: set[tuple] = set()


async def fetch_once(app, request_key: tuple) -> tuple[bytes, str]:
    """Look the answer up (and render it if needed) once per key at a time: when the cached
    answer expires, or a worker starts cold, the tablets asking at that moment wait for the
    one look-up instead of each sending their own (a herd that stalled every request)."""
    waiting = _inflight.get(request_key)
    if waiting is not None:
        return await asyncio.shield(waiting)
    future = asyncio.get_running_loop().create_future()
    _inflight[request_key] = future
    try:
        async with pool_slot(app):
            hit = await run_in_threadpool(_render, app.state.pool, *request_key)
        render.recent_put(request_key, *hit)
        future.set_result(hit)
        return hit
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no warning when nobody else was waiting
        raise
    finally:
        _inflight.pop(request_key, None)


async def _refresh(app, request_key: tuple) -> None:
    try:
        await fetch_once(app, request_key)
    except NotFound:
        render.recent_forget(request_key)  # unpublished meanwhile: ask the router next time
    except Exception:
        log.warning("refreshing the routes of %s failed", request_key[:3], exc_info=True)


def cached_or_refresh(app, request_key: tuple) -> tuple[bytes, str] | None:
    """The in-memory answer, or None; starts a refresh in the background when it is due."""
    hit = render.recent_get(request_key, REFRESH_AHEAD_S)
    if hit is None:
        return None
    body, etag, due = hit
    if due and request_key not in _refreshing and request_key not in _inflight:
        _refreshing.add(request_key)  # at once: the task only starts after this request
        task = asyncio.get_running_loop().create_task(_refresh(app, request_key))
        _background.add(task)
        task.add_done_callback(_background.discard)
        task.add_done_callback(lambda _: _refreshing.discard(request_key))
    return body, etag
