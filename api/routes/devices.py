"""Sensors: register (with broker credentials), map to a container, rotate credentials;
the tenant's network-server integration account; operators download the Mosquitto password
and ACL files (api.broker_files: accounts in namespaces of their own)."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import APIRouter, Response, status

from api.broker_files import (
    device_topic,
    device_username,
    from_database,
    integration_topics,
    integration_username,
)
from api.deps import Conn, Member, Operator, Planner, Principal
from api.errors import InvalidInput, NotAvailable
from api.models.common import AUTHED, Limit, Offset
from api.models.devices import (
    DeviceCreate,
    DeviceCredentials,
    DeviceId,
    DevicePublic,
    DeviceRegistered,
    DevicesPublic,
    DeviceUpdate,
    IntegrationCredentials,
)
from api.security import mosquitto_hash, new_device_password
from storage import api_containers
from storage import devices as store
from storage.errors import NotFound
from storage.ingest_applications import tenant_applications

router = APIRouter(tags=["devices"], responses=AUTHED)


def _tenant(me: Principal) -> str:
    assert me.tenant_id is not None  # planners and drivers always belong to a tenant
    return me.tenant_id


def _check_container(conn: psycopg.Connection, tenant_id: str, container_id: int | None) -> None:
    if container_id is not None:
        try:
            api_containers.get_container(conn, tenant_id, container_id)
        except NotFound:
            raise InvalidInput(
                f"container_id: no container {container_id} in this tenant"
            ) from None


def _credentials(tenant_id: str, device_id: str, password: str) -> dict:
    return {
        "device_id": device_id,
        "broker_username": device_username(tenant_id, device_id),
        "broker_password": password,
        "publish_topic": device_topic(tenant_id, device_id),
    }


@router.post(
    "/devices",
    status_code=status.HTTP_201_CREATED,
    response_model=DeviceRegistered,
)
def register_device(body: DeviceCreate, conn: Conn, me: Planner) -> dict:
    """Register a sensor on a container. The answer holds its broker password, shown once.
    Device ids and DevEUIs are unique across the deployment: a taken one answers 422
    `not_available`, the same whether it is taken in your tenant or another."""
    _check_container(conn, _tenant(me), body.container_id)
    dev_eui = body.dev_eui.lower() if body.dev_eui else None
    if store.device_ids_taken(conn, body.device_id, None):
        raise NotAvailable("device_id")
    if dev_eui and store.device_ids_taken(conn, None, dev_eui):
        raise NotAvailable("dev_eui")
    password = new_device_password()
    row = store.create_device(
        conn,
        _tenant(me),
        device_id=body.device_id,
        container_id=body.container_id,
        dev_eui=dev_eui,
        model=body.model,
        broker_username=device_username(_tenant(me), body.device_id),
        password_hash=mosquitto_hash(password),
    )
    return {**row, "credentials": _credentials(_tenant(me), body.device_id, password)}


@router.get("/devices", response_model=DevicesPublic)
def list_devices(
    conn: Conn, me: Member, container_id: int | None = None, limit: Limit = 100, offset: Offset = 0
) -> dict:
    rows, count = store.list_devices(
        conn, _tenant(me), container_id=container_id, limit=limit, offset=offset
    )
    return {"data": rows, "count": count}


@router.get("/devices/{device_id}", response_model=DevicePublic)
def get_device(device_id: DeviceId, conn: Conn, me: Member) -> dict:
    return store.get_device(conn, _tenant(me), device_id)


@router.patch("/devices/{device_id}", response_model=DevicePublic)
def update_device(device_id: DeviceId, body: DeviceUpdate, conn: Conn, me: Planner) -> dict:
    """Map the sensor to another container, or change its DevEUI, model or active flag."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("container_id", "active"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key}: may not be null")
    store.get_device(conn, _tenant(me), device_id)
    _check_container(conn, _tenant(me), changes.get("container_id"))
    if changes.get("dev_eui"):
        changes["dev_eui"] = changes["dev_eui"].lower()
        current = store.get_device(conn, _tenant(me), device_id)["dev_eui"]
        if changes["dev_eui"] != current and store.device_ids_taken(conn, None, changes["dev_eui"]):
            raise NotAvailable("dev_eui")
    return store.update_device(conn, _tenant(me), device_id, changes)


@router.post("/devices/{device_id}/credentials", response_model=DeviceCredentials)
def rotate_credentials(device_id: DeviceId, conn: Conn, me: Planner) -> dict:
    """A new broker password for the sensor (the old one stops working once the broker
    files are regenerated and reloaded)."""
    password = new_device_password()
    store.set_device_password(
        conn,
        _tenant(me),
        device_id,
        device_username(_tenant(me), device_id),
        mosquitto_hash(password),
    )
    return _credentials(_tenant(me), device_id, password)


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_device(device_id: DeviceId, conn: Conn, me: Planner) -> Response:
    store.delete_device(conn, _tenant(me), device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


TEXT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {"schema": {"type": "string"}}}}
}


#: The ingest's account in the files the API serves; its password is added by
#: `wasteroute devices broker-files --service-user` (never stored by the API).
INGEST_ACCOUNT = "wasteroute-ingest"


@router.post("/broker/integration-credentials", response_model=IntegrationCredentials)
def rotate_integration_credentials(conn: Conn, me: Planner) -> dict:
    """A new password for your tenant's network-server integration account `int.{tenant}`
    (created on first use), shown once. It may publish only the uplink topics of your
    registered The Things Stack and ChirpStack applications (`wasteroute applications`)."""
    password = new_device_password()
    store.set_integration_password(conn, _tenant(me), mosquitto_hash(password))
    apps = [(a.source_format, a.application) for a in tenant_applications(conn, _tenant(me))]
    return {
        "broker_username": integration_username(_tenant(me)),
        "broker_password": password,
        "publish_topics": integration_topics(apps),
    }


@router.get("/broker/passwd", response_class=Response, responses=TEXT)
def broker_password_file(conn: Conn, _: Operator) -> Response:
    """Operators: the Mosquitto password file for every active device and integration
    account (hashes only; service accounts are added by `wasteroute devices broker-files`)."""
    files = from_database(conn, service_users={INGEST_ACCOUNT: None})
    return Response(files.passwd, media_type="text/plain")


@router.get("/broker/acl", response_class=Response, responses=TEXT)
def broker_acl_file(conn: Conn, _: Operator) -> Response:
    """Operators: the Mosquitto ACL file: each device may publish only to its own topic, each
    integration only its tenant's applications' uplinks; the ingest reads them all."""
    files = from_database(conn, service_users={INGEST_ACCOUNT: None})
    return Response(files.acl, media_type="text/plain")
