"""`plan_day`: one tenant, one day, each fraction: from the database to a stored plan.

Steps: read containers, fleet, reading history and state (storage); forecast and select
(planning); build the routing problem and solve it (optimizer); check the plan with the
independent checker; store it as a new draft version (storage.plans). A plan that fails the
check is never stored. Required containers the fleet cannot serve are stored as unserved with
the optimizer's reason, and the plan's solver_status says "partial".
"""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import psycopg

from domain import Container, Fraction, service_calendar
from optimizer import (
    HaversineProvider,
    OsrmTableProvider,
    Plan,
    PlanCheckError,
    PlanParams,
    check_plan,
    plan_routes,
)
from planning import ContainerHistory, Forecast, ForecastConfig, forecast_fleet
from planning.areas import container_area_days
from planning.problem import PlanningInputError, RoutingInput, RoutingSettings, build_problem
from planning.risk import learn_uncertainties, past_forecasts
from planning.selection import Alarms, Decision, SelectionPolicy, count_decisions, select_containers
from storage import calendars as calendars_store
from storage import containers as containers_store
from storage import fleet as fleet_store
from storage import forecast_queries
from storage import plans as plans_store
from storage import tenants as tenants_store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlanSettings:
    time_limit_s: float = 30.0
    seed: int = 0
    workers: int = 1
    detour_factor: float = 1.3
    speed_kmh: float = 30.0
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    service_time: time | None = None  # default: the middle of the fleet's shifts
    share_vehicles_across_fractions: bool = False
    osrm_url: str | None = None  # road distances from this OSRM server; None: straight lines


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    tenant_id: str
    plan_date: date
    fraction: Fraction
    plan_id: int
    version: int
    containers_seen: int
    counts: dict
    health_counts: dict
    unserved_required: int
    vehicles_used: int
    distance_m: int
    duration_s: int
    solve_time_s: float
    total_time_s: float
    status: str
    routing: RoutingInput | None
    plan: Plan | None
    decisions: tuple[Decision, ...]


def plan_day(conn: psycopg.Connection, tenant_id: str, plan_date: date,
             fraction: Fraction | None = None, settings: PlanSettings = PlanSettings(), *,
             trigger: str = "cli", now: datetime | None = None) -> list[PlanOutcome]:
    """Plan each fraction the tenant has containers of and vehicles for (or only `fraction`,
    which raises `PlanningInputError` if no vehicle carries it)."""
    tenant = tenants_store.get_tenant(conn, tenant_id)
    if fraction is None:
        fractions = []
        for f in containers_store.list_fractions(conn, tenant.id):
            if fleet_store.list_vehicles(conn, tenant.id, fraction=f):
                fractions.append(f)
            else:
                log.warning("tenant %s: no vehicle carries %s; its containers are not planned",
                            tenant.id, f)
    else:
        fractions = [fraction]
    return [plan_fraction(conn, tenant.id, plan_date, f, settings, trigger=trigger, now=now)
            for f in fractions]


def plan_fraction(conn: psycopg.Connection, tenant_id: str, plan_date: date, fraction: Fraction,
                  settings: PlanSettings = PlanSettings(), *, trigger: str = "cli",
                  now: datetime | None = None) -> PlanOutcome:
    """Plan one fraction: a new draft version of (tenant, date, fraction). Vehicles already
    used that day by the newest plan of another fraction are left out (unless
    `settings.share_vehicles_across_fractions`), so a truck is never booked twice."""
    began = clock.perf_counter()
    tenant = tenants_store.get_tenant(conn, tenant_id)
    now = now or datetime.now(UTC)
    vehicles = fleet_store.list_vehicles(conn, tenant_id, fraction=fraction)
    if not settings.share_vehicles_across_fractions:
        busy = plans_store.vehicles_busy(conn, tenant_id, plan_date, except_fraction=str(fraction))
        if busy:
            log.info("%s %s %s: vehicles %s are busy with other fractions", tenant_id,
                     plan_date, fraction, sorted(busy))
        free = [v for v in vehicles if v.id not in busy]
        if vehicles and not free:
            raise PlanningInputError(
                f"every vehicle that may carry {fraction} is on {plan_date}'s plan of another "
                f"fraction (vehicles {sorted(busy)}); add vehicles or re-plan that fraction")
        vehicles = free
    depots = fleet_store.list_depots(conn, tenant_id)
    sites = fleet_store.list_disposal_sites(conn, tenant_id, fraction=fraction)
    policy = _policy(plans_store.get_selection_policies(conn, tenant_id), fraction)
    calendar, vehicles = _calendar(conn, tenant_id, fraction, policy, plan_date, vehicles)
    seen = _forecast(conn, tenant, fraction, now, settings.forecast)
    containers, forecasts, states = seen.containers, seen.forecasts, seen.states
    alarms = {cid: Alarms(s.fire_alarm, s.tilt_alarm, s.report_alarm) for cid, s in states.items()}
    areas = container_area_days(containers.values(), policy.area_sweeps_per_week,
                                policy.collection_weekdays)
    uncertainties, locations = None, None
    if policy.rule == "risk":  # the error model: own readings, and its forecasts of 2 days ago
        histories = {cid: h for cid, h in seen.histories.items() if h is not None}
        past = past_forecasts(list(containers.values()), histories, now.timestamp(),
                              tenant.timezone, days_back=2.0, config=settings.forecast)
        uncertainties = learn_uncertainties(forecasts, histories, past=past)
        locations = {cid: (c.location.lat, c.location.lon) for cid, c in containers.items()}
    decisions = select_containers(forecasts, plan_date, tenant.timezone, policy,
                                  service_time=settings.service_time or _mid_shift(vehicles),
                                  next_chance_time=_shift_end(vehicles), alarms=alarms,
                                  next_chance=service_calendar.next_chance(calendar, plan_date),
                                  chances=service_calendar.next_chances(
                                      calendar, plan_date, policy.horizon_chances),
                                  area_days=areas or None, uncertainties=uncertainties,
                                  locations=locations)
    routing = build_problem(plan_date, tenant.timezone, fraction, containers, decisions,
                            vehicles, depots, sites,
                            OsrmTableProvider(settings.osrm_url) if settings.osrm_url else
                            HaversineProvider(settings.detour_factor, settings.speed_kmh),
                            settings.routing)
    plan = _solve(routing, settings)
    total = clock.perf_counter() - began
    outcome = _store(conn, tenant_id, plan_date, fraction, now, routing, plan, decisions,
                     settings, trigger, total)
    log.info("planned %s %s %s: version %d, %d containers, %s, %d vehicles, %.1f km, "
             "solve %.1fs, total %.1fs", tenant_id, plan_date, fraction,
             outcome.version, len(containers), outcome.counts, outcome.vehicles_used,
             outcome.distance_m / 1000, outcome.solve_time_s, outcome.total_time_s)
    return outcome


