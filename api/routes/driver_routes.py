"""A driver's route of the day: JSON, GeoJSON or GPX, cached with an ETag."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from api import route_fetch as fetch
from api.deps import Member
from api.models.common import AUTHED, Id
from api.models.containers import GeoJSONFeatureCollection
from api.models.plans import RoutesPublic
from storage.errors import NotFound

router = APIRouter(tags=["routes"], responses=AUTHED)


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
    if_none_match: Annotated[str | None, Header(max_length=fetch.MAX_IF_NONE_MATCH)] = None,
) -> Response:
    """The published routes of the day with ordered stops, coordinates, ETAs, loads and
    disposal trips. A driver gets only their own vehicle's routes: another vehicle is 404."""
    if me.role == "driver":
        if me.vehicle_id is None or (vehicle is not None and vehicle != me.vehicle_id):
            raise NotFound(f"no routes for vehicle {vehicle or '(none)'}")
        vehicle = me.vehicle_id
    request_key = (me.tenant_id, date, vehicle, format)
    hit = fetch.cached_or_refresh(request.app, request_key)
    body, etag = hit or await fetch.fetch_once(request.app, request_key)
    gzip_ok = fetch.accepts_gzip(request.headers.get("accept-encoding"))
    return fetch.route_response(body, etag, format, date, if_none_match, gzip_ok)
