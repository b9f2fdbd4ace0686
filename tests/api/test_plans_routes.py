"""Plans (jobs, list, get, publish) and drivers' routes (JSON, GeoJSON, GPX, ETag)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import date

from cli.bench.api import seed_route
from tests.api.conftest import make_user
from tests.api.helpers import new_container, new_depot, new_site, new_vehicle

DAY = date(2026, 11, 26)


def test_driver_fetches_own_route_in_three_formats(client, db, planner):
    """JSON with ordered stops, GeoJSON with a line, GPX with route points; ETag gives 304."""
    seeded = seed_route(db, planner.tenant_id, 12, DAY)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    r = client.get("/v1/routes", params={"date": str(DAY)}, headers=driver.headers)
    assert r.status_code == 200
    [route] = r.json()["routes"]
    assert [s["seq"] for s in route["stops"]] == list(range(1, 14))
    assert route["stops"][-1]["kind"] == "disposal" and route["stops"][0]["external_id"] == "B-1"
    r2 = client.get(
        "/v1/routes",
        params={"date": str(DAY)},
        headers={**driver.headers, "If-None-Match": r.headers["ETag"]},
    )
    assert r2.status_code == 304
    geo = client.get(
        "/v1/routes", params={"date": str(DAY), "format": "geojson"}, headers=driver.headers
    )
    assert geo.headers["content-type"].startswith("application/geo+json")
    line = geo.json()["features"][0]
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 15
    gpx = client.get(
        "/v1/routes", params={"date": str(DAY), "format": "gpx"}, headers=driver.headers
    )
    points = ET.fromstring(gpx.content).findall(".//{http://www.topografix.com/GPX/1/1}rtept")
    assert len(points) == 15


def test_another_drivers_route_is_404(client, db, planner):
    """A driver asking for another vehicle, or having none, gets 404 and no data."""
    seeded = seed_route(db, planner.tenant_id, 3, DAY)
    other_vehicle = new_vehicle(client, planner.headers)
    other = make_user(client, db, planner.tenant_id, "driver", vehicle_id=other_vehicle["id"])
    r = client.get(
        "/v1/routes",
        params={"date": str(DAY), "vehicle": seeded["vehicle_id"]},
        headers=other.headers,
    )
    assert r.status_code == 404 and "stops" not in r.text
    assert (
        client.get("/v1/routes", params={"date": str(DAY)}, headers=other.headers).status_code
        == 404
    )
    nobody = make_user(client, db, planner.tenant_id, "driver")
    assert (
        client.get("/v1/routes", params={"date": str(DAY)}, headers=nobody.headers).status_code
        == 404
    )


def test_stop_event_on_another_drivers_stop_is_rejected(client, db, planner):
    """Driver B cannot report on driver A's stop; A can, and the event carries the plan."""
    seeded = seed_route(db, planner.tenant_id, 2, DAY)
    a = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    b = make_user(
        client,
        db,
        planner.tenant_id,
        "driver",
        vehicle_id=new_vehicle(client, planner.headers)["id"],
    )
    stop = client.get("/v1/routes", params={"date": str(DAY)}, headers=a.headers).json()["routes"][
        0
    ]["stops"][0]
    event = {
        "event_id": str(uuid.uuid4()),
        "kind": "emptied",
        "container_id": stop["container_id"],
        "stop_id": stop["stop_id"],
        "occurred_at": stop["start_at"],  # on the route's day: drivers report that day's stops
    }
    r = client.post("/v1/stop-events", json={"events": [event]}, headers=b.headers).json()
    assert r["results"][0]["status"] == "rejected"
    r = client.post("/v1/stop-events", json={"events": [event]}, headers=a.headers).json()
    assert r["results"][0]["status"] == "created"
    [stored] = client.get("/v1/stop-events", headers=a.headers).json()["data"]
    assert stored["plan_id"] == seeded["plan_id"]
    assert client.get("/v1/stop-events", headers=b.headers).json()["count"] == 0


def test_plans_list_get_and_publish(client, db, planner, other_planner):
    """The seeded plan is listed and readable; publishing again is a no-op; other tenants get
    404."""
    seeded = seed_route(db, planner.tenant_id, 4, DAY)
    plans = client.get("/v1/plans", params={"date": str(DAY)}, headers=planner.headers).json()
    assert [p["id"] for p in plans["data"]] == [seeded["plan_id"]]
    detail = client.get(f"/v1/plans/{seeded['plan_id']}", headers=planner.headers).json()
    assert detail["status"] == "published" and detail["routes"][0]["n_containers"] == 4
    r = client.post(f"/v1/plans/{seeded['plan_id']}/publish", headers=planner.headers)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert (
        client.get(f"/v1/plans/{seeded['plan_id']}", headers=other_planner.headers).status_code
        == 404
    )
    r = client.post(f"/v1/plans/{seeded['plan_id']}/publish", headers=other_planner.headers)
    assert r.status_code == 404
    assert (
        client.get("/v1/routes", params={"date": str(DAY)}, headers=other_planner.headers).json()[
            "routes"
        ]
        == []
    )


def test_plan_detail_has_each_routes_depot_and_ordered_stops(client, db, planner):
    """GET /v1/plans/{id} gives every route's depot and its stops in order, as the driver's
    route does: containers, then the disposal trip, with coordinates, ETAs and loads."""
    seeded = seed_route(db, planner.tenant_id, 5, DAY)
    [route] = client.get(f"/v1/plans/{seeded['plan_id']}", headers=planner.headers).json()["routes"]
    assert route["depot"]["lat"] == 51.92 and route["depot"]["lon"] == 4.39
    stops = route["stops"]
    assert [s["seq"] for s in stops] == [1, 2, 3, 4, 5, 6]
    assert [s["kind"] for s in stops] == ["container"] * 5 + ["disposal"]
    assert [s["container_id"] for s in stops[:5]] == seeded["container_ids"]
    assert stops[-1]["disposal_site_id"] == seeded["site_id"] and stops[-1]["load_l"] == 0
    assert stops[0]["lat"] == 51.902 and stops[0]["external_id"] == "B-1"
    assert [s["eta"] for s in stops] == sorted(s["eta"] for s in stops)
    assert stops[4]["load_l"] == 500.0
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=seeded["vehicle_id"])
    published = client.get("/v1/routes", params={"date": str(DAY)}, headers=driver.headers)
    assert published.json()["routes"][0]["stops"] == stops


def test_post_plan_queues_a_job_that_a_worker_runs(client, db, planner, database_url):
    """POST /v1/plans answers 202 with a job; a worker runs it; the job then names the plan."""
    from api.jobs import run_worker

    depot = new_depot(client, planner.headers)
    new_vehicle(client, planner.headers, depot["id"])
    new_site(client, planner.headers)
    for _ in range(3):
        new_container(client, planner.headers)
    r = client.post(
        "/v1/plans",
        json={"plan_date": "2026-12-01", "fraction": "residual", "time_limit_s": 1},
        headers=planner.headers,
    )
    assert r.status_code == 202
    [job] = r.json()["jobs"]
    status = client.get(job["status_url"], headers=planner.headers).json()
    assert status["status"] == "todo" and status["fraction"] == "residual"
    run_worker(database_url, queues=["planning"], wait=False)
    status = client.get(job["status_url"], headers=planner.headers).json()
    assert status["status"] == "succeeded" and status["plan_id"] is not None
    plan = client.get(f"/v1/plans/{status['plan_id']}", headers=planner.headers).json()
    assert plan["containers_seen"] == 3 and len(plan["decisions"]) == 3
