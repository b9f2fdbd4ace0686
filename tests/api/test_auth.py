"""Log in, tokens, API keys, roles, rate limiting, users and tenants."""

from __future__ import annotations

from api import create_app
from tests.api.conftest import PASSWORD, login, make_tenant, make_user


def test_app_refuses_to_start_without_a_jwt_secret(monkeypatch, database_url):
    """No API_JWT_SECRET in the environment: building the app fails, naming the setting."""
    import pydantic
    import pytest

    monkeypatch.delenv("API_JWT_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir("/")  # no .env
    with pytest.raises(pydantic.ValidationError, match="jwt_secret"):
        create_app()


def test_login_gives_a_token_that_says_who_you_are(client, planner):
    """The token from the password flow identifies tenant and role at /v1/auth/me."""
    r = client.get("/v1/auth/me", headers=planner.headers)
    assert r.status_code == 200
    assert r.json() == {
        "user_id": planner.user_id,
        "tenant_id": planner.tenant_id,
        "timezone": "Europe/Amsterdam",
        "role": "planner",
        "vehicle_id": None,
        "via": "token",
    }


def test_me_gives_the_tenants_time_zone(client, db, planner, operator):
    """/v1/auth/me carries the tenant's time zone as the operator set it; none for operators."""
    r = client.patch(
        f"/v1/tenants/{planner.tenant_id}",
        json={"timezone": "America/New_York"},
        headers=operator.headers,
    )
    assert r.status_code == 200
    assert client.get("/v1/auth/me", headers=planner.headers).json()["timezone"] == (
        "America/New_York"
    )
    assert client.get("/v1/auth/me", headers=operator.headers).json()["timezone"] is None


def test_wrong_password_and_garbage_tokens_are_401(client, planner):
    """A bad password, a forged token and no credentials all answer 401 JSON."""
    r = client.post("/v1/auth/token", data={"username": planner.username, "password": "nope-nope"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = client.get("/v1/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401
    assert client.get("/v1/containers").status_code == 401


def test_token_signed_with_another_secret_is_refused(client, planner):
    """A token forged with a different secret is 401."""
    from api.security import create_token

    token, _ = create_token(
        "another-secret-" + "y" * 40,
        600,
        user_id=planner.user_id,
        tenant_id=planner.tenant_id,
        role="planner",
        vehicle_id=None,
        token_version=1,
    )
    assert (
        client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_login_is_rate_limited_per_username(client, db, tenant_id):
    """After 5 failures the 6th attempt, even with the right password, answers 429 + Retry-After."""
    caller = make_user(client, db, tenant_id, "planner")
    for _ in range(5):
        r = client.post(
            "/v1/auth/token", data={"username": caller.username, "password": "wrong-wrong"}
        )
        assert r.status_code == 401
    r = client.post("/v1/auth/token", data={"username": caller.username, "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_api_key_authenticates_and_revocation_stops_it(client, planner):
    """A planner makes a key; it works as X-API-Key; once revoked it is 401."""
    r = client.post("/v1/api-keys", json={"name": "sim"}, headers=planner.headers)
    assert r.status_code == 201
    key, key_id = r.json()["key"], r.json()["id"]
    me = client.get("/v1/auth/me", headers={"X-API-Key": key}).json()
    assert me["tenant_id"] == planner.tenant_id and me["via"] == "api_key"
    listed = client.get("/v1/api-keys", headers=planner.headers).json()
    assert "key" not in listed["data"][0] and listed["count"] == 1
    assert client.delete(f"/v1/api-keys/{key_id}", headers=planner.headers).status_code == 204
    assert client.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 401


def test_operator_creates_tenant_and_its_planner(client, operator):
    """Operator: tenant, then its first planner, who can log in; planners may not do this."""
    import uuid

    tid = f"m-{uuid.uuid4().hex[:8]}"
    r = client.post("/v1/tenants", json={"id": tid, "name": "Gemeente X"}, headers=operator.headers)
    assert r.status_code == 201
    assert (
        client.post(
            "/v1/tenants", json={"id": tid, "name": "again"}, headers=operator.headers
        ).status_code
        == 409
    )
    r = client.post(
        f"/v1/tenants/{tid}/users",
        json={"username": f"p-{tid}", "password": "long enough"},
        headers=operator.headers,
    )
    assert r.status_code == 201 and r.json()["role"] == "planner"
    headers = login(client, f"p-{tid}", "long enough")
    assert client.get("/v1/tenants", headers=headers).status_code == 403
    assert (
        client.post(
            "/v1/tenants",
            json={"id": tid + "x", "name": "n", "timezone": "Mars/Base"},
            headers=operator.headers,
        ).status_code
        == 422
    )


def test_planner_manages_users_only_in_own_tenant(client, db, planner, other_planner):
    """Users of another tenant are 404 for reading, changing and deleting, and stay unchanged."""
    r = client.post(
        "/v1/users",
        json={"username": f"u-{planner.user_id}x", "password": "long enough", "role": "planner"},
        headers=planner.headers,
    )
    assert r.status_code == 201
    uid = r.json()["id"]
    h = other_planner.headers
    assert client.get(f"/v1/users/{uid}", headers=h).status_code == 404
    assert client.patch(f"/v1/users/{uid}", json={"active": False}, headers=h).status_code == 404
    assert client.delete(f"/v1/users/{uid}", headers=h).status_code == 404
    assert client.get(f"/v1/users/{uid}", headers=planner.headers).json()["active"] is True
    ids = [u["id"] for u in client.get("/v1/users", headers=h).json()["data"]]
    assert uid not in ids


def test_username_is_unique_across_tenants(client, db, planner):
    """Usernames identify a login, so a taken one cannot be given again; the answer is the
    same 422 `not_available` whether it is taken in your tenant or in another (no oracle)."""
    other = make_user(client, db, make_tenant(db), "planner")
    answers = []
    for taken in (planner.username.upper(), other.username):
        r = client.post(
            "/v1/users",
            json={"username": taken, "password": "long enough", "role": "planner"},
            headers=planner.headers,
        )
        answers.append((r.status_code, r.json()))
    assert (
        answers[0]
        == answers[1]
        == (
            422,
            {"code": "not_available", "message": "username: not available; choose another"},
        )
    )
