"""Revocation takes effect at once (issue 17, item 4): deleting, deactivating, or changing the
password, role or vehicle of a user ends its tokens on the next request (the route fast path
included), API keys die with their owner, a driver key needs a vehicle, and a key cannot
manage users or keys."""

from __future__ import annotations

import time
import uuid
from datetime import date

import pytest

from api import route_render
from api.revocation import APPLICATION_NAME
from api.route_fast_path import RouteFetchFastPath
from cli.bench.api import seed_route
from tests.api.conftest import PASSWORD, login, make_user
from tests.api.helpers import new_vehicle

DAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _long_lookup_ttl(monkeypatch):
    """Keep the in-memory route answer alive, so only the credential decides the answer."""
    monkeypatch.setattr(route_render, "LOOKUP_TTL_S", 120.0)


def _me(client, headers: dict) -> int:
    return client.get("/v1/auth/me", headers=headers).status_code


def _key(client, headers: dict, **body) -> str:
    r = client.post("/v1/api-keys", json={"name": "k", **body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["key"]


def _route(client, headers: dict, **params):
    """GET /v1/routes for DAY; (the response, whether the fast path answered it)."""
    before = RouteFetchFastPath.served
    r = client.get("/v1/routes", params={"date": str(DAY), **params}, headers=headers)
    return r, RouteFetchFastPath.served - before


def test_a_deleted_users_token_and_key_are_401(client, db, planner):
    """Deleted: its token can no longer create a planner, and its API key is refused."""
    victim = make_user(client, db, planner.tenant_id, "planner")
    key = {"X-API-Key": _key(client, victim.headers)}
    assert _me(client, victim.headers) == 200 and _me(client, key) == 200
    assert client.delete(f"/v1/users/{victim.user_id}", headers=planner.headers).status_code == 204
    assert _me(client, victim.headers) == 401
    assert _me(client, key) == 401
    body = {"username": f"x-{uuid.uuid4().hex[:8]}", "password": PASSWORD, "role": "planner"}
    assert client.post("/v1/users", json=body, headers=victim.headers).status_code == 401


def test_a_deactivated_users_token_and_key_are_401(client, db, planner):
    """Deactivated: token and key stop at once; reactivated, the old token stays dead."""
    victim = make_user(client, db, planner.tenant_id, "planner")
    key = {"X-API-Key": _key(client, victim.headers)}
    assert _me(client, key) == 200
    r = client.patch(f"/v1/users/{victim.user_id}", json={"active": False}, headers=planner.headers)
    assert r.status_code == 200 and r.json()["active"] is False
    assert _me(client, victim.headers) == 401 and _me(client, key) == 401
    client.patch(f"/v1/users/{victim.user_id}", json={"active": True}, headers=planner.headers)
    assert _me(client, victim.headers) == 401
    assert _me(client, login(client, victim.username)) == 200


def test_a_password_change_ends_the_old_token(client, db, planner):
    """After a password change the old token is 401 and the new password logs in; the user's
    API keys keep working (documented: a key is revoked on its own)."""
    victim = make_user(client, db, planner.tenant_id, "planner")
    key = {"X-API-Key": _key(client, victim.headers)}
    r = client.patch(
        f"/v1/users/{victim.user_id}",
        json={"password": "a new passphrase"},
        headers=planner.headers,
    )
    assert r.status_code == 200
    assert _me(client, victim.headers) == 401
    assert _me(client, login(client, victim.username, "a new passphrase")) == 200
    assert _me(client, key) == 200


def test_a_role_change_ends_the_old_token_and_the_users_keys(client, db, planner):
    """A planner made a driver: the old (planner) token and the planner's key are 401."""
    victim = make_user(client, db, planner.tenant_id, "planner")
    key = {"X-API-Key": _key(client, victim.headers)}
    vehicle = new_vehicle(client, planner.headers)["id"]
    r = client.patch(
        f"/v1/users/{victim.user_id}",
        json={"role": "driver", "vehicle_id": vehicle},
        headers=planner.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "driver"
    assert _me(client, victim.headers) == 401 and _me(client, key) == 401
    me = client.get("/v1/auth/me", headers=login(client, victim.username)).json()
    assert me["role"] == "driver" and me["vehicle_id"] == vehicle
    keys = client.get("/v1/api-keys", headers=planner.headers).json()["data"]
    assert [k["revoked_at"] is not None for k in keys if k["owner_id"] == victim.user_id] == [True]


def test_a_driver_made_a_planner_loses_its_driver_key(client, db, planner):
    """The other way round: the driver's key (made for it) is revoked by the role change."""
    vehicle = new_vehicle(client, planner.headers)["id"]
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=vehicle)
    key = {"X-API-Key": _key(client, planner.headers, role="driver", user_id=driver.user_id)}
    assert _me(client, key) == 200
    r = client.patch(
        f"/v1/users/{driver.user_id}", json={"role": "planner"}, headers=planner.headers
    )
    assert r.status_code == 200 and r.json()["vehicle_id"] is None
    assert _me(client, key) == 401 and _me(client, driver.headers) == 401


def test_a_role_change_to_driver_needs_a_vehicle(client, db, planner):
    """Making a planner a driver without a vehicle is 422 naming vehicle_id; nothing changes."""
    victim = make_user(client, db, planner.tenant_id, "planner")
    r = client.patch(
        f"/v1/users/{victim.user_id}", json={"role": "driver"}, headers=planner.headers
    )
    assert r.status_code == 422 and "vehicle_id" in r.text
    assert _me(client, victim.headers) == 200


def test_a_driver_moved_to_another_vehicle_cannot_read_the_old_route(client, db, planner):
    """The old token (fast path and router) and the driver's key are 401 after the move; the
    new token reads only the new vehicle's route."""
    seeded = seed_route(db, planner.tenant_id, 3, DAY)
    old_vehicle = seeded["vehicle_id"]
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=old_vehicle)
    key = {"X-API-Key": _key(client, planner.headers, role="driver", user_id=driver.user_id)}
    assert _route(client, driver.headers)[0].status_code == 200
    assert _route(client, driver.headers)[1] == 1  # in memory: the fast path answers
    assert _route(client, key)[0].status_code == 200
    new_vehicle_id = new_vehicle(client, planner.headers)["id"]
    r = client.patch(
        f"/v1/users/{driver.user_id}", json={"vehicle_id": new_vehicle_id}, headers=planner.headers
    )
    assert r.status_code == 200
    r, fast = _route(client, driver.headers)
    assert r.status_code == 401 and fast == 0 and "stops" not in r.text
    assert _route(client, key)[0].status_code == 401
    fresh = login(client, driver.username)
    assert _route(client, fresh, vehicle=old_vehicle)[0].status_code == 404
    assert client.get("/v1/auth/me", headers=fresh).json()["vehicle_id"] == new_vehicle_id


def test_a_change_made_outside_this_process_reaches_it_within_a_second(client, db, planner):
    """A user deactivated by another process (here plain SQL, as the CLI or another API worker
    would) loses its cached token, on the fast path too, within a second."""
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    _route(client, driver.headers)
    assert _route(client, driver.headers)[1] == 1
    db.execute("UPDATE users SET active = false WHERE id = %s", (driver.user_id,))
    deadline = time.monotonic() + 1.0
    status = 200
    while status == 200 and time.monotonic() < deadline:
        status = _route(client, driver.headers)[0].status_code
    assert status == 401


def test_a_driver_key_needs_a_vehicle(client, db, planner):
    """A driver key without a vehicle (none given, or for a driver who has none) is 422."""
    r = client.post("/v1/api-keys", json={"name": "tab", "role": "driver"}, headers=planner.headers)
    assert r.status_code == 422 and "vehicle" in r.json()["message"]
    idle = make_user(client, db, planner.tenant_id, "driver")
    r = client.post(
        "/v1/api-keys",
        json={"name": "tab", "role": "driver", "user_id": idle.user_id},
        headers=planner.headers,
    )
    assert r.status_code == 422 and "vehicle" in r.json()["message"]


def test_a_key_cannot_manage_users_or_keys(client, db, planner):
    """A planner API key creating a user, a key, or deleting a user: 403."""
    key = {"X-API-Key": _key(client, planner.headers)}
    body = {"username": f"x-{uuid.uuid4().hex[:8]}", "password": PASSWORD, "role": "planner"}
    assert client.post("/v1/users", json=body, headers=key).status_code == 403
    assert client.post("/v1/api-keys", json={"name": "k2"}, headers=key).status_code == 403
    other = make_user(client, db, planner.tenant_id, "planner")
    assert client.delete(f"/v1/users/{other.user_id}", headers=key).status_code == 403
    assert client.get("/v1/containers", headers=key).status_code == 200


def test_a_change_while_the_watch_is_disconnected_is_not_missed(client, db, planner):
    """The listening connection is killed and the user deactivated at once (its notification
    may be lost): nothing remembered survives the reconnect, so the token is 401 within 2 s,
    and the watch listens again (the fast path serves the next driver)."""
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    _route(client, driver.headers)
    assert _route(client, driver.headers)[1] == 1
    killed = db.execute(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
        " WHERE application_name = %s AND datname = current_database()",
        (APPLICATION_NAME,),
    ).fetchone()["n"]
    db.execute("UPDATE users SET active = false WHERE id = %s", (driver.user_id,))
    assert killed >= 1
    deadline, status = time.monotonic() + 2.0, 200
    while status == 200 and time.monotonic() < deadline:
        status = _route(client, driver.headers)[0].status_code
    assert status == 401
    other = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    deadline, fast = time.monotonic() + 3.0, 0
    while fast == 0 and time.monotonic() < deadline:
        fast = _route(client, other.headers)[1]
        time.sleep(0.05)
    assert fast == 1


def _until_401(client, headers: dict, within_s: float) -> int:
    deadline, status = time.monotonic() + within_s, 200
    while status == 200 and time.monotonic() < deadline:
        status = client.get("/v1/tenants", headers=headers).status_code
    return status


def test_the_cli_revokes_an_operator(client, db, database_url, monkeypatch, capsys):
    """`wasteroute users set --deactivate` and `users delete` (the way to reach an operator,
    which no tenant's planner can): its token stops working within a second."""
    from cli.main import main
    from tests.api.conftest import make_user as make

    operator = make(client, db, None, "operator")
    assert client.get("/v1/tenants", headers=operator.headers).status_code == 200
    args = ["--username", operator.username, "--database-url", database_url]
    assert main(["users", "set", "--deactivate", *args]) == 0
    assert _until_401(client, operator.headers, 1.0) == 401
    assert main(["users", "set", "--activate", *args]) == 0
    fresh = login(client, operator.username)
    monkeypatch.setenv("NEW_PW", "another long passphrase")
    assert main(["users", "set", "--password-env", "NEW_PW", *args]) == 0
    assert _until_401(client, fresh, 1.0) == 401
    newest = login(client, operator.username, "another long passphrase")
    assert main(["users", "delete", *args]) == 0
    assert _until_401(client, newest, 1.0) == 401
    assert "no longer work" in capsys.readouterr().out
    assert main(["users", "delete", *args]) == 2  # gone: a one-line error, exit code 2
    assert "no user" in capsys.readouterr().err
