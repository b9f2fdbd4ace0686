"""The drivers' tablet against the real API (uvicorn over TCP) on the real TimescaleDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from api.security import hash_password
from cli.bench.api import seed_route
from cli.demo.services import ApiServer
from simulator.drivers import DriverClient
from simulator.errors import ServiceUnavailable
from storage import users as users_store

DAY = date(2026, 11, 26)
PASSWORD = "tablet password 1"


@pytest.fixture(scope="module")
def api_url(database_url: str) -> Iterator[str]:
    server = ApiServer(database_url)
    url = server.start()
    yield url
    server.stop()


def _driver(db, tenant_id: str, vehicle_id: int) -> str:
    username = f"driver-{uuid.uuid4().hex[:8]}"
    users_store.create_user(
        db,
        tenant_id=tenant_id,
        username=username,
        password_hash=hash_password(PASSWORD),
        role="driver",
        vehicle_id=vehicle_id,
    )
    return username


def test_a_driver_drives_the_published_route_and_resends_are_not_double_counted(
    api_url, db, tenant_id
):
    """Every stop is reported once although every batch is sent twice; containers reset to 0."""
    seeded = seed_route(db, tenant_id, 5, DAY)
    db.execute(
        "INSERT INTO container_state (tenant_id, container_id, fill_fraction, measured_at)"
        " SELECT tenant_id, id, 0.9, '2026-11-25T20:00Z' FROM containers"
        " WHERE tenant_id = %s",
        (tenant_id,),
    )
    with DriverClient(
        api_url, _driver(db, tenant_id, seeded["vehicle_id"]), PASSWORD, loss_p=1.0
    ) as tablet:
        tablet.login()
        routes = tablet.drive_day(DAY, fill_at=lambda stop: 0.87)
        log = tablet.log
    assert tablet.vehicle_id == seeded["vehicle_id"]
    assert len(routes) == 1 and log.events_posted == 6 and log.retries == 1
    assert log.duplicates_seen == 6 and log.created == 0 and log.rejected == []
    stored = db.execute(
        "SELECT kind, count(*) AS n, min(observed_fill_fraction) AS fill"
        " FROM stop_events WHERE tenant_id = %s GROUP BY kind ORDER BY kind",
        (tenant_id,),
    ).fetchall()
    assert [(r["kind"], r["n"]) for r in stored] == [("disposal", 1), ("emptied", 5)]
    assert stored[1]["fill"] == pytest.approx(0.87)
    states = db.execute(
        "SELECT fill_fraction, date_last_emptying FROM container_state WHERE tenant_id = %s",
        (tenant_id,),
    ).fetchall()
    assert len(states) == 5
    assert all(s["fill_fraction"] == 0 and s["date_last_emptying"] for s in states)
    assert sorted(c for c, _ in log.emptied) == sorted(
        r["id"] for r in db.execute("SELECT id FROM containers WHERE tenant_id = %s", (tenant_id,))
    )


def test_a_day_without_a_published_route_drives_nothing(api_url, db, tenant_id):
    """No plan that day: the tablet gets no route (the API's 404) and posts nothing."""
    seeded = seed_route(db, tenant_id, 2, DAY)
    with DriverClient(api_url, _driver(db, tenant_id, seeded["vehicle_id"]), PASSWORD) as tablet:
        tablet.login()
        assert tablet.drive_day(date(2026, 11, 27)) == []
        assert tablet.log.events_posted == 0


def test_a_wrong_password_is_a_clear_error(api_url, db, tenant_id):
    """A refused login names the user and the answer, not a traceback from httpx."""
    seeded = seed_route(db, tenant_id, 1, DAY)
    user = _driver(db, tenant_id, seeded["vehicle_id"])
    with DriverClient(api_url, user, "not the password") as tablet:
        with pytest.raises(ServiceUnavailable, match=f"login of {user} failed: 401"):
            tablet.login()
