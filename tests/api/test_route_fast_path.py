"""The route fetch's fast path (api.route_fast_path): same answer as the router, same scoping."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest
from prometheus_client import REGISTRY

from api import route_fetch, route_render
from api.deps import forget_tokens
from api.route_fast_path import RouteFetchFastPath
from api.security import create_token
from cli.bench.api import seed_route
from tests.api.conftest import JWT_SECRET, make_tenant, make_user
from tests.api.helpers import new_vehicle

DAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _long_lookup_ttl(monkeypatch):
    """A slow test machine must not let the 2-s in-memory answer expire between requests."""
    monkeypatch.setattr(route_render, "LOOKUP_TTL_S", 120.0)


def _get(client, headers: dict, **params):
    """GET /v1/routes; (the response, whether the fast path answered it)."""
    before = RouteFetchFastPath.served
    r = client.get("/v1/routes", params={"date": str(DAY), **params}, headers=headers)
    return r, RouteFetchFastPath.served - before


def _same(a, b) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert list(a.headers.multi_items()) == list(b.headers.multi_items())


@pytest.mark.parametrize("fmt", ["json", "geojson", "gpx"])
def test_fast_path_answers_the_same_bytes_and_headers_as_the_router(client, db, planner, fmt):
    """200 and 304, in each format: status, headers (in order) and body equal the router's."""
    seeded = seed_route(db, planner.tenant_id, 5, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    routed, fast = _get(client, driver.headers, format=fmt)
    assert routed.status_code == 200 and fast == 0
    cached, fast = _get(client, driver.headers, format=fmt)
    assert fast == 1
    _same(routed, cached)
    assert len(cached.content) > 500 and cached.headers["etag"].startswith('"')
    conditional = {**driver.headers, "If-None-Match": f'"other", {routed.headers["ETag"]}'}
    forget_tokens()  # the token must be verified again: this one goes through the router
    routed_304, fast = _get(client, conditional, format=fmt)
    assert routed_304.status_code == 304 and fast == 0
    cached_304, fast = _get(client, conditional, format=fmt)
    assert fast == 1
    _same(routed_304, cached_304)


def test_fast_path_keeps_other_drivers_and_tenants_out(client, db, planner):
    """With driver A's route in memory, another driver and another tenant's planner asking
    for A's vehicle still get 404 and no data; A's own planner gets the same route."""
    seeded = seed_route(db, planner.tenant_id, 3, DAY)
    vehicle = seeded["vehicle_id"]
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=vehicle)
    mine, _ = _get(client, driver.headers)
    assert _get(client, driver.headers)[1] == 1
    other_vehicle = new_vehicle(client, planner.headers)["id"]
    other = make_user(client, db, planner.tenant_id, "driver", vehicle_id=other_vehicle)
    outsider = make_user(client, db, make_tenant(db), "planner")
    for caller in (other, outsider):
        for _ in range(2):  # the second time the caller's token is in the cache
            r, fast = _get(client, caller.headers, vehicle=vehicle)
            assert r.status_code == 404 and fast == 0 and "stops" not in r.text
    r, fast = _get(client, other.headers)
    assert r.status_code == 404 and fast == 0
    _get(client, planner.headers, vehicle=vehicle)
    r, fast = _get(client, planner.headers, vehicle=vehicle)
    assert fast == 1 and r.content == mine.content


