"""Stop events (idempotent, reset state) and KPIs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

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
    batch = {"events": [_emptied(c["id"], now)]}
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
