"""Versioned plans and the selection policy, per tenant.

A plan is stored once, with its routes, stops and the decision for every container seen, in
one transaction; its version is the next for (tenant, date, fraction). Status goes draft ->
published -> superseded; the database refuses any other change (triggers in 0002).

Public API:
- Records in: `PlanHeader`, `RouteRecord`, `StopRecord`, `DecisionRecord`.
- `store_plan(conn, tenant_id, header, routes, stops, decisions) -> StoredPlan`
- `publish_plan`, `get_plan`, `list_plans`, `get_published_plan`, `list_plan_routes`,
  `list_plan_stops`, `list_plan_decisions`
- `vehicles_busy`: vehicles used that day by the current plans of other fractions
- `get_selection_policies`, `set_selection_policy` (rows as `PolicyRow`)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

import psycopg
from psycopg.types.json import Jsonb

from storage.errors import NotFound


@dataclass(frozen=True, slots=True)
class PlanHeader:
    plan_date: date
    fraction: str
    forecast_at: datetime
    containers_seen: int
    n_must: int
    n_optional: int
    n_skipped: int
    n_served: int
    vehicles_used: int
    distance_m: int
    duration_s: int
    objective: int
    solver_status: str
    solve_time_s: float
    first_feasible_s: float | None = None
    total_time_s: float | None = None
    trigger: str = "cli"
    params: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteRecord:
    route_no: int
    vehicle_id: int
    start_at: datetime
    end_at: datetime
    distance_m: int
    duration_s: int
    n_containers: int
    n_unloads: int
    break_start_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StopRecord:
    route_no: int
    seq: int
    kind: str  # "container" | "disposal"
    eta: datetime
    start_at: datetime
    departure_at: datetime
    load_l: float
    load_kg: float
    container_id: int | None = None
    disposal_site_id: int | None = None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    container_id: int
    decision: str
    reason: str
    forecast_method: str
    served: bool
    prize_m: int = 0
    fill_now: float | None = None
    fill_at_service: float | None = None
    fill_at_next_chance: float | None = None
    filling_speed_per_day: float | None = None
    forecast_full_at: datetime | None = None
    health: tuple[str, ...] = ()
    unserved_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPlan:
    id: int
    version: int


@dataclass(frozen=True, slots=True)
class PolicyRow:
    fraction: str  # "*" = the tenant's default
    must_level: float
    skip_level: float
    collection_weekdays: tuple[int, ...]
    prize_m: int
    area_sweeps_per_week: int = 0  # area days (planning.areas): 0 off, 1 or 2 a week
    risk_threshold: float = 0.01  # the risk rule: must above this P(overflow before next chance)
    overflow_cost_m: int = 50_000  # the risk rule: an overflow in metres of driving


def _insert(cur: psycopg.Cursor, table: str, tenant_id: str, plan_id: int, records) -> None:
    if not records:
        return
    names = [f.name for f in fields(records[0])]
    cols = ", ".join(["tenant_id", "plan_id", *names])
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for r in records:
            values = [getattr(r, n) for n in names]
            copy.write_row([tenant_id, plan_id, *[list(v) if isinstance(v, tuple) else v
                                                  for v in values]])


def store_plan(conn: psycopg.Connection, tenant_id: str, header: PlanHeader,
               routes: list[RouteRecord], stops: list[StopRecord],
               decisions: list[DecisionRecord]) -> StoredPlan:
    """Store a new version of the plan for (tenant, date, fraction), as a draft."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (f"plan:{tenant_id}:{header.plan_date}:{header.fraction}",))
        cur.execute("SELECT coalesce(max(version), 0) + 1 AS v FROM plans WHERE tenant_id = %s"
                    " AND plan_date = %s AND fraction = %s",
                    (tenant_id, header.plan_date, header.fraction))
        version = cur.fetchone()["v"]
        values = asdict(header)
        values["params"] = Jsonb(values["params"])
        cols = list(values)
        cur.execute(
            f"INSERT INTO plans (tenant_id, version, {', '.join(cols)})"
            f" VALUES (%s, %s, {', '.join(['%s'] * len(cols))}) RETURNING id",
            [tenant_id, version, *values.values()])
        plan_id = cur.fetchone()["id"]
        _insert(cur, "plan_routes", tenant_id, plan_id, routes)
        _insert(cur, "plan_stops", tenant_id, plan_id, stops)
        _insert(cur, "plan_decisions", tenant_id, plan_id, decisions)
    return StoredPlan(id=plan_id, version=version)


_PLAN_COLS = ("id, plan_date, fraction, version, status, trigger, forecast_at, created_at,"
              " published_at, containers_seen, n_must, n_optional, n_skipped, n_served,"
              " vehicles_used, distance_m, duration_s, objective, solver_status, solve_time_s,"
              " first_feasible_s, total_time_s, params")


def get_plan(conn: psycopg.Connection, tenant_id: str, plan_id: int) -> dict:
    row = conn.execute(f"SELECT {_PLAN_COLS} FROM plans WHERE tenant_id = %s AND id = %s",
                       (tenant_id, plan_id)).fetchone()
    if row is None:
        raise NotFound(f"no plan {plan_id} for tenant {tenant_id!r}")
    return dict(row)


def list_plans(conn: psycopg.Connection, tenant_id: str, *, plan_date: date | None = None,
               fraction: str | None = None, limit: int = 100) -> list[dict]:
    """Newest first: by date, then fraction, then version."""
    sql, params = f"SELECT {_PLAN_COLS} FROM plans WHERE tenant_id = %s", [tenant_id]
    if plan_date is not None:
        sql += " AND plan_date = %s"
        params.append(plan_date)
    if fraction is not None:
        sql += " AND fraction = %s"
        params.append(fraction)
    sql += " ORDER BY plan_date DESC, fraction, version DESC LIMIT %s"
    params.append(limit)
    return [dict(r) for r in conn.execute(sql, params)]


