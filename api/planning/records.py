"""Mapping an optimizer plan and the selection decisions to storage records."""

from __future__ import annotations

from datetime import UTC, datetime

from optimizer import Plan
from planning import ForecastConfig
from planning.problem import RoutingInput
from planning.selection import Decision
from storage.plans import DecisionRecord, RouteRecord, StopRecord


def route_records(routing: RoutingInput, plan: Plan) -> tuple[list[RouteRecord], list[StopRecord]]:
    routes, stops = [], []
    at = routing.to_datetime
    for no, r in enumerate((r for r in plan.routes if r.visits), start=1):
        n_unloads = 0
        for seq, v in enumerate(r.visits, start=1):
            is_stop = v.kind == "stop"
            n_unloads += not is_stop
            stops.append(StopRecord(
                route_no=no, seq=seq, kind="container" if is_stop else "disposal",
                eta=at(v.arrival_s), start_at=at(v.start_s), departure_at=at(v.departure_s),
                load_l=v.load_l, load_kg=v.load_kg,
                container_id=routing.stop_container_ids[v.index] if is_stop else None,
                disposal_site_id=None if is_stop else routing.site_ids[v.index]))
        routes.append(RouteRecord(
            route_no=no, vehicle_id=routing.vehicle_ids[r.vehicle], start_at=at(r.start_s),
            end_at=at(r.end_s), distance_m=r.distance_m, duration_s=r.duration_s,
            n_containers=len(r.visits) - n_unloads, n_unloads=n_unloads,
            break_start_at=None if r.break_start_s is None else at(r.break_start_s)))
    return routes, stops


def decision_records(decisions: list[Decision], served: set[int], unserved: dict[int, str],
                     config: ForecastConfig) -> list[DecisionRecord]:
    out = []
    for d in decisions:
        f = d.forecast
        full = f.full_at(config.full_level)
        out.append(DecisionRecord(
            container_id=d.container_id, decision=d.decision, reason=d.reason,
            forecast_method=f.method, served=d.container_id in served, prize_m=d.prize_m,
            fill_now=round(d.fill_now, 4), fill_at_service=round(d.fill_at_service, 4),
            fill_at_next_chance=round(d.fill_at_next_chance, 4),
            filling_speed_per_day=round(f.average_filling_speed, 5),
            forecast_full_at=None if full is None else datetime.fromtimestamp(full, UTC),
            health=f.health, unserved_reason=unserved.get(d.container_id)))
    return out
