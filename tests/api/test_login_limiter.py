"""The login limiter holds (issue 17, item 7): attempts are counted atomically, the client
address comes from X-Forwarded-For only behind a trusted proxy, and an attacker hammering a
username cannot lock its real user out."""

from __future__ import annotations

import itertools
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import api.routes.auth as auth_route
from api import ApiSettings, create_app
from tests.api.conftest import JWT_SECRET, PASSWORD, make_user

WRONG = "wrong-password-1"
PROXY = ("10.0.0.1", 40000)  # the direct peer of the proxied app below: a trusted proxy


@pytest.fixture(scope="module")
def proxied(api_settings: ApiSettings) -> Iterator[TestClient]:
    """The app behind a trusted reverse proxy (10.0.0.0/8), reached from that proxy."""
    settings = ApiSettings(**{**api_settings.model_dump(), "trusted_proxies": "10.0.0.0/8"})
    with TestClient(create_app(settings), client=PROXY) as c:
        yield c


_ADDRESSES = itertools.count(random.randrange(10_000))


def _address() -> str:
    """A client address not used before in this session, so no test throttles another's (or
    the session's) logins."""
    n = next(_ADDRESSES)
    return f"198.{18 + n // 65_024 % 2}.{n // 254 % 256}.{n % 254 + 1}"


def _peer(client: TestClient) -> TestClient:
    """The session's running app (its event loop, its pool) reached from a fresh direct peer
    address (no proxy)."""
    peer = TestClient(client.app, client=(_address(), 50000))
    peer.portal = client.portal
    return peer


def _login(client: TestClient, username: str, password: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/v1/auth/token", data={"username": username, "password": password}, headers=headers
    )


def test_30_parallel_wrong_passwords_get_at_most_5_password_checks(
    client, db, tenant_id, monkeypatch
):
    """30 wrong passwords sent at once for one user: at most API_LOGIN_MAX_FAILURES (5) are
    checked (401), the rest answer 429 without a check."""
    caller = make_user(client, db, tenant_id, "planner")
    peer = _peer(client)
    checks = []
    real_verify = auth_route.verify_password

    def counting_verify(password_hash, password):
        checks.append(1)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth_route, "verify_password", counting_verify)
    start = threading.Barrier(30)

    def attempt(_):
        start.wait()
        return _login(peer, caller.username, WRONG).status_code

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(attempt, range(30)))
    assert statuses.count(401) <= 5 and len(checks) <= 5, (statuses, len(checks))
    assert statuses.count(401) + statuses.count(429) == 30


def test_rotating_forwarded_for_from_an_untrusted_peer_is_throttled(client, db, tenant_id):
    """A direct peer that is no trusted proxy: a new X-Forwarded-For on each attempt, for a
    new username each time, still counts against the peer's one address (20 failures); a
    user logging in from elsewhere is not affected."""
    peer, suffix = _peer(client), uuid.uuid4().hex[:8]
    statuses = [
        _login(peer, f"nobody-{suffix}-{i}", WRONG, f"203.0.113.{i}").status_code for i in range(22)
    ]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429], statuses
    caller = make_user(client, db, tenant_id, "planner")
    assert _login(peer, caller.username, PASSWORD).status_code == 429
    assert _login(_peer(client), caller.username, PASSWORD).status_code == 200


def test_the_victim_logs_in_from_its_own_address_while_its_name_is_hammered(
    proxied, client, db, tenant_id
):
    """Behind a trusted proxy: an attacker's wrong passwords for the victim's name are throttled
    (429 after 5) but the victim, from its own address, still gets a token."""
    victim = make_user(client, db, tenant_id, "planner")
    attacker_address, victim_address = _address(), _address()
    attacker = [
        _login(proxied, victim.username, WRONG, attacker_address).status_code for _ in range(8)
    ]
    assert attacker == [401] * 5 + [429] * 3, attacker
    r = _login(proxied, victim.username, PASSWORD, victim_address)
    assert r.status_code == 200, r.text
    # the attacker, even with the right password now, stays throttled from its address
    assert _login(proxied, victim.username, PASSWORD, attacker_address).status_code == 429


def test_many_addresses_guessing_one_user_stop_but_its_known_address_still_logs_in(
    api_settings, client, db, tenant_id
):
    """With API_LOGIN_MAX_FAILURES=1 (so 20 per username from unknown addresses): 21 attacking
    addresses, one wrong password each, then a new address is throttled for that username,
    while the address the user logged in from before still gets a token."""
    settings = ApiSettings(
        **{**api_settings.model_dump(), "trusted_proxies": "10.0.0.0/8", "login_max_failures": 1}
    )
    victim = make_user(client, db, tenant_id, "planner")
    home = _address()
    with TestClient(create_app(settings), client=PROXY) as strict:
        assert _login(strict, victim.username, PASSWORD, home).status_code == 200
        attackers = [
            _login(strict, victim.username, WRONG, _address()).status_code for _ in range(21)
        ]
        assert attackers == [401] * 20 + [429], attackers
        assert _login(strict, victim.username, PASSWORD, _address()).status_code == 429
        assert _login(strict, victim.username, PASSWORD, home).status_code == 200


def test_a_trusted_proxy_is_skipped_and_the_client_it_names_is_counted(
    proxied, client, db, tenant_id
):
    """Behind a trusted proxy the right-most untrusted X-Forwarded-For hop is the client:
    addresses a client prepends itself are ignored, so rotating them does not help."""
    suffix, address = uuid.uuid4().hex[:8], _address()
    statuses = [
        _login(proxied, f"nobody-{suffix}-{i}", WRONG, f"203.0.113.{i}, {address}").status_code
        for i in range(21)
    ]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429, statuses


def test_a_success_clears_the_users_own_failures(client, db, tenant_id):
    """Four wrong passwords then the right one: the counter for this user and address starts
    again, so the next typos do not lock the user out after one more failure."""
    caller, peer = make_user(client, db, tenant_id, "planner"), _peer(client)
    for _ in range(4):
        assert _login(peer, caller.username, WRONG).status_code == 401
    assert _login(peer, caller.username, PASSWORD).status_code == 200
    for _ in range(4):
        assert _login(peer, caller.username, WRONG).status_code == 401
    assert _login(peer, caller.username, PASSWORD).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_wasteroute_api_does_not_trust_forwarded_for_from_loopback(database_url, db):
    """The real `wasteroute api` (uvicorn), reached over loopback with a new X-Forwarded-For and
    username each time: throttled after 20 failures, as one client (loopback is not a trusted
    proxy by default)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "API_JWT_SECRET": JWT_SECRET,
        "API_PORT": str(port),
        "API_HOST": "127.0.0.1",
        "API_TRUSTED_PROXIES": "",
    }
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "api"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a loaded 2-core machine starts it slowly
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the API did not start"
            time.sleep(0.2)
        suffix = uuid.uuid4().hex[:8]
        statuses = [
            httpx.post(
                f"{base}/v1/auth/token",
                data={"username": f"nobody-{suffix}-{i}", "password": WRONG},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
                timeout=10,
            ).status_code
            for i in range(22)
        ]
        assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429], statuses
    finally:
        server.terminate()
        server.wait(timeout=20)
        # loopback is throttled now: let later tests of this session log in over it
        db.execute("DELETE FROM login_throttle WHERE subject LIKE '%%127.0.0.1'")
