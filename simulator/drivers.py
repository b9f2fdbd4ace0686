"""Simulated drivers: a tablet that fetches its route over the HTTP API and reports stops.

`DriverClient(base_url, username, password)` logs in (OAuth2 password flow), learns its
vehicle (`GET /v1/auth/me`), fetches `GET /v1/routes?date=&vehicle=` (its own vehicle's
published routes) and posts stop events in batches to `POST /v1/stop-events`. With `loss_p`
the answer to a batch is lost after the server got it (the truck drove into a tunnel): the
tablet sends the same batch again, with the same event ids, so the server must not
double-count. A connection error is retried the same way, a few times.
`drive_route(route)` turns a route into events: each container emptied at its planned start
time, each disposal visit weighed.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import httpx

from simulator.errors import ServiceUnavailable

TRANSPORT_ATTEMPTS = 3


@dataclass
class DriveLog:
    emptied: list[tuple[int, datetime]] = field(default_factory=list)  # (container_id, at)
    routes_driven: int = 0
    events_posted: int = 0
    created: int = 0
    retries: int = 0
    duplicates_seen: int = 0
    rejected: list[str] = field(default_factory=list)  # the server's messages
    disposal_kg: float = 0.0


def drive_route(route: dict, fill_at: Callable[[dict], float] | None = None) -> list[dict]:
    """Stop events for one route as JSON dicts (emptied containers, weighed unloads)."""
    events = []
    load_kg = 0.0
    for stop in route["stops"]:
        base = {
            "event_id": str(uuid.uuid4()),
            "occurred_at": stop["start_at"],
            "stop_id": stop["stop_id"],
        }
        if stop["kind"] == "container":
            ev = {**base, "kind": "emptied", "container_id": stop["container_id"]}
            if fill_at is not None:
                ev["observed_fill_fraction"] = round(min(1.0, max(0.0, fill_at(stop))), 2)
            events.append(ev)
            load_kg = stop["load_kg"]
        else:
            events.append(
                {
                    **base,
                    "kind": "disposal",
                    "disposal_site_id": stop["disposal_site_id"],
                    "weight_kg": round(max(0.0, load_kg), 1),
                }
            )
            load_kg = 0.0
    return events


class DriverClient:
    """One driver's tablet."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        loss_p: float = 0.1,
        seed: int = 0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30, transport=transport)
        self.username, self.password = username, password
        self.loss_p = loss_p
        self.rng = random.Random(seed)
        self.log = DriveLog()
        self.vehicle_id: int | None = None

    def __enter__(self) -> DriverClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def login(self) -> None:
        """Log in and learn the vehicle this driver drives."""
        r = self._send(
            "POST", "/v1/auth/token", data={"username": self.username, "password": self.password}
        )
        if r.status_code != 200:
            raise ServiceUnavailable(f"login of {self.username} failed: {r.status_code} {r.text}")
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        me = self._send("GET", "/v1/auth/me")
        if me.status_code == 200:
            self.vehicle_id = me.json().get("vehicle_id")

    def routes(self, day: date) -> list[dict]:
        """The published routes of `day` for this driver's vehicle ([] when there are none)."""
        params = {"date": day.isoformat()}
        if self.vehicle_id is not None:
            params["vehicle"] = str(self.vehicle_id)
        r = self._send("GET", "/v1/routes", params=params)
        if r.status_code == 404:
            return []
        r.raise_for_status()
        return r.json()["routes"]

    def post_events(self, events: list[dict], batch: int = 20) -> None:
        """Post in batches. With probability `loss_p` the server gets a batch but its answer
        is lost: the tablet sends the same batch again."""
        for k in range(0, len(events), batch):
            chunk = {"events": events[k : k + batch]}
            attempts = 2 if self.rng.random() < self.loss_p else 1
            for attempt in range(attempts):
                r = self._send("POST", "/v1/stop-events", json=chunk)
                r.raise_for_status()
                answer = r.json()
                self.log.retries += attempt
                if attempt + 1 < attempts:
                    continue  # this answer never reached the tablet
                self.log.created += answer["created"]
                self.log.duplicates_seen += answer["duplicates"]
                self.log.rejected += [
                    x.get("message", "")
                    for x in answer.get("results", [])
                    if x.get("status") == "rejected"
                ]
            self.log.events_posted += len(chunk["events"])

    def drive_day(self, day: date, fill_at: Callable[[dict], float] | None = None) -> list[dict]:
        """Fetch the day's routes, drive them, report every stop. Returns the routes driven."""
        routes = self.routes(day)
        for route in routes:
            events = drive_route(route, fill_at)
            self.post_events(events)
            self.log.routes_driven += 1
            for ev in events:
                if ev["kind"] == "emptied":
                    self.log.emptied.append(
                        (ev["container_id"], datetime.fromisoformat(ev["occurred_at"]))
                    )
                else:
                    self.log.disposal_kg += ev["weight_kg"]
        return routes

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One request; a connection error is retried (same body, so same event ids)."""
        for attempt in range(TRANSPORT_ATTEMPTS):
            try:
                return self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt + 1 == TRANSPORT_ATTEMPTS:
                    raise ServiceUnavailable(
                        f"API not reachable at {self.http.base_url}: {exc}"
                    ) from exc
                self.log.retries += 1
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")
