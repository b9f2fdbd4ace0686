"""Service calendar endpoints: round trip, validation (422), tenant isolation, service days."""

from __future__ import annotations

from tests.api.conftest import make_user

MON_SAT = {"weekdays": "mon-sat", "holiday_rule": "saturday_before",
           "shifts": {"sat": {"start": "07:00", "end": "12:00"}}}


def test_default_is_built_in_until_set(client, planner):
    """A new tenant reads the built-in Monday-Friday calendar."""
    r = client.get("/v1/calendar/residual", headers=planner.headers)
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "built-in"
    assert r.json()["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]


def test_round_trip_tenant_default_and_fraction_override(client, planner):
    """PUT the default and a fraction's own; GET returns them with their source."""
    r = client.put("/v1/calendar/default", json=MON_SAT, headers=planner.headers)
    assert r.status_code == 200, r.text
    assert r.json()["weekdays"][-1] == "sat"
    got = client.get("/v1/calendar/paper", headers=planner.headers).json()
    assert (got["source"], got["holiday_rule"]) == ("tenant", "saturday_before")
    assert got["shifts"]["sat"] == {"start": "07:00", "end": "12:00"}
    r = client.put("/v1/calendar/glass", json={"weekdays": [1, 3, 5], "holiday_rule": "skip"},
                   headers=planner.headers)
    assert r.status_code == 200, r.text
    glass = client.get("/v1/calendar/glass", headers=planner.headers).json()
    assert (glass["source"], glass["weekdays"]) == ("fraction", ["mon", "wed", "fri"])
    listed = client.get("/v1/calendar", headers=planner.headers).json()
    assert [c["fraction"] for c in listed["data"]] == ["default", "glass"]
    assert client.delete("/v1/calendar/glass", headers=planner.headers).status_code == 204
    assert client.get("/v1/calendar/glass", headers=planner.headers).json()["source"] == "tenant"
    assert client.delete("/v1/calendar/glass", headers=planner.headers).status_code == 404


def test_service_days_follow_the_calendar(client, planner):
    """Monday-Saturday with a short Saturday: the week of King's Day 2026 (Monday 27 April)."""
    client.put("/v1/calendar/default", json=MON_SAT, headers=planner.headers)
    r = client.get("/v1/calendar/residual/days", params={"start": "2026-04-25",
                                                         "end": "2026-05-02"},
                   headers=planner.headers)
    assert r.status_code == 200, r.text
    days = {d["date"]: d for d in r.json()["data"]}
    assert "2026-04-27" not in days  # King's Day
    assert "2026-04-26" not in days  # a Sunday
    assert days["2026-05-02"]["shift_end"] == "12:00"
    assert r.json()["count"] == 6


def test_bad_calendars_are_422_and_name_the_field(client, planner):
    """Bad input: a clear 422, never a 500; nothing stored."""
    bad = [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": "mon-funday"}, "weekdays"),
        ({"holiday_rule": "pray"}, "holiday_rule"),
        ({"shift": {"start": "16:00", "end": "08:00"}}, "shift"),
        ({"shifts": {"caturday": {"start": "07:00", "end": "12:00"}}}, "shifts"),
        ({"closed_dates": ["tomorrow"]}, "closed_dates"),
        ({"colour": "red"}, "colour"),
    ]
    for body, field in bad:
        r = client.put("/v1/calendar/default", json=body, headers=planner.headers)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text, (body, r.text)
    r = client.put("/v1/calendar/compost", json={}, headers=planner.headers)
    assert r.status_code == 422 and "fraction" in r.text
    r = client.get("/v1/calendar/residual/days", params={"start": "2026-05-02",
                                                         "end": "2026-04-25"},
                   headers=planner.headers)
    assert r.status_code == 422
    assert client.get("/v1/calendar/default", headers=planner.headers).json()["source"] == \
        "built-in"


def test_tenant_isolation(client, planner, other_planner):
    """Another tenant's planner neither sees nor changes this tenant's calendar."""
    client.put("/v1/calendar/default", json=MON_SAT, headers=planner.headers)
    theirs = client.get("/v1/calendar/default", headers=other_planner.headers).json()
    assert theirs["source"] == "built-in" and "sat" not in theirs["weekdays"]
    client.put("/v1/calendar/default", json={"weekdays": "mon-fri"},
               headers=other_planner.headers)
    mine = client.get("/v1/calendar/default", headers=planner.headers).json()
    assert mine["weekdays"][-1] == "sat"


def test_drivers_read_but_do_not_write(client, db, planner):
    """A driver of the tenant may read the calendar; a PUT is forbidden."""
    driver = make_user(client, db, planner.tenant_id, "driver")
    assert client.get("/v1/calendar/default", headers=driver.headers).status_code == 200
    r = client.put("/v1/calendar/default", json=MON_SAT, headers=driver.headers)
    assert r.status_code == 403
