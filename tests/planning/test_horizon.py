"""The risk rule (planning.horizon via select_containers): which containers are required, and
whether a half-full one beside a required one is worth its detour. Forecasts are hand-made;
the error model is the priors'; the routing is the real optimizer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain import Container, Depot, DisposalSite, Fraction, GeoPoint, Vehicle
from optimizer import HaversineProvider, PlanParams, plan_routes
from planning import Forecast
from planning.problem import build_problem
from planning.selection import SelectionPolicy, select_containers

TZ = "Europe/Amsterdam"
MONDAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC).timestamp()  # 06:00 local
POLICY = SelectionPolicy(min_prize_m=1)
M_PER_DEG_LAT = 111_320.0


def _f(cid: int, level: float, rate: float) -> Forecast:
    return Forecast(container_id=cid, at_s=AT, level=level, rates_by_weekday=(rate,) * 7,
                    utc_offset_s=3600, method="readings", last_reading_at_s=AT)


def _north(metres: float) -> float:
    return 52.0 + metres / M_PER_DEG_LAT


def _select(forecasts, locations, policy=POLICY):
    decisions = select_containers(forecasts, MONDAY, TZ, policy, service_time=time(11),
                                  next_chance_time=time(15, 30), locations=locations)
    return {d.container_id: d for d in decisions}


def test_a_near_full_container_far_from_everything_is_required():
    """At 85% and filling 15% a day, 10 km from any other container: its risk of overflowing
    before tomorrow's end of shift passes 1%, so it is required however lonely; the same
    container at 40% is not."""
    forecasts = {1: _f(1, 0.85, 0.15), 2: _f(2, 0.4, 0.15)}
    forecasts.update({k: _f(k, 0.3, 0.1) for k in range(10, 15)})
    locations = {1: (_north(10_000), 4.3), 2: (_north(-10_000), 4.3)}
    locations.update({k: (_north(30 * k), 4.3) for k in range(10, 15)})
    d = _select(forecasts, locations)
    assert d[1].decision == "must" and d[1].risk_next > 0.01
    assert "risk" in d[1].reason and "threshold 1.00%" in d[1].reason
    assert d[2].decision != "must" and d[2].risk_next < 0.01


def _route(forecasts, locations, decisions, keep: set[int]):
    """Route the kept decisions from a depot 2 km south: (served container ids, detour of
    the second stop)."""
    containers = {cid: Container(id=cid, tenant_id="t", external_id=str(cid),
                                 location=GeoPoint(*locations[cid]), fraction=Fraction.RESIDUAL,
                                 volume_l=3000) for cid in forecasts}
    depot = Depot(1, "t", "depot", GeoPoint(_north(-2000), 4.3))
    site = DisposalSite(1, "t", "site", GeoPoint(_north(-2100), 4.3))
    truck = Vehicle(1, "t", "truck", 1, capacity_l=20_000, capacity_kg=10_000,
                    compaction_ratio=4.0)
    routing = build_problem(MONDAY, TZ, Fraction.RESIDUAL, containers,
                            [decisions[c] for c in sorted(keep)], [truck], [depot], [site],
                            HaversineProvider(1.3, 30.0))
    plan = plan_routes(routing.problem, PlanParams(time_limit_s=2.0, seed=0))
    served = {routing.stop_container_ids[v.index] for r in plan.routes for v in r.visits
              if v.kind == "stop"}
    dist = routing.problem.distance_m  # 0: depot, 1: A, 2: B (sorted ids), 3: site
    detour = min(dist[1, 2] + dist[2, 0] - dist[1, 0], dist[0, 2] + dist[2, 1] - dist[0, 1])
    return served, float(detour)


def test_a_half_full_container_beside_a_required_one_is_taken_when_its_prize_beats_the_detour():
    """B, half full, stands 100 m from the required A. Alone on the day it falls due, its
    visit then would cost a lonely trip: its prize beats the detour today and the optimizer
    takes it. With three containers beside it falling due that same day, its visit then costs
    a few metres: its prize is below the detour and it is left for that day's sweep."""
    a, b = 1, 2
    base = {a: _f(a, 0.9, 0.2), b: _f(b, 0.5, 0.12)}
    where = {a: (52.0, 4.3), b: (_north(100), 4.3)}
    lonely = _select(base, where)
    assert lonely[a].decision == "must" and lonely[b].decision == "optional"
    served, detour = _route(base, where, lonely, {a, b})
    assert lonely[b].prize_m > detour and b in served

    crowd = dict(base)
    crowd_where = dict(where)
    for k, north in ((3, 120), (4, 140), (5, 160)):  # due the same day as B, beside it
        crowd[k] = _f(k, 0.5, 0.12)
        crowd_where[k] = (_north(north), 4.3)
    dense = _select(crowd, crowd_where)
    assert dense[b].decision == "optional" and dense[b].due_on == lonely[b].due_on
    assert dense[b].prize_m < lonely[b].prize_m
    served, detour = _route(crowd, crowd_where, dense, {a, b})
    assert dense[b].prize_m < detour and b not in served and a in served


def test_the_threshold_is_the_tenants():
    """A stricter tenant (0.1%) requires a container that the default (1%) lets wait."""
    f = {1: _f(1, 0.57, 0.15)}
    where = {1: (52.0, 4.3)}
    default = _select(f, where)[1]
    strict = _select(f, where, SelectionPolicy(risk_threshold=0.001, min_prize_m=1))[1]
    assert 0.001 < default.risk_next < 0.01
    assert (default.decision, strict.decision) == ("optional", "must")
