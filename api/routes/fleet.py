"""Depots, vehicles and disposal sites: CRUD (planners write, drivers read)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import Conn, Member, Planner
from api.errors import InvalidInput
from api.models.common import AUTHED, PathId, error_responses
from api.models.fleet import (
    DepotCreate,
    DepotPublic,
    DepotsPublic,
    DepotUpdate,
    DisposalSiteCreate,
    DisposalSitePublic,
    DisposalSitesPublic,
    DisposalSiteUpdate,
    VehicleCreate,
    VehiclePublic,
    VehiclesPublic,
    VehicleUpdate,
)
from domain import Depot, DisposalSite, Fraction, GeoPoint, Vehicle
from storage import api_fleet
from storage import fleet as store
from storage.errors import NotFound

router = APIRouter(tags=["fleet"], responses={**AUTHED, **error_responses(409)})
ALL = set(Fraction)
NOT_NULL = {
    "name",
    "lat",
    "lon",
    "depot_id",
    "capacity_l",
    "capacity_kg",
    "compaction_ratio",
    "shift_start",
    "shift_end",
    "break_duration_s",
    "unload_time_s",
    "fractions",
    "active",
}


def _changes(body) -> dict:
    changes = body.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k in NOT_NULL)
    if nulls:
        raise InvalidInput(f"{nulls[0]}: may not be null")
    if "fractions" in changes:
        changes["fractions"] = (
            sorted({str(f) for f in changes["fractions"]})
            if set(changes["fractions"]) != ALL
            else []
        )
    return changes


def _fractions(values) -> list[str]:
    return [] if set(values) == ALL else sorted(str(f) for f in values)


def _depot(d: Depot) -> dict:
    return {"id": d.id, "name": d.name, "lat": d.location.lat, "lon": d.location.lon}


def _vehicle(conn, tenant_id: str, v: Vehicle) -> dict:
    return {
        "id": v.id,
        "name": v.name,
        "depot_id": v.depot_id,
        "capacity_l": v.capacity_l,
        "capacity_kg": v.capacity_kg,
        "compaction_ratio": v.compaction_ratio,
        "shift_start": v.shift_start,
        "shift_end": v.shift_end,
        "break_start_earliest": v.break_start_earliest,
        "break_start_latest": v.break_start_latest,
        "break_duration_s": v.break_duration_s,
        "max_stops": v.max_stops,
        "max_load_kg_per_day": v.max_load_kg_per_day,
        "fractions": _fractions(v.fractions),
        "active": api_fleet.vehicle_active(conn, tenant_id, v.id),
    }


def _site(s: DisposalSite) -> dict:
    return {
        "id": s.id,
        "name": s.name,
        "lat": s.location.lat,
        "lon": s.location.lon,
        "unload_time_s": s.unload_time_s,
        "fractions": _fractions(s.fractions),
    }


def _update(conn, table: str, tenant_id: str, row_id: int, changes: dict, what: str) -> None:
    if not api_fleet.update_fleet_row(conn, table, tenant_id, row_id, changes):
        raise NotFound(f"no {what} {row_id}")


# depots
@router.post("/depots", status_code=status.HTTP_201_CREATED, response_model=DepotPublic)
def create_depot(body: DepotCreate, conn: Conn, me: Planner) -> dict:
    return _depot(store.add_depot(conn, me.tenant_id, body.name, GeoPoint(body.lat, body.lon)))


@router.get("/depots", response_model=DepotsPublic)
def list_depots(conn: Conn, me: Member) -> dict:
    rows = [_depot(d) for d in store.list_depots(conn, me.tenant_id)]
    return {"data": rows, "count": len(rows)}


@router.get("/depots/{depot_id}", response_model=DepotPublic)
def get_depot(depot_id: PathId, conn: Conn, me: Member) -> dict:
    return _depot(store.get_depot(conn, me.tenant_id, depot_id))


@router.patch("/depots/{depot_id}", response_model=DepotPublic)
def update_depot(depot_id: PathId, body: DepotUpdate, conn: Conn, me: Planner) -> dict:
    _update(conn, "depots", me.tenant_id, depot_id, _changes(body), "depot")
    return _depot(store.get_depot(conn, me.tenant_id, depot_id))


@router.delete("/depots/{depot_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_depot(depot_id: PathId, conn: Conn, me: Planner) -> Response:
    """Delete a depot (422 while vehicles are based there)."""
    store.delete_depot(conn, me.tenant_id, depot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# vehicles
@router.post("/vehicles", status_code=status.HTTP_201_CREATED, response_model=VehiclePublic)
def create_vehicle(body: VehicleCreate, conn: Conn, me: Planner) -> dict:
    """Add a vehicle at one of your depots (422 if the depot is not yours)."""
    values = body.model_dump()
    values["fractions"] = tuple(values["fractions"]) or tuple(Fraction)
    vehicle = store.add_vehicle(conn, me.tenant_id, Vehicle(id=0, tenant_id=me.tenant_id, **values))
    return _vehicle(conn, me.tenant_id, vehicle)


@router.get("/vehicles", response_model=VehiclesPublic)
def list_vehicles(conn: Conn, me: Member, include_inactive: bool = False) -> dict:
    rows = [
        _vehicle(conn, me.tenant_id, v)
        for v in store.list_vehicles(conn, me.tenant_id, active_only=not include_inactive)
    ]
    return {"data": rows, "count": len(rows)}


@router.get("/vehicles/{vehicle_id}", response_model=VehiclePublic)
def get_vehicle(vehicle_id: PathId, conn: Conn, me: Member) -> dict:
    return _vehicle(conn, me.tenant_id, store.get_vehicle(conn, me.tenant_id, vehicle_id))


@router.patch("/vehicles/{vehicle_id}", response_model=VehiclePublic)
def update_vehicle(vehicle_id: PathId, body: VehicleUpdate, conn: Conn, me: Planner) -> dict:
    _update(conn, "vehicles", me.tenant_id, vehicle_id, _changes(body), "vehicle")
    return _vehicle(conn, me.tenant_id, store.get_vehicle(conn, me.tenant_id, vehicle_id))


@router.delete("/vehicles/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_vehicle(vehicle_id: PathId, conn: Conn, me: Planner) -> Response:
    """Delete a vehicle; one that stored plans refer to is deactivated instead."""
    store.delete_vehicle(conn, me.tenant_id, vehicle_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# disposal sites
@router.post(
    "/disposal-sites", status_code=status.HTTP_201_CREATED, response_model=DisposalSitePublic
)
def create_disposal_site(body: DisposalSiteCreate, conn: Conn, me: Planner) -> dict:
    site = DisposalSite(
        id=0,
        tenant_id=me.tenant_id,
        name=body.name,
        location=GeoPoint(body.lat, body.lon),
        unload_time_s=body.unload_time_s,
        fractions=tuple(body.fractions) or tuple(Fraction),
    )
    return _site(store.add_disposal_site(conn, me.tenant_id, site))


@router.get("/disposal-sites", response_model=DisposalSitesPublic)
def list_disposal_sites(conn: Conn, me: Member) -> dict:
    rows = [_site(s) for s in store.list_disposal_sites(conn, me.tenant_id)]
    return {"data": rows, "count": len(rows)}


@router.get("/disposal-sites/{site_id}", response_model=DisposalSitePublic)
def get_disposal_site(site_id: PathId, conn: Conn, me: Member) -> dict:
    return _site(store.get_disposal_site(conn, me.tenant_id, site_id))


@router.patch("/disposal-sites/{site_id}", response_model=DisposalSitePublic)
def update_disposal_site(
    site_id: PathId, body: DisposalSiteUpdate, conn: Conn, me: Planner
) -> dict:
    _update(conn, "disposal_sites", me.tenant_id, site_id, _changes(body), "disposal site")
    return _site(store.get_disposal_site(conn, me.tenant_id, site_id))


@router.delete("/disposal-sites/{site_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_disposal_site(site_id: PathId, conn: Conn, me: Planner) -> Response:
    """Delete a site (422 while stored plans unload there)."""
    store.delete_disposal_site(conn, me.tenant_id, site_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
