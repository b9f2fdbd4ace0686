"""Stop events (idempotent, reset state) and KPIs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage import plans as plans_store
from tests.api.conftest import make_user
from tests.api.helpers import add_readings, new_container, new_device, new_site, new_vehicle


def _emptied(container_id: int, at: datetime, fill: float | None = 0.9) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "kind": "emptied",
        "container_id": container_id,
        "occurred_at": at.isoformat(),
        "observed_fill_fraction": fill,
    }


def _plan(
    db, tenant_id: str, day: date, routes: dict[int, list[int]], *, publish: bool = True
) -> dict[int, list[int]]:
    """A plan for `day` with one route per vehicle (vehicle id -> its containers); returns
    vehicle id -> the stop ids of its route, in order."""
    start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7)
    route_records, stop_records = [], []
    for route_no, (vehicle_id, container_ids) in enumerate(routes.items()):
        for seq, cid in enumerate(container_ids, start=1):
            at = start + timedelta(minutes=seq)
            stop_records.append(
                plans_store.StopRecord(
                    route_no=route_no,
                    seq=seq,
                    kind="container",
                    eta=at,
                    start_at=at,
                    departure_at=at + timedelta(seconds=60),
                    load_l=100.0 * seq,
                    load_kg=12.0 * seq,
                    container_id=cid,
                )
            )
        route_records.append(
            plans_store.RouteRecord(
                route_no=route_no,
                vehicle_id=vehicle_id,
                start_at=start,
                end_at=start + timedelta(hours=2),
                distance_m=1000,
                duration_s=7200,
                n_containers=len(container_ids),
                n_unloads=0,
            )
        )
    n = sum(len(c) for c in routes.values())
    header = plans_store.PlanHeader(
        plan_date=day,
        fraction="residual",
        forecast_at=start,
        containers_seen=n,
        n_must=n,
        n_optional=0,
        n_skipped=0,
        n_served=n,
        vehicles_used=len(routes),
        distance_m=1000,
        duration_s=7200,
        objective=1000,
        solver_status="seeded",
        solve_time_s=0.0,
        trigger="test",
    )
    stored = plans_store.store_plan(db, tenant_id, header, route_records, stop_records, [])
    if publish:
        plans_store.publish_plan(db, tenant_id, stored.id)
    out: dict[int, list[int]] = {}
    for row in db.execute(
        "SELECT s.id, r.vehicle_id FROM plan_stops s JOIN plan_routes r"
        " ON r.plan_id = s.plan_id AND r.route_no = s.route_no"
        " WHERE s.plan_id = %s ORDER BY s.route_no, s.seq",
        (stored.id,),
    ):
        out.setdefault(row["vehicle_id"], []).append(row["id"])
    return out


def _today(db, tenant_id: str) -> date:
    tz = db.execute("SELECT timezone FROM tenants WHERE id = %s", (tenant_id,)).fetchone()
    return datetime.now(ZoneInfo(tz["timezone"])).date()


def test_emptied_resets_state_and_retry_is_a_no_op(client, db, planner):
    """An emptied event zeroes the fill; resending the same batch counts nothing twice."""
    vehicle = new_vehicle(client, planner.headers)
    driver = make_user(client, db, planner.tenant_id, "driver", vehicle_id=vehicle["id"])
    c = new_container(client, planner.headers)
    dev = new_device(client, planner.headers, c["id"])
    now = datetime.now(UTC)
    add_readings(
        db, planner.tenant_id, c["id"], dev["device_id"], [(now - timedelta(hours=1), 0.85)]
    )
    stops = _plan(db, planner.tenant_id, _today(db, planner.tenant_id), {vehicle["id"]: [c["id"]]})
    batch = {"events": [{**_emptied(c["id"], now), "stop_id": stops[vehicle["id"]][0]}]}
    r = client.post("/v1/stop-events", json=batch, headers=driver.headers).json()
    assert (r["created"], r["duplicates"]) == (1, 0)
    r = client.post("/v1/stop-events", json=batch, headers=driver.headers).json()
    assert (r["created"], r["duplicates"]) == (0, 1)
    state = client.get(f"/v1/containers/{c['id']}/state", headers=planner.headers).json()
    assert state["fill_fraction"] == 0 and state["date_last_emptying"] is not None
    events = client.get("/v1/stop-events", headers=planner.headers).json()
    assert events["count"] == 1 and events["data"][0]["vehicle_id"] == vehicle["id"]
    assert abs(events["data"][0]["sensor_fill_fraction"] - 0.85) < 1e-6


def test_batch_keeps_good_events_and_rejects_unknown_references(client, db, planner, other_planner):
    """Another tenant's container is rejected (no data); the rest of the batch is stored."""
    mine = new_container(client, planner.headers)
    theirs = new_container(client, other_planner.headers)
    site = new_site(client, planner.headers)
    now = datetime.now(UTC)
    batch = {
        "events": [
            _emptied(theirs["id"], now),
            {
                "event_id": str(uuid.uuid4()),
                "kind": "skipped",
                "container_id": mine["id"],
                "occurred_at": now.isoformat(),
                "skip_reason": "blocked",
            },
            {
                "event_id": str(uuid.uuid4()),
                "kind": "disposal",
                "disposal_site_id": site["id"],
                "occurred_at": now.isoformat(),
                "weight_kg": 5100,
            },
        ]
    }
    r = client.post("/v1/stop-events", json=batch, headers=planner.headers).json()
    assert [x["status"] for x in r["results"]] == ["rejected", "created", "created"]
    assert "no container" in r["results"][0]["message"]
    assert client.get("/v1/stop-events", headers=other_planner.headers).json()["count"] == 0