def test_fast_path_never_takes_an_expired_or_foreign_token(client, db, planner):
    """A token that expired after it was cached, or signed with another key, answers 401."""
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    claims = dict(
        tenant_id=planner.tenant_id, role="driver", vehicle_id=seeded["vehicle_id"], token_version=1
    )
    token, _ = create_token(JWT_SECRET, 3, user_id=driver.user_id, **claims)
    headers = {"Authorization": f"Bearer {token}"}
    assert _get(client, headers)[0].status_code == 200
    assert _get(client, headers)[1] == 1
    time.sleep(3.2)  # past its expiry (2-3 s after it was made)
    r, fast = _get(client, headers)
    assert r.status_code == 401 and fast == 0
    forged, _ = create_token("another-secret-" + "y" * 40, 600, user_id=driver.user_id, **claims)
    r, fast = _get(client, {"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and fast == 0


def test_unusual_requests_go_to_the_router(client, db, planner):
    """Bad parameters still answer 422 from the router; unknown ones are ignored there."""
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    _get(client, driver.headers)
    for params in ({"date": "2026-13-01"}, {"vehicle": "0"}, {"format": "kml"}):
        r, fast = _get(client, driver.headers, **params)
        assert r.status_code == 422 and fast == 0, params
    r, fast = _get(client, driver.headers, extra="1")
    assert r.status_code == 200 and fast == 0
    r, fast = _get(client, {**driver.headers, "If-None-Match": "x" * 201})
    assert r.status_code == 422 and fast == 0


def _requests_counted() -> dict[str, float]:
    """wasteroute_api_requests_total of GET ... 200, per route label."""
    [metric] = [m for m in REGISTRY.collect() if m.name == "wasteroute_api_requests"]
    return {
        s.labels["route"]: s.value
        for s in metric.samples
        if s.name.endswith("_total") and s.labels["method"] == "GET" and s.labels["status"] == "200"
    }


def test_fast_path_answers_are_counted_under_the_routers_label(client, db, planner):
    """Prometheus counts a fast-path answer under the same route label as a routed one."""
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    before = _requests_counted()
    assert _get(client, driver.headers)[1] == 0
    routed = _requests_counted()
    [label] = [k for k, v in routed.items() if v == before.get(k, 0.0) + 1]
    assert label.endswith("/routes")
    assert _get(client, driver.headers)[1] == 1
    assert _requests_counted() == {**routed, label: routed[label] + 1}


def test_an_answer_about_to_expire_is_refreshed_in_the_background(client, db, planner, monkeypatch):
    """Within REFRESH_AHEAD_S of expiry the cached answer is still served (fast path) and a
    background look-up replaces it, so polling tablets never wait for the database together."""
    monkeypatch.setattr(route_render, "LOOKUP_TTL_S", 1.0)
    monkeypatch.setattr(route_fetch, "REFRESH_AHEAD_S", 0.9)
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    assert _get(client, driver.headers)[1] == 0
    key = (planner.tenant_id, DAY, seeded["vehicle_id"], "json")
    first_expiry = route_render._recent[key][0]
    time.sleep(0.2)
    r, fast = _get(client, driver.headers)
    assert r.status_code == 200 and fast == 1
    deadline = time.monotonic() + 5
    while route_render._recent[key][0] == first_expiry and time.monotonic() < deadline:
        time.sleep(0.02)
    assert route_render._recent[key][0] > first_expiry


def test_an_expired_answer_is_never_served_from_memory(client, db, planner, monkeypatch):
    """After LOOKUP_TTL_S the fast path steps aside: the router asks the database again."""
    monkeypatch.setattr(route_render, "LOOKUP_TTL_S", 0.05)
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    assert _get(client, driver.headers)[1] == 0
    time.sleep(0.1)
    r, fast = _get(client, driver.headers)
    assert r.status_code == 200 and fast == 0


def test_gzip_for_clients_that_accept_it_on_both_paths(client, db, planner):
    """Accept-Encoding: gzip gets the same routes gzipped, with their own ETag (304 on it);
    identity gets the plain bytes; the router and the fast path agree on each."""
    seeded = seed_route(db, planner.tenant_id, 30, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    answers = {}
    for encoding in ("gzip", "identity"):
        headers = {**driver.headers, "Accept-Encoding": encoding}
        forget_tokens()
        routed, fast = _get(client, headers)
        assert fast == 0
        cached, fast = _get(client, headers)
        assert fast == 1
        _same(routed, cached)
        answers[encoding] = cached
    gz, plain = answers["gzip"], answers["identity"]
    assert gz.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert int(gz.headers["content-length"]) < len(plain.content) / 3
    assert gz.content == plain.content  # httpx decodes the gzip
    assert gz.headers["etag"] != plain.headers["etag"] and gz.headers["vary"] == "Accept-Encoding"
    again, fast = _get(
        client, {**driver.headers, "Accept-Encoding": "gzip", "If-None-Match": gz.headers["etag"]}
    )
    assert again.status_code == 304 and fast == 1
    refused, _ = _get(client, {**driver.headers, "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.content == plain.content


def test_a_burst_of_requests_near_expiry_starts_one_refresh(monkeypatch):
    """Many requests in one turn of the event loop, all seeing a due answer: one refresh."""
    monkeypatch.setattr(route_fetch, "REFRESH_AHEAD_S", 1000.0)
    key = ("t-burst", DAY, 1, "json")
    route_render.recent_put(key, b"{}", '"etag"')

    async def burst() -> tuple[list, int, int]:
        before = set(route_fetch._background)
        hits = [route_fetch.cached_or_refresh(object(), key) for _ in range(20)]
        started = route_fetch._background - before
        for task in started:
            task.cancel()
        await asyncio.gather(*started, return_exceptions=True)
        await asyncio.sleep(0)  # the done callbacks
        return hits, len(started), len(route_fetch._refreshing)

    hits, started, still_refreshing = asyncio.run(burst())
    assert hits == [(b"{}", '"etag"')] * 20 and started == 1 and still_refreshing == 0
    route_render.recent_forget(key)
