"""The drivers' tablet: events from a route, and retries that reuse the same event ids."""

from __future__ import annotations

import json
from datetime import date

import httpx

from simulator.drivers import DriverClient, drive_route

ROUTE = {
    "stops": [
        {
            "stop_id": 1,
            "kind": "container",
            "container_id": 42,
            "start_at": "2026-04-20T07:10:00Z",
            "load_l": 2000.0,
            "load_kg": 240.0,
            "disposal_site_id": None,
        },
        {
            "stop_id": 2,
            "kind": "disposal",
            "container_id": None,
            "disposal_site_id": 3,
            "start_at": "2026-04-20T08:00:00Z",
            "load_l": 0.0,
            "load_kg": 0.0,
        },
    ]
}


def test_a_route_becomes_emptied_and_weighed_disposal_events():
    """Each container stop is emptied at its start time; an unload is weighed with the load."""
    events = drive_route(ROUTE, fill_at=lambda stop: 0.83)
    assert [e["kind"] for e in events] == ["emptied", "disposal"]
    assert events[0]["container_id"] == 42 and events[0]["observed_fill_fraction"] == 0.83
    assert events[1]["weight_kg"] == 240.0 and events[1]["disposal_site_id"] == 3


def test_lost_answers_are_retried_with_the_same_event_ids():
    """With every answer lost, each batch is sent twice with identical event ids."""
    posted: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "bearer"})
        if request.url.path == "/v1/auth/me":
            return httpx.Response(200, json={"role": "driver", "vehicle_id": 1})
        if request.url.path == "/v1/routes":
            assert request.url.params["vehicle"] == "1"
            return httpx.Response(
                200, json={"date": "2026-04-20", "vehicle_id": 1, "routes": [ROUTE]}
            )
        ids = [e["event_id"] for e in json.loads(request.content)["events"]]
        dup = len(posted) % 2
        posted.append(ids)
        return httpx.Response(
            200,
            json={
                "results": [],
                "created": 0 if dup else len(ids),
                "duplicates": len(ids) if dup else 0,
                "rejected": 0,
            },
        )

    client = DriverClient(
        "http://api", "d", "p", loss_p=1.0, transport=httpx.MockTransport(handler)
    )
    client.login()
    client.drive_day(date(2026, 4, 20))
    assert len(posted) == 2 and posted[0] == posted[1]
    assert client.log.retries == 1 and client.log.duplicates_seen == 2
    assert [c for c, _ in client.log.emptied] == [42]
