"""Tenant isolation: for every object type, another tenant's read, update and delete answer
404 and change nothing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from cli.bench.api import seed_route
from tests.api.conftest import container_body, make_user
from tests.api.helpers import new_container, new_depot, new_device, new_site, new_vehicle


def _objects(client, db, planner) -> dict[str, tuple[str, dict]]:
    """One object of each type in the planner's tenant: (path, a valid PATCH body)."""
    c = new_container(client, planner.headers)
    dev = new_device(client, planner.headers, c["id"])
    depot = new_depot(client, planner.headers)
    vehicle = new_vehicle(client, planner.headers, depot["id"])
    site = new_site(client, planner.headers)
    user = make_user(client, db, planner.tenant_id, "driver", vehicle_id=vehicle["id"])
    key = client.post("/v1/api-keys", json={"name": "k"}, headers=planner.headers).json()
    plan = seed_route(db, planner.tenant_id, 2, date(2026, 11, 27))
    return {
        "container": (f"/v1/containers/{c['id']}", {"volume_l": 1}),
        "device": (f"/v1/devices/{dev['device_id']}", {"model": "x"}),
        "depot": (f"/v1/depots/{depot['id']}", {"name": "stolen"}),
        "vehicle": (f"/v1/vehicles/{vehicle['id']}", {"capacity_kg": 1}),
        "disposal site": (f"/v1/disposal-sites/{site['id']}", {"name": "stolen"}),
        "user": (f"/v1/users/{user.user_id}", {"active": False}),
        "api key": (f"/v1/api-keys/{key['id']}", None),
        "plan": (f"/v1/plans/{plan['plan_id']}", None),
        "container state": (f"/v1/containers/{c['id']}/state", None),
        "container readings": (f"/v1/containers/{c['id']}/readings?end=2026-11-25T00:00:00Z", None),
        "container ngsi-ld": (f"/v1/containers/{c['id']}/ngsi-ld", None),
    }


def test_every_object_type_is_404_for_another_tenant(client, db, planner, other_planner):
    """Read, update and delete by another tenant's planner: 404, and the owner still sees it
    unchanged."""
    objects = _objects(client, db, planner)
    for name, (path, patch) in objects.items():
        before = client.get(path, headers=planner.headers)
        if name != "api key":
            assert before.status_code == 200, (name, before.text)
            got = client.get(path, headers=other_planner.headers)
            assert got.status_code == 404, name
            assert got.json()["code"] == "not_found"
        if patch is not None:
            assert (
                client.patch(path, json=patch, headers=other_planner.headers).status_code == 404
            ), name
        if name not in ("plan", "container state", "container readings", "container ngsi-ld"):
            assert client.delete(path, headers=other_planner.headers).status_code == 404, name
        if name != "api key":
            assert client.get(path, headers=planner.headers).json() == before.json(), name
    plan_path = objects["plan"][0]
    assert client.post(plan_path + "/publish", headers=other_planner.headers).status_code == 404
    dev_path = objects["device"][0]
    assert client.post(dev_path + "/credentials", headers=other_planner.headers).status_code == 404
    # lists of the other tenant hold none of it
    for path in (
        "/v1/containers",
        "/v1/devices",
        "/v1/depots",
        "/v1/vehicles",
        "/v1/disposal-sites",
        "/v1/users",
        "/v1/api-keys",
        "/v1/plans",
        "/v1/state",
        "/v1/stop-events",
    ):
        body = client.get(path, headers=other_planner.headers).json()
        mine = [
            x for x in body["data"] if x.get("tenant_id") not in (None, other_planner.tenant_id)
        ]
        assert mine == [] and body["count"] <= 1, path  # only other_planner's own user


@pytest.mark.parametrize("role", ["driver"])
def test_drivers_may_not_write_planner_objects(client, db, planner, role):
    """Driver: writes to containers, fleet, users, devices and plans are 403; reads are fine."""
    vehicle = new_vehicle(client, planner.headers)
    driver = make_user(client, db, planner.tenant_id, role, vehicle_id=vehicle["id"])
    h = driver.headers
    assert client.get(f"/v1/vehicles/{vehicle['id']}", headers=h).status_code == 200
    assert (
        client.patch(f"/v1/vehicles/{vehicle['id']}", json={"name": "x"}, headers=h).status_code
        == 403
    )
    assert client.delete(f"/v1/vehicles/{vehicle['id']}", headers=h).status_code == 403
    assert (
        client.post(
            "/v1/users",
            json={"username": "sneaky1", "password": "long enough", "role": "planner"},
            headers=h,
        ).status_code
        == 403
    )
    assert client.get("/v1/plans", headers=h).status_code == 403
    assert (
        client.get(
            "/v1/kpis", params={"start": "2026-11-01", "end": "2026-11-02"}, headers=h
        ).status_code
        == 403
    )


def test_taken_device_ids_and_dev_euis_confirm_no_other_tenant(client, planner, other_planner):
    """A device id or DevEUI taken in another tenant answers exactly as one taken in your own
    tenant: 422 `not_available`, naming the field, no database constraint."""
    mine = new_container(client, planner.headers)
    theirs = new_container(client, other_planner.headers)
    eui = uuid.uuid4().hex[:16]
    taken = {"device_id": f"d-{uuid.uuid4().hex[:8]}", "dev_eui": eui}
    r = client.post(
        "/v1/devices", json={**taken, "container_id": theirs["id"]}, headers=other_planner.headers
    )
    assert r.status_code == 201, r.text
    own = f"d-{uuid.uuid4().hex[:8]}"
    assert (
        client.post(
            "/v1/devices",
            json={"device_id": own, "container_id": mine["id"]},
            headers=planner.headers,
        ).status_code
        == 201
    )
    answers = {}
    for name, body in {
        "other tenant's id": {"device_id": taken["device_id"]},
        "own tenant's id": {"device_id": own},
    }.items():
        r = client.post(
            "/v1/devices", json={**body, "container_id": mine["id"]}, headers=planner.headers
        )
        answers[name] = (r.status_code, r.json())
    assert answers["other tenant's id"] == answers["own tenant's id"]
    status, body = answers["own tenant's id"]
    assert status == 422 and body == {
        "code": "not_available",
        "message": "device_id: not available; choose another",
    }
    r = client.post(
        "/v1/devices",
        json={
            "device_id": f"d-{uuid.uuid4().hex[:8]}",
            "dev_eui": eui.upper(),
            "container_id": mine["id"],
        },
        headers=planner.headers,
    )
    assert r.status_code == 422 and r.json()["code"] == "not_available", r.text
    assert "dev_eui" in r.json()["message"] and "_key" not in r.text


def test_conflicts_name_the_field_not_the_constraint(client, planner):
    new_depot_body = {"name": f"D-{uuid.uuid4().hex[:6]}", "lat": 51.92, "lon": 4.38}
    assert (
        client.post("/v1/depots", json=new_depot_body, headers=planner.headers).status_code == 201
    )
    r = client.post("/v1/depots", json=new_depot_body, headers=planner.headers)
    assert r.status_code == 409 and r.json()["message"] == "name: already exists", r.text
    new_container(client, planner.headers, external_id="X-1")
    r = client.post("/v1/containers", json=container_body("X-1"), headers=planner.headers)
    assert r.status_code == 409 and r.json()["message"] == "external_id: already exists", r.text