def get_published_plan(conn: psycopg.Connection, tenant_id: str, plan_date: date,
                       fraction: str) -> dict | None:
    row = conn.execute(f"SELECT {_PLAN_COLS} FROM plans WHERE tenant_id = %s AND plan_date = %s"
                       " AND fraction = %s AND status = 'published'",
                       (tenant_id, plan_date, fraction)).fetchone()
    return None if row is None else dict(row)


def publish_plan(conn: psycopg.Connection, tenant_id: str, plan_id: int) -> dict:
    """Publish a plan; the version published before for its day and fraction is superseded.
    Publishing the published plan again changes nothing."""
    with conn.transaction():
        plan = get_plan(conn, tenant_id, plan_id)
        if plan["status"] == "published":
            return plan
        if plan["status"] == "superseded":
            raise ValueError(f"plan {plan_id} was superseded; re-plan or publish a newer one")
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                     (f"plan:{tenant_id}:{plan['plan_date']}:{plan['fraction']}",))
        conn.execute("UPDATE plans SET status = 'superseded' WHERE tenant_id = %s"
                     " AND plan_date = %s AND fraction = %s AND status = 'published'",
                     (tenant_id, plan["plan_date"], plan["fraction"]))
        conn.execute("UPDATE plans SET status = 'published', published_at = now()"
                     " WHERE tenant_id = %s AND id = %s", (tenant_id, plan_id))
        return get_plan(conn, tenant_id, plan_id)


def list_plan_routes(conn: psycopg.Connection, tenant_id: str, plan_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT r.id, r.route_no, r.vehicle_id, v.name AS vehicle_name, r.start_at, r.end_at,"
        " r.break_start_at, r.distance_m, r.duration_s, r.n_containers, r.n_unloads"
        " FROM plan_routes r JOIN vehicles v ON v.tenant_id = r.tenant_id AND v.id = r.vehicle_id"
        " WHERE r.tenant_id = %s AND r.plan_id = %s ORDER BY r.route_no", (tenant_id, plan_id))]


def list_plan_stops(conn: psycopg.Connection, tenant_id: str, plan_id: int,
                    route_no: int | None = None) -> list[dict]:
    sql = ("SELECT id, route_no, seq, kind, container_id, disposal_site_id, eta, start_at,"
           " departure_at, load_l, load_kg FROM plan_stops WHERE tenant_id = %s AND plan_id = %s")
    params: list = [tenant_id, plan_id]
    if route_no is not None:
        sql += " AND route_no = %s"
        params.append(route_no)
    return [dict(r) for r in conn.execute(sql + " ORDER BY route_no, seq", params)]


def list_plan_decisions(conn: psycopg.Connection, tenant_id: str, plan_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT container_id, decision, reason, prize_m, fill_now, fill_at_service,"
        " fill_at_next_chance, filling_speed_per_day, forecast_full_at, forecast_method, health,"
        " served, unserved_reason FROM plan_decisions WHERE tenant_id = %s AND plan_id = %s"
        " ORDER BY container_id", (tenant_id, plan_id))]


def vehicles_busy(conn: psycopg.Connection, tenant_id: str, plan_date: date,
                  except_fraction: str) -> set[int]:
    """Vehicles on the routes of the current plan of each other fraction that day (the
    published version if there is one, else the newest)."""
    rows = conn.execute(
        "SELECT DISTINCT r.vehicle_id FROM plan_routes r WHERE r.tenant_id = %s AND r.plan_id IN"
        " (SELECT DISTINCT ON (fraction) id FROM plans WHERE tenant_id = %s AND plan_date = %s"
        "  AND fraction <> %s AND status <> 'superseded'"
        "  ORDER BY fraction, status = 'published' DESC, version DESC)",
        (tenant_id, tenant_id, plan_date, except_fraction))
    return {r["vehicle_id"] for r in rows}


def get_selection_policies(conn: psycopg.Connection, tenant_id: str) -> dict[str, PolicyRow]:
    rows = conn.execute("SELECT fraction, must_level, skip_level, collection_weekdays, prize_m,"
                        " area_sweeps_per_week, risk_threshold, overflow_cost_m"
                        " FROM selection_policies WHERE tenant_id = %s", (tenant_id,))
    return {r["fraction"]: PolicyRow(r["fraction"], float(r["must_level"]),
                                     float(r["skip_level"]), tuple(r["collection_weekdays"]),
                                     r["prize_m"], r["area_sweeps_per_week"],
                                     float(r["risk_threshold"]), r["overflow_cost_m"])
            for r in rows}


def set_selection_policy(conn: psycopg.Connection, tenant_id: str, row: PolicyRow) -> None:
    conn.execute(
        "INSERT INTO selection_policies (tenant_id, fraction, must_level, skip_level,"
        " collection_weekdays, prize_m, area_sweeps_per_week, risk_threshold, overflow_cost_m)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (tenant_id, fraction) DO UPDATE SET must_level = EXCLUDED.must_level,"
        " skip_level = EXCLUDED.skip_level, collection_weekdays = EXCLUDED.collection_weekdays,"
        " prize_m = EXCLUDED.prize_m, area_sweeps_per_week = EXCLUDED.area_sweeps_per_week,"
        " risk_threshold = EXCLUDED.risk_threshold, overflow_cost_m = EXCLUDED.overflow_cost_m,"
        " updated_at = now()",
        (tenant_id, row.fraction, row.must_level, row.skip_level,
         list(row.collection_weekdays), row.prize_m, row.area_sweeps_per_week,
         row.risk_threshold, row.overflow_cost_m))
