"""Devices and broker files, readings (raw and bucketed), state, map GeoJSON."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from api.security import mosquitto_hash
from tests.api.conftest import make_user
from tests.api.helpers import add_readings, new_container, new_device


def test_register_map_and_rotate_a_device(client, planner, db):
    """Register returns a broker password once; re-map to another container; rotation changes the
    hash."""
    a, b = new_container(client, planner.headers), new_container(client, planner.headers)
    dev = new_device(client, planner.headers, a["id"])
    creds = dev["credentials"]
    assert creds["broker_username"] == f"dev.{planner.tenant_id}.{dev['device_id']}"
    assert (
        creds["publish_topic"] == f"wasteroute/v1/{planner.tenant_id}/devices/{dev['device_id']}/up"
    )
    stored = db.execute(
        "SELECT password_hash FROM device_credentials WHERE device_id = %s", (dev["device_id"],)
    ).fetchone()["password_hash"]
    _, _, iterations, salt, _ = stored.split("$")
    assert stored == mosquitto_hash(
        creds["broker_password"], salt=base64.b64decode(salt), iterations=int(iterations)
    )
    r = client.patch(
        f"/v1/devices/{dev['device_id']}", json={"container_id": b["id"]}, headers=planner.headers
    )
    assert r.status_code == 200 and r.json()["container_id"] == b["id"]
    r = client.post(f"/v1/devices/{dev['device_id']}/credentials", headers=planner.headers)
    assert r.status_code == 200 and r.json()["broker_password"] != creds["broker_password"]
    assert (
        db.execute(
            "SELECT password_hash FROM device_credentials WHERE device_id = %s", (dev["device_id"],)
        ).fetchone()["password_hash"]
        != stored
    )
    assert client.get("/v1/devices", headers=planner.headers).json()["count"] == 1


def test_device_on_unknown_container_is_422(client, planner, other_planner):
    """A device cannot be put on another tenant's container."""
    theirs = new_container(client, other_planner.headers)
    r = client.post(
        "/v1/devices",
        json={"device_id": "dev-x-1", "container_id": theirs["id"]},
        headers=planner.headers,
    )
    assert r.status_code == 422 and "container_id" in r.json()["message"]


def test_broker_files_for_operators(client, planner, operator):
    """The operator downloads a Mosquitto passwd and ACL; each device writes only its own topic."""
    c = new_container(client, planner.headers)
    dev = new_device(client, planner.headers, c["id"])
    passwd = client.get("/v1/broker/passwd", headers=operator.headers)
    assert passwd.status_code == 200
    username = dev["credentials"]["broker_username"]
    assert any(line.startswith(f"{username}:$7$101$") for line in passwd.text.splitlines())
    acl = client.get("/v1/broker/acl", headers=operator.headers).text
    assert f"user {username}\ntopic write {dev['credentials']['publish_topic']}" in acl
    assert client.get("/v1/broker/acl", headers=planner.headers).status_code == 403


def test_readings_raw_and_bucketed(client, planner, db):
    """Raw readings page newest first; hourly buckets average the readings in each hour."""
    c = new_container(client, planner.headers)
    dev = new_device(client, planner.headers, c["id"])
    t0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    points = [(t0 + timedelta(minutes=15 * i), 0.1 + 0.01 * i) for i in range(8)]
    add_readings(db, planner.tenant_id, c["id"], dev["device_id"], points)
    params = {"start": t0.isoformat(), "end": (t0 + timedelta(hours=3)).isoformat(), "limit": 3}
    raw = client.get(
        f"/v1/containers/{c['id']}/readings", params=params, headers=planner.headers
    ).json()
    assert raw["count"] == 8 and len(raw["data"]) == 3 and raw["next_offset"] == 3
    assert raw["data"][0]["measured_at"].startswith("2026-11-20T11:45")
    hourly = client.get(
        f"/v1/containers/{c['id']}/readings",
        params={**params, "bucket_s": 3600, "limit": 10},
        headers=planner.headers,
    ).json()
    assert [b["n_readings"] for b in hourly["data"]] == [4, 4]
    assert abs(hourly["data"][0]["fill_avg"] - 0.115) < 1e-6 and hourly["next_offset"] is None
    bad = client.get(
        f"/v1/containers/{c['id']}/readings",
        params={"start": "2026-11-20T10:00:00"},
        headers=planner.headers,
    )
    assert bad.status_code == 422 and "time zone" in bad.json()["message"]


def test_state_forecast_health_and_map(client, planner, db):
    """A filling container gets a forecast full date; a quiet one is stale; the map filters."""
    now = datetime.now(UTC)
    filling = new_container(client, planner.headers)
    quiet = new_container(client, planner.headers)
    dev1 = new_device(client, planner.headers, filling["id"])
    dev2 = new_device(client, planner.headers, quiet["id"])
    add_readings(
        db,
        planner.tenant_id,
        filling["id"],
        dev1["device_id"],
        [(now - timedelta(hours=24 - 4 * i), 0.4 + 0.02 * i) for i in range(6)],
    )
    add_readings(
        db,
        planner.tenant_id,
        quiet["id"],
        dev2["device_id"],
        [(now - timedelta(days=3), 0.2)],
        battery=5,
    )
    s = client.get(f"/v1/containers/{filling['id']}/state", headers=planner.headers).json()
    assert abs(s["filling_speed_per_day"] - 0.12) < 0.01
    assert s["health"] == ["ok"] and s["forecast_full_date"] is not None
    q = client.get(f"/v1/containers/{quiet['id']}/state", headers=planner.headers).json()
    assert set(q["health"]) == {"stale", "low_battery"}
    stale = client.get("/v1/state", params={"health": "stale"}, headers=planner.headers).json()
    assert [x["container_id"] for x in stale["data"]] == [quiet["id"]]
    m = client.get("/v1/state/map", params={"min_fill": 0.45}, headers=planner.headers)
    assert m.headers["content-type"].startswith("application/geo+json")
    assert [f["id"] for f in m.json()["features"]] == [filling["id"]]


def test_driver_sees_state_but_not_devices_writes(client, db, planner):
    """Drivers read state; registering a device is for planners (403)."""
    driver = make_user(client, db, planner.tenant_id, "driver")
    assert client.get("/v1/state", headers=driver.headers).status_code == 200
    c = new_container(client, planner.headers)
    r = client.post(
        "/v1/devices",
        json={"device_id": "dev-drv", "container_id": c["id"]},
        headers=driver.headers,
    )
    assert r.status_code == 403