class _Counting:
    """A connection that counts the statements sent through it."""

    def __init__(self, conn):
        self.conn, self.statements = conn, 0

    def execute(self, *args, **kwargs):
        self.statements += 1
        return self.conn.execute(*args, **kwargs)


def test_a_batch_is_stored_in_a_few_statements_each_event_once(client, db, planner):
    """50 events (one repeated inside the batch) take 3 statements; a partial resend is
    duplicates for the old events and created for the new one; the last emptying counts."""
    from storage import stop_events as store

    cs = [new_container(client, planner.headers) for _ in range(5)]
    now = datetime.now(UTC)
    events = [
        {**_emptied(cs[i % 5]["id"], now - timedelta(minutes=50 - i)), "event_id": uuid.uuid4()}
        for i in range(49)
    ]
    events.append(dict(events[3]))  # the same event twice in one batch
    counting = _Counting(db)
    refs = store.resolve_references(counting, planner.tenant_id, [], [c["id"] for c in cs], [])
    assert refs[1] == {c["id"] for c in cs}
    stored = store.record_stop_events(counting, planner.tenant_id, events)
    assert counting.statements == 3
    assert [created for _, created in stored] == [True] * 49 + [False]
    assert stored[49][0] == stored[3][0]
    again = store.record_stop_events(
        db, planner.tenant_id, [events[0], {**_emptied(cs[0]["id"], now), "event_id": uuid.uuid4()}]
    )
    assert [created for _, created in again] == [False, True] and again[0][0] == stored[0][0]
    n = db.execute(
        "SELECT count(*) AS n FROM stop_events WHERE tenant_id = %s", (planner.tenant_id,)
    ).fetchone()["n"]
    assert n == 50
    state = client.get(f"/v1/containers/{cs[0]['id']}/state", headers=planner.headers).json()
    assert state["fill_fraction"] == 0
    assert datetime.fromisoformat(state["date_last_emptying"]) == now


def test_skip_needs_a_known_reason(client, planner):
    """A skip without a valid reason is 422."""
    c = new_container(client, planner.headers)
    bad = {
        "events": [
            {
                "event_id": str(uuid.uuid4()),
                "kind": "skipped",
                "container_id": c["id"],
                "occurred_at": datetime.now(UTC).isoformat(),
                "skip_reason": "lazy",
            }
        ]
    }
    assert client.post("/v1/stop-events", json=bad, headers=planner.headers).status_code == 422


