"""Containers: CRUD, bulk import/export (GeoJSON, CSV) and the FIWARE NGSI-LD view."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from api.containers_io import parse_import, to_csv, to_geojson, to_ngsi_ld
from api.deps import Conn, Member, Planner, Settings
from api.errors import InvalidInput
from api.models.common import AUTHED, Limit, Offset, PathId, error_responses
from api.models.containers import (
    ContainerCreate,
    ContainerPublic,
    ContainersPublic,
    ContainerUpdate,
    GeoJSONFeatureCollection,
    ImportResult,
    NgsiWasteContainer,
)
from domain import Fraction
from storage import api_containers as store
from storage.errors import NotFound

router = APIRouter(tags=["containers"], responses=AUTHED)


@router.post(
    "/containers",
    status_code=status.HTTP_201_CREATED,
    response_model=ContainerPublic,
    responses=error_responses(409),
)
def create_container(body: ContainerCreate, conn: Conn, me: Planner) -> dict:
    """Add a container. `external_id` must be unique in your tenant (409 otherwise)."""
    return store.create_container(conn, me.tenant_id, body.model_dump())


@router.get("/containers", response_model=ContainersPublic)
def list_containers(
    conn: Conn, me: Member, fraction: Fraction | None = None, limit: Limit = 100, offset: Offset = 0
) -> dict:
    rows, count = store.list_containers(
        conn, me.tenant_id, fraction=fraction, limit=limit, offset=offset
    )
    return {"data": rows, "count": count}


@router.get(
    "/containers/export",
    responses={
        200: {
            "description": "GeoJSON FeatureCollection or CSV",
            "content": {
                "application/geo+json": {"schema": GeoJSONFeatureCollection.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def export_containers(
    conn: Conn,
    me: Planner,
    format: Annotated[Literal["geojson", "csv"], Query()] = "geojson",
    fraction: Fraction | None = None,
) -> Response:
    """All your containers, as a GeoJSON FeatureCollection or CSV (same columns as the import)."""
    rows, _ = store.list_containers(conn, me.tenant_id, fraction=fraction, limit=10_000_000)
    if format == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="containers.csv"'},
        )
    return JSONResponse(to_geojson(rows), media_type="application/geo+json")


@router.post("/containers/import", response_model=ImportResult, responses=error_responses(413))
def import_containers(
    conn: Conn,
    me: Planner,
    settings: Settings,
    file: Annotated[UploadFile, File(description="a .csv or .geojson file")],
    format: Annotated[Literal["geojson", "csv"] | None, Query()] = None,
) -> dict:
    """Create or update containers in bulk, matched on `external_id`. All or nothing: the
    first invalid row is named and nothing is stored. The request may be at most
    API_MAX_IMPORT_BYTES (20 MB; 413 beyond, refused while it arrives: api.limits)."""
    data = file.file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file: not UTF-8 text") from None
    if "\x00" in text:
        raise InvalidInput("file: contains NUL bytes")
    fmt = format or (
        "geojson" if (file.filename or "").lower().endswith(("json", "geojson")) else None
    )
    fmt, rows = parse_import(text, fmt, settings.max_import_rows)
    created, updated = store.upsert_containers(conn, me.tenant_id, rows)
    return {"created": created, "updated": updated, "format": fmt}


@router.get("/containers/{container_id}", response_model=ContainerPublic)
def get_container(container_id: PathId, conn: Conn, me: Member) -> dict:
    return store.get_container(conn, me.tenant_id, container_id)


@router.patch(
    "/containers/{container_id}", response_model=ContainerPublic, responses=error_responses(409)
)
def update_container(container_id: PathId, body: ContainerUpdate, conn: Conn, me: Planner) -> dict:
    changes = body.model_dump(exclude_unset=True)
    required = {"external_id", "lat", "lon", "fraction", "volume_l", "service_time_s"}
    nulls = sorted(k for k in required if k in changes and changes[k] is None)
    if nulls:
        raise InvalidInput(f"{nulls[0]}: may not be null")
    return store.update_container(conn, me.tenant_id, container_id, changes)


@router.delete("/containers/{container_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_container(container_id: PathId, conn: Conn, me: Planner) -> Response:
    """Delete a container with its devices, state and readings' link."""
    store.delete_container(conn, me.tenant_id, container_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


NGSI = {200: {"content": {"application/ld+json": {}}}}


@router.get(
    "/containers/{container_id}/ngsi-ld",
    response_model=NgsiWasteContainer,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses=NGSI,
)
def get_container_ngsi_ld(container_id: PathId, conn: Conn, me: Member) -> JSONResponse:
    """The container as a FIWARE `WasteContainer` NGSI-LD entity (normalized form)."""
    rows = store.containers_with_state(conn, me.tenant_id, container_id=container_id)
    if not rows:
        raise NotFound(f"no container {container_id}")
    return JSONResponse(to_ngsi_ld(me.tenant_id, rows[0]), media_type="application/ld+json")


@router.get(
    "/ngsi-ld/WasteContainer",
    response_model=list[NgsiWasteContainer],
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses=NGSI,
)
def list_ngsi_ld(
    conn: Conn, me: Member, fraction: Fraction | None = None, limit: Limit = 100, offset: Offset = 0
) -> JSONResponse:
    """Your containers as NGSI-LD WasteContainer entities, paginated."""
    rows = store.containers_with_state(
        conn, me.tenant_id, fraction=fraction, limit=limit, offset=offset
    )
    return JSONResponse(
        [to_ngsi_ld(me.tenant_id, r) for r in rows], media_type="application/ld+json"
    )
