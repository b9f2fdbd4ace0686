"""Container state: latest fill, forecast full date, sensor health, alarms; the map GeoJSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import Conn, Member, Settings
from api.models.common import AUTHED, Limit, Offset, PathId
from api.models.containers import GeoJSONFeatureCollection
from api.models.state import ContainerStatePublic, ContainerStatesPublic
from api.settings import ApiSettings
from api.state_view import state_public
from domain import Fraction
from storage import api_state
from storage.errors import NotFound

router = APIRouter(tags=["state"], responses=AUTHED)
MinFill = Annotated[
    float | None, Query(ge=0, le=2, description="only containers at least this full")
]
HealthFilter = Annotated[
    Literal["ok", "no_data", "stale", "low_battery", "tilted", "stuck"] | None,
    Query(description="only containers with this sensor health flag"),
]
AlarmFilter = Annotated[bool | None, Query(description="true: only containers with an alarm")]


def _states(
    conn,
    settings: ApiSettings,
    tenant_id: str,
    *,
    fraction=None,
    container_id=None,
    min_fill=None,
    health=None,
    alarm=None,
) -> list[dict]:
    now = datetime.now(UTC)
    rows = api_state.container_states(conn, tenant_id, fraction=fraction, container_id=container_id)
    out = [
        state_public(r, now, timedelta(seconds=settings.stale_after_s), settings.low_battery_pct)
        for r in rows
    ]
    if min_fill is not None:
        out = [s for s in out if s["fill_fraction"] is not None and s["fill_fraction"] >= min_fill]
    if health is not None:
        out = [s for s in out if health in s["health"]]
    if alarm is not None:
        out = [s for s in out if bool(s["alarms"]) == alarm]
    return out


@router.get("/state", response_model=ContainerStatesPublic)
def list_states(
    conn: Conn,
    me: Member,
    settings: Settings,
    fraction: Fraction | None = None,
    min_fill: MinFill = None,
    health: HealthFilter = None,
    alarm: AlarmFilter = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> dict:
    """Every container's latest state, filterable."""
    states = _states(
        conn,
        settings,
        me.tenant_id,
        fraction=fraction,
        min_fill=min_fill,
        health=health,
        alarm=alarm,
    )
    return {"data": states[offset : offset + limit], "count": len(states)}


@router.get("/containers/{container_id}/state", response_model=ContainerStatePublic)
def container_state(container_id: PathId, conn: Conn, me: Member, settings: Settings) -> dict:
    states = _states(conn, settings, me.tenant_id, container_id=container_id)
    if not states:
        raise NotFound(f"no container {container_id}")
    return states[0]


@router.get(
    "/state/map",
    response_model=GeoJSONFeatureCollection,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def state_map(
    conn: Conn,
    me: Member,
    settings: Settings,
    fraction: Fraction | None = None,
    min_fill: MinFill = None,
    health: HealthFilter = None,
    alarm: AlarmFilter = None,
) -> JSONResponse:
    """All containers as a GeoJSON FeatureCollection with fill, forecast, health and alarms in
    the properties: ready for Leaflet/MapLibre."""
    states = _states(
        conn,
        settings,
        me.tenant_id,
        fraction=fraction,
        min_fill=min_fill,
        health=health,
        alarm=alarm,
    )
    features = []
    for s in states:
        props = {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in s.items()
            if k not in ("lat", "lon", "container_id")
        }
        features.append(
            {
                "type": "Feature",
                "id": s["container_id"],
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": props,
            }
        )
    return JSONResponse(
        {"type": "FeatureCollection", "features": features}, media_type="application/geo+json"
    )
