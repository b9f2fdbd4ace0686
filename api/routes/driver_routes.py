"""A driver's route of the day: JSON, GeoJSON or GPX, cached with an ETag."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api import route_render as render
from api.deps import Member, pool_slot
from api.models.common import AUTHED, Id
from api.models.containers import GeoJSONFeatureCollection
from api.models.plans import RoutesPublic
from api.route_fast_path import MAX_IF_NONE_MATCH, route_response
from storage import api_routes
from storage.errors import NotFound

router = APIRouter(tags=["routes"], responses=AUTHED)


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


async def _fetch_once(request: Request, request_key: tuple) -> tuple[bytes, str]:
    """Look the answer up (and render it if needed) once per key at a time: when the cached
    answer expires, or a worker starts cold, the tablets asking at that moment wait for the
    one look-up instead of each sending their own (a herd that stalled every request)."""
    waiting = _inflight.get(request_key)
    if waiting is not None:
        return await asyncio.shield(waiting)
    future = asyncio.get_running_loop().create_future()
    _inflight[request_key] = future
    try:
        async with pool_slot(request.app):
            hit = await run_in_threadpool(_render, request.app.state.pool, *request_key)
        render.recent_put(request_key, *hit)
        future.set_result(hit)
        return hit
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no warning when nobody else was waiting
        raise
    finally:
        _inflight.pop(request_key, None)


@router.get(
    "/routes",
    response_model=RoutesPublic,
    responses={
        200: {
            "description": "the routes (JSON, GeoJSON or GPX)",
            "content": {
                "application/geo+json": {"schema": GeoJSONFeatureCollection.model_json_schema()},
                "application/gpx+xml": {"schema": {"type": "string"}},
            },
        },
        304: {"description": "not modified since the ETag in If-None-Match"},
    },
)
async def get_routes(
    request: Request,
    me: Member,
    date: Annotated[date, Query(description="the day")],
    vehicle: Annotated[Id | None, Query(description="vehicle id; drivers: their own")] = None,
    format: Annotated[Literal["json", "geojson", "gpx"], Query()] = "json",
    if_none_match: Annotated[str | None, Header(max_length=MAX_IF_NONE_MATCH)] = None,
) -> Response:
    """The published routes of the day with ordered stops, coordinates, ETAs, loads and
    disposal trips. A driver gets only their own vehicle's routes: another vehicle is 404."""
    if me.role == "driver":
        if me.vehicle_id is None or (vehicle is not None and vehicle != me.vehicle_id):
            raise NotFound(f"no routes for vehicle {vehicle or '(none)'}")
        vehicle = me.vehicle_id
    request_key = (me.tenant_id, date, vehicle, format)
    body, etag = render.recent_get(request_key) or await _fetch_once(request, request_key)
    return route_response(body, etag, format, date, if_none_match)
