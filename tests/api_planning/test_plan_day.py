"""Planning a day against the real TimescaleDB: stored, versioned, checked, published."""

from __future__ import annotations

import psycopg
import pytest

from api.planning import PlanSettings, plan_day, publish
from domain import Fraction
from optimizer import check_plan
from storage import plans as plans_store

from .conftest import NOW, PLAN_DATE

FAST = PlanSettings(time_limit_s=2.0)


def test_a_planned_day_is_stored_with_routes_stops_and_reasons(db, tenant_id, seeded):
    """plan_day stores one draft plan whose routes serve every must container, with reasons."""
    [outcome] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    plan = plans_store.get_plan(db, tenant_id, outcome.plan_id)
    assert plan["status"] == "draft" and plan["version"] == 1
    assert plan["containers_seen"] == len(seeded)
    decisions = plans_store.list_plan_decisions(db, tenant_id, outcome.plan_id)
    assert len(decisions) == len(seeded) and all(d["reason"] for d in decisions)
    must = {d["container_id"] for d in decisions if d["decision"] == "must"}
    stops = plans_store.list_plan_stops(db, tenant_id, outcome.plan_id)
    visited = {s["container_id"] for s in stops if s["kind"] == "container"}
    assert must and must <= visited
    assert all(s["eta"] <= s["start_at"] <= s["departure_at"] for s in stops)
    assert plans_store.list_plan_routes(db, tenant_id, outcome.plan_id)


def test_the_stored_plan_passes_the_optimizers_checker(db, tenant_id, seeded):
    """The independent feasibility checker finds no violation in the plan that was stored."""
    [outcome] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    assert outcome.plan is not None
    assert check_plan(outcome.routing.problem, outcome.plan) == []


def test_replanning_makes_a_new_version_and_a_published_plan_does_not_change(db, tenant_id, seeded):
    """Re-planning adds version 2, keeps version 1, and a published plan cannot be edited."""
    [first] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    publish(db, tenant_id, first.plan_id)
    [second] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    assert (first.version, second.version) == (1, 2)
    assert plans_store.get_plan(db, tenant_id, first.plan_id)["status"] == "published"
    with pytest.raises(psycopg.errors.RaiseException):
        db.execute("UPDATE plan_stops SET load_l = 0 WHERE plan_id = %s", (first.plan_id,))
    with pytest.raises(psycopg.errors.RaiseException):
        db.execute("UPDATE plans SET distance_m = 1 WHERE id = %s", (first.plan_id,))
    publish(db, tenant_id, second.plan_id)
    statuses = {p["version"]: p["status"] for p in plans_store.list_plans(db, tenant_id)}
    assert statuses == {1: "superseded", 2: "published"}


def test_a_truck_is_not_booked_twice_on_one_day(db, tenant_id, seeded):
    """Planning paper after residual on the same day leaves out the trucks residual uses."""
    from datetime import timedelta

    from domain import Container, GeoPoint
    from storage import containers as containers_store

    from .conftest import write_readings

    hours = [NOW - timedelta(hours=h) for h in range(48, 0, -1)]
    for i in range(3):
        c = containers_store.add_container(db, tenant_id, Container(
            id=0, tenant_id="", external_id=f"p{i}", fraction=Fraction.PAPER, volume_l=3000,
            location=GeoPoint(52.07 + 0.002 * i, 4.31)))
        write_readings(db, tenant_id, c.id, hours, [0.5 + 0.4 * k / 48 for k in range(48)])
    [residual] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    [paper] = plan_day(db, tenant_id, PLAN_DATE, Fraction.PAPER, FAST, now=NOW)
    used = {r["vehicle_id"] for r in plans_store.list_plan_routes(db, tenant_id, residual.plan_id)}
    paper_used = {r["vehicle_id"]
                  for r in plans_store.list_plan_routes(db, tenant_id, paper.plan_id)}
    assert used and paper_used and not used & paper_used
    assert paper.counts["must"] == 3


def test_forecast_tenant_gives_every_container_a_forecast(db, tenant_id, seeded):
    """forecast_tenant forecasts all containers, with fill now close to the seeded level."""
    from api.planning import forecast_tenant

    forecasts = forecast_tenant(db, tenant_id, now=NOW)
    assert set(forecasts) == set(seeded)
    assert max(abs(forecasts[c].fill_at(NOW.timestamp()) - fill)
               for c, fill in seeded.items()) < 0.05