def forecast_tenant(conn: psycopg.Connection, tenant_id: str, fraction: Fraction | None = None,
                    *, now: datetime | None = None, config: ForecastConfig | None = None
                    ) -> dict[int, Forecast]:
    """The forecast of every container of the tenant (or of one fraction) at `now`: what
    the API shows planners (fill now, `full_at()` = forecastFullDate,
    `average_filling_speed`, health flags), without planning."""
    tenant = tenants_store.get_tenant(conn, tenant_id)
    fractions = [fraction] if fraction else containers_store.list_fractions(conn, tenant_id)
    out: dict[int, Forecast] = {}
    for f in fractions:
        out.update(_forecast(conn, tenant, f, now or datetime.now(UTC),
                             config or ForecastConfig()).forecasts)
    return out


@dataclass(frozen=True, slots=True)
class FractionForecast:
    """One fraction's containers, their histories, forecasts and states, by container id."""

    containers: dict[int, Container]
    histories: dict[int, ContainerHistory | None]
    forecasts: dict[int, Forecast]
    states: dict


def _forecast(conn, tenant, fraction, now, config: ForecastConfig) -> FractionForecast:
    """Containers, forecasts and states of one fraction (forecast across the fraction, so
    neighbours and fraction averages are the fraction's own)."""
    started = clock.perf_counter()
    containers = {c.id: c for c in containers_store.list_containers(conn, tenant.id,
                                                                     fraction=fraction)}
    since = now - timedelta(days=config.history_days)
    histories = forecast_queries.fetch_reading_histories(
        conn, tenant.id, since, now + timedelta(seconds=1), fraction=fraction)
    states = forecast_queries.fetch_container_states(conn, tenant.id, fraction=fraction)
    read_s = clock.perf_counter() - started
    inputs = {cid: _history(cid, histories.get(cid), states.get(cid)) for cid in containers}
    with_history = {cid: h for cid, h in inputs.items() if h is not None}
    forecasts = forecast_fleet(list(containers.values()), with_history, now.timestamp(),
                               tenant.timezone, config)
    log.info("forecast %s %s: %d containers, %d with readings; read %.1fs, forecast %.1fs",
             tenant.id, fraction, len(containers), len(histories), read_s,
             clock.perf_counter() - started - read_s)
    return FractionForecast(containers, inputs, forecasts, states)


def publish(conn: psycopg.Connection, tenant_id: str, plan_id: int) -> dict:
    return plans_store.publish_plan(conn, tenant_id, plan_id)


def _policy(rows: dict, fraction: Fraction) -> SelectionPolicy:
    """The tenant's policy for the fraction: the risk rule (planning.horizon), or the level
    rule where the tenant sweeps areas (area days are a part of the level rule)."""
    row = rows.get(str(fraction)) or rows.get("*")
    if row is None:
        return SelectionPolicy()
    return SelectionPolicy(must_level=row.must_level, skip_level=row.skip_level,
                           collection_weekdays=frozenset(row.collection_weekdays),
                           prize_m=row.prize_m, area_sweeps_per_week=row.area_sweeps_per_week,
                           rule="level" if row.area_sweeps_per_week else "risk",
                           risk_threshold=row.risk_threshold, overflow_cost_m=row.overflow_cost_m)


