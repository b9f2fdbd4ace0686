"""Small builders shared by the API tests (through the API itself where possible)."""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg
from fastapi.testclient import TestClient

from tests.api.conftest import container_body


def new_container(client: TestClient, headers: dict, **extra) -> dict:
    r = client.post("/v1/containers", json=container_body(**extra), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def new_depot(client: TestClient, headers: dict) -> dict:
    r = client.post(
        "/v1/depots",
        json={"name": f"D-{uuid.uuid4().hex[:6]}", "lat": 51.92, "lon": 4.38},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def new_vehicle(client: TestClient, headers: dict, depot_id: int | None = None) -> dict:
    depot_id = depot_id or new_depot(client, headers)["id"]
    r = client.post(
        "/v1/vehicles",
        json={
            "name": f"V-{uuid.uuid4().hex[:6]}",
            "depot_id": depot_id,
            "capacity_l": 20000,
            "capacity_kg": 9000,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def new_site(client: TestClient, headers: dict) -> dict:
    r = client.post(
        "/v1/disposal-sites",
        json={"name": f"S-{uuid.uuid4().hex[:6]}", "lat": 51.91, "lon": 4.24},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def new_device(client: TestClient, headers: dict, container_id: int) -> dict:
    r = client.post(
        "/v1/devices",
        json={"device_id": f"dev-{uuid.uuid4().hex[:10]}", "container_id": container_id},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def add_readings(
    db: psycopg.Connection,
    tenant_id: str,
    container_id: int,
    device_id: str,
    points: list[tuple[datetime, float]],
    *,
    battery: float = 90.0,
) -> None:
    """Insert readings and set the container's latest state, as the ingest would."""
    for at, fill in points:
        db.execute(
            "INSERT INTO readings (tenant_id, device_id, container_id, measured_at, fill_fraction,"
            " battery_pct, source_format) VALUES (%s, %s, %s, %s, %s, %s, 'native')",
            (tenant_id, device_id, container_id, at, fill, battery),
        )
    at, fill = max(points)
    db.execute(
        "INSERT INTO container_state"
        " (tenant_id, container_id, measured_at, fill_fraction, battery_pct)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (container_id) DO UPDATE SET"
        " measured_at = EXCLUDED.measured_at, fill_fraction = EXCLUDED.fill_fraction,"
        " battery_pct = EXCLUDED.battery_pct",
        (tenant_id, container_id, at, fill, battery),
    )