def test_a_tenants_area_sweeps_collect_todays_area(db, tenant_id, seeded):
    """With area sweeps on in the tenant's policy, the containers of Tuesday's area that would
    reach the must level before the area's next Tuesday become musts, with the reason; the
    other areas' decisions do not change."""
    from datetime import timedelta

    from domain import Container, GeoPoint
    from planning.areas import container_area_days
    from storage import containers as containers_store

    from .conftest import write_readings

    hours = [NOW - timedelta(hours=h) for h in range(48, 0, -1)]
    for spot in range(5):  # five groups of two, about 2 km apart: five areas
        for k in range(2):
            c = containers_store.add_container(db, tenant_id, Container(
                id=0, tenant_id="", external_id=f"p{spot}-{k}", fraction=Fraction.PAPER,
                volume_l=3000, location=GeoPoint(52.04 + 0.02 * spot, 4.30 + 0.0005 * k)))
            now_fill = 0.3 + 0.03 * spot + 0.02 * k  # 15% a day: tomorrow still below 65%
            write_readings(db, tenant_id, c.id, hours,
                           [now_fill - 0.15 * (48 - j) / 24 for j in range(1, 49)])
    [plain] = plan_day(db, tenant_id, PLAN_DATE, Fraction.PAPER, FAST, now=NOW)
    plans_store.set_selection_policy(db, tenant_id, plans_store.PolicyRow(
        "paper", 0.8, 0.5, (1, 2, 3, 4, 5), 20_000, area_sweeps_per_week=1))
    assert plans_store.get_selection_policies(db, tenant_id)["paper"].area_sweeps_per_week == 1
    [swept] = plan_day(db, tenant_id, PLAN_DATE, Fraction.PAPER, FAST, now=NOW)
    before = {d["container_id"]: d["decision"]
              for d in plans_store.list_plan_decisions(db, tenant_id, plain.plan_id)}
    after = {d["container_id"]: d for d in plans_store.list_plan_decisions(db, tenant_id,
                                                                           swept.plan_id)}
    areas = container_area_days(
        containers_store.list_containers(db, tenant_id, fraction=Fraction.PAPER), 1)
    tuesday = {cid for cid, days in areas.items() if days == frozenset({2})}
    assert len(tuesday) == 2 and "must" not in before.values()
    assert {cid for cid, d in after.items() if d["decision"] == "must"} == tuesday
    assert all("area day" in after[cid]["reason"] for cid in tuesday)
    assert all(after[cid]["decision"] == before[cid] for cid in after if cid not in tuesday)
    stops = plans_store.list_plan_stops(db, tenant_id, swept.plan_id)
    assert tuesday <= {s["container_id"] for s in stops if s["kind"] == "container"}


def test_the_risk_rule_stores_each_containers_risk_prize_and_day(db, tenant_id, seeded):
    """Under the default (risk) policy every stored reason gives the container's risk before
    the next chance; an optional or skipped one also its due day and prize; a must's risk is
    above the 1% threshold and an optional one's below it, and served optional stops have a
    prize."""
    import re

    [outcome] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    decisions = plans_store.list_plan_decisions(db, tenant_id, outcome.plan_id)
    risk = {d["container_id"]: float(re.search(r"risk ([\d.]+)%", d["reason"]).group(1)) / 100
            for d in decisions}
    assert len(risk) == len(seeded)
    must = [d for d in decisions if d["decision"] == "must"]
    rest = [d for d in decisions if d["decision"] != "must"]
    assert must and rest
    assert all(risk[d["container_id"]] > 0.01 for d in must)
    assert all(risk[d["container_id"]] <= 0.01 for d in rest)
    assert all("due " in d["reason"] and "prize" in d["reason"] for d in rest)
    assert all(d["prize_m"] > 0 for d in rest if d["decision"] == "optional")


def test_a_tenants_risk_threshold_is_stored_and_used(db, tenant_id, seeded):
    """A tenant that accepts only a 0.1% risk of overflowing before the next chance gets
    more musts than the default 1%, and every must of its plan is above 0.1%."""
    [default] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    plans_store.set_selection_policy(db, tenant_id, plans_store.PolicyRow(
        "*", 0.8, 0.5, (1, 2, 3, 4, 5), 20_000, risk_threshold=0.001))
    assert plans_store.get_selection_policies(db, tenant_id)["*"].risk_threshold == 0.001
    [strict] = plan_day(db, tenant_id, PLAN_DATE, Fraction.RESIDUAL, FAST, now=NOW)
    assert strict.counts["must"] > default.counts["must"]
    assert all(d.risk_next is not None and d.risk_next > 0.001
               for d in strict.decisions if d.decision == "must")