def test_kpis_count_collections_fill_skips_and_overflows(client, db, planner):
    """Two emptied (one over-full), one skipped: collections 2, avg fill, 1 overflow, 1 skip."""
    a, b = new_container(client, planner.headers), new_container(client, planner.headers)
    at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    events = [
        _emptied(a["id"], at, 0.8),
        _emptied(b["id"], at, 1.2),
        {
            "event_id": str(uuid.uuid4()),
            "kind": "skipped",
            "container_id": a["id"],
            "occurred_at": at.isoformat(),
            "skip_reason": "not_out",
        },
    ]
    client.post("/v1/stop-events", json={"events": events}, headers=planner.headers)
    k = client.get(
        "/v1/kpis", params={"start": "2026-11-01", "end": "2026-11-30"}, headers=planner.headers
    ).json()
    assert k["collections"] == 2 and abs(k["avg_fill_at_emptying"] - 1.0) < 1e-6
    assert k["overflows"] == 1 and k["skipped_stops"] == 1 and k["skipped_not_out"] == 1
    empty = client.get(
        "/v1/kpis", params={"start": "2026-10-01", "end": "2026-10-31"}, headers=planner.headers
    ).json()
    assert empty["collections"] == 0 and empty["avg_fill_at_emptying"] is None
    r = client.get(
        "/v1/kpis", params={"start": "2026-11-30", "end": "2026-11-01"}, headers=planner.headers
    )
    assert r.status_code == 422


def test_drivers_report_only_their_own_published_stops_of_the_day(client, db, planner):
    """A driver's emptied or skipped event without a stop, for another vehicle's stop, for a
    container not on a route, for a draft plan's stop or on another day is rejected and
    changes no container; their own stop of today's published route is accepted."""
    tid = planner.tenant_id
    mine, theirs = new_vehicle(client, planner.headers), new_vehicle(client, planner.headers)
    driver = make_user(client, db, tid, "driver", vehicle_id=mine["id"])
    c_mine, c_theirs, c_free, c_draft = (new_container(client, planner.headers) for _ in range(4))
    dev = new_device(client, planner.headers, c_theirs["id"])
    now = datetime.now(UTC)
    for minutes, c in enumerate((c_theirs, c_free, c_draft), start=60):
        add_readings(db, tid, c["id"], dev["device_id"], [(now - timedelta(minutes=minutes), 0.8)])
    today = _today(db, tid)
    stops = _plan(db, tid, today, {mine["id"]: [c_mine["id"]], theirs["id"]: [c_theirs["id"]]})
    draft = _plan(db, tid, today, {mine["id"]: [c_draft["id"]]}, publish=False)
    own_stop, their_stop = stops[mine["id"]][0], stops[theirs["id"]][0]

    def skipped(container: dict, **extra) -> dict:
        event = {**_emptied(container["id"], now), "kind": "skipped", "skip_reason": "blocked"}
        del event["observed_fill_fraction"]
        return {**event, **extra}

    bad = [
        _emptied(c_theirs["id"], now),
        {**_emptied(c_free["id"], now)},
        {**_emptied(c_theirs["id"], now), "stop_id": their_stop},
        {**_emptied(c_theirs["id"], now), "stop_id": own_stop},
        {**_emptied(c_draft["id"], now), "stop_id": draft[mine["id"]][0]},
        {**_emptied(c_mine["id"], now + timedelta(days=3)), "stop_id": own_stop},
        skipped(c_theirs),
        skipped(c_theirs, stop_id=their_stop),
    ]
    r = client.post("/v1/stop-events", json={"events": bad}, headers=driver.headers).json()
    assert r["rejected"] == len(bad) and r["created"] == 0, r
    messages = [x["message"] for x in r["results"]]
    assert "must name its stop" in messages[0] and "must name its stop" in messages[1]
    assert "published routes" in messages[2] and "is for container" in messages[3]
    assert "published routes" in messages[4] and "not of" in messages[5], messages
    for c in (c_theirs, c_free, c_draft):
        state = client.get(f"/v1/containers/{c['id']}/state", headers=planner.headers).json()
        assert abs(state["fill_fraction"] - 0.8) < 1e-6, state
    assert client.get("/v1/stop-events", headers=planner.headers).json()["count"] == 0
    good = {**_emptied(c_mine["id"], now), "stop_id": own_stop}
    r = client.post("/v1/stop-events", json={"events": [good]}, headers=driver.headers).json()
    assert r["created"] == 1, r
    event = client.get("/v1/stop-events", headers=planner.headers).json()["data"][0]
    assert (event["vehicle_id"], event["stop_id"]) == (mine["id"], own_stop)
    no_vehicle = make_user(client, db, tid, "driver")
    again = {**good, "event_id": str(uuid.uuid4())}
    r = client.post("/v1/stop-events", json={"events": [again]}, headers=no_vehicle.headers)
    assert r.status_code in (200, 403) and r.json().get("created", 0) == 0, r.text
