"""API fixtures: the app on the session's real database, in-process (TestClient), and
logged-in callers of each role in fresh tenants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from fastapi.testclient import TestClient

from api import ApiSettings, create_app
from api.security import hash_password
from storage import users as users_store

PASSWORD = "correct horse battery staple"
JWT_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def api_settings(database_url: str) -> ApiSettings:
    return ApiSettings(
        database_url=database_url, jwt_secret=JWT_SECRET, login_max_failures=5, login_window_s=300
    )


@pytest.fixture(scope="session")
def client(api_settings: ApiSettings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as c:
        yield c


@dataclass
class Caller:
    tenant_id: str | None
    user_id: int
    username: str
    role: str
    headers: dict[str, str]
    vehicle_id: int | None = None


def make_tenant(db: psycopg.Connection) -> str:
    tid = f"t-{uuid.uuid4().hex[:12]}"
    db.execute("INSERT INTO tenants (id, name) VALUES (%s, %s)", (tid, f"Test {tid}"))
    return tid


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


_HASH = hash_password(PASSWORD)


def make_user(
    client: TestClient,
    db: psycopg.Connection,
    tenant_id: str | None,
    role: str,
    vehicle_id: int | None = None,
) -> Caller:
    username = f"{role}-{uuid.uuid4().hex[:10]}"
    user = users_store.create_user(
        db,
        tenant_id=tenant_id,
        username=username,
        password_hash=_HASH,
        role=role,
        vehicle_id=vehicle_id,
    )
    return Caller(tenant_id, user["id"], username, role, login(client, username), vehicle_id)


@pytest.fixture
def planner(client, db, tenant_id) -> Caller:
    return make_user(client, db, tenant_id, "planner")


@pytest.fixture
def other_planner(client, db) -> Caller:
    """A planner of another tenant."""
    return make_user(client, db, make_tenant(db), "planner")


@pytest.fixture
def operator(client, db) -> Caller:
    return make_user(client, db, None, "operator")


def container_body(external_id: str | None = None, **extra) -> dict:
    body = {
        "external_id": external_id or f"C-{uuid.uuid4().hex[:8]}",
        "lat": 51.92,
        "lon": 4.40,
        "fraction": "residual",
        "volume_l": 5000,
        "depth_mm": 2400,
    }
    body.update(extra)
    return body