def _calendar(conn, tenant_id: str, fraction: Fraction, policy: SelectionPolicy,
              plan_date: date, vehicles: list) -> tuple[service_calendar.ServiceCalendar, list]:
    """The fraction's service calendar (storage.calendars; while the tenant has none, the
    policy's collection weekdays with the Dutch holidays), and the vehicles with their shifts
    kept within the calendar's shift of the plan date (only when a calendar is stored)."""
    row = calendars_store.get_calendar(conn, tenant_id, str(fraction))
    if row.source == "built-in":
        return service_calendar.ServiceCalendar(weekdays=policy.collection_weekdays), vehicles
    shift = service_calendar.shift_on(row.calendar, plan_date)
    if shift is None:
        log.warning("%s %s: %s is not a service day in its calendar", tenant_id, fraction,
                    plan_date)
        return row.calendar, vehicles
    return row.calendar, [replace(v, shift_start=max(v.shift_start, shift.start),
                                  shift_end=min(v.shift_end, shift.end)) for v in vehicles]


def _history(cid, history, state) -> ContainerHistory | None:
    emptied = state.date_last_emptying.timestamp() if state and state.date_last_emptying else None
    if history is None:
        if emptied is None:
            return None
        import numpy as np

        return ContainerHistory(cid, np.zeros(0), np.zeros(0), None, emptied)
    return ContainerHistory(cid, history.times_s, history.fill, history.battery_pct, emptied)


def _mid_shift(vehicles) -> time:
    if not vehicles:
        return time(11, 0)
    mids = [((v.shift_start.hour * 60 + v.shift_start.minute)
             + (v.shift_end.hour * 60 + v.shift_end.minute)) / 2 for v in vehicles]
    m = int(sum(mids) / len(mids))
    return time(m // 60, m % 60)


def _shift_end(vehicles) -> time:
    """The latest a truck reaches a stop: the end of the latest shift."""
    return max((v.shift_end for v in vehicles), default=time(15, 30))


def _solve(routing: RoutingInput, settings: PlanSettings) -> Plan | None:
    if not routing.problem.stops:
        return None
    params = PlanParams(time_limit_s=settings.time_limit_s, seed=settings.seed,
                        workers=settings.workers, allow_unserved_required=True)
    plan = plan_routes(routing.problem, params)
    violations = check_plan(routing.problem, plan, require_all=False)
    if violations:  # the optimizer checks too; this is the service's own guarantee
        raise PlanCheckError(violations)
    return plan


def _store(conn, tenant_id, plan_date, fraction, now, routing, plan, decisions, settings,
           trigger, total_s) -> PlanOutcome:
    from api.planning.records import decision_records, route_records

    routes, stops = route_records(routing, plan) if plan else ([], [])
    served = {s.container_id for s in stops if s.container_id is not None}
    unserved = {}
    if plan:
        unserved = {routing.stop_container_ids[u.stop]: u.reason for u in plan.unserved}
    records = decision_records(decisions, served, unserved, settings.forecast)
    counts = count_decisions(decisions)
    health: dict[str, int] = {}
    for d in decisions:
        for flag in d.forecast.health:
            health[flag] = health.get(flag, 0) + 1
    n_unserved_required = sum(1 for d in decisions
                              if d.decision == "must" and d.container_id not in served)
    status = "empty" if plan is None else plan.status
    header = plans_store.PlanHeader(
        plan_date=plan_date, fraction=str(fraction), forecast_at=now,
        containers_seen=len(decisions), n_must=counts["must"], n_optional=counts["optional"],
        n_skipped=counts["skip"], n_served=len(served),
        vehicles_used=plan.vehicles_used if plan else 0,
        distance_m=plan.distance_m if plan else 0, duration_s=plan.duration_s if plan else 0,
        objective=plan.objective if plan else 0, solver_status=status,
        solve_time_s=plan.runtime_s if plan else 0.0,
        first_feasible_s=plan.first_feasible_s if plan else None, total_time_s=total_s,
        trigger=trigger, params={"time_limit_s": settings.time_limit_s, "seed": settings.seed,
                                 "health": health, "unserved_required": n_unserved_required})
    stored = plans_store.store_plan(conn, tenant_id, header, routes, stops, records)
    return PlanOutcome(
        tenant_id=tenant_id, plan_date=plan_date, fraction=fraction, plan_id=stored.id,
        version=stored.version, containers_seen=len(decisions), counts=counts,
        health_counts=health, unserved_required=n_unserved_required,
        vehicles_used=header.vehicles_used, distance_m=header.distance_m,
        duration_s=header.duration_s, solve_time_s=header.solve_time_s, total_time_s=total_s,
        status=status, routing=routing, plan=plan, decisions=tuple(decisions))
