"""The JSON form of a `Plan` (what `wasteroute solve` writes for non-CVRPLIB input)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from optimizer.model import Plan


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """A JSON-ready dict: totals, solver figures, routes with visits, unserved stops."""
    return {
        "status": plan.status,
        "objective": plan.objective,
        "distance_m": plan.distance_m,
        "duration_s": plan.duration_s,
        "vehicles_used": plan.vehicles_used,
        "runtime_s": round(plan.runtime_s, 3),
        "first_feasible_s": None
        if plan.first_feasible_s is None
        else round(plan.first_feasible_s, 3),
        "routes": [
            {
                "vehicle_id": r.vehicle_id,
                "start_s": r.start_s,
                "end_s": r.end_s,
                "distance_m": r.distance_m,
                "duration_s": r.duration_s,
                "break_start_s": r.break_start_s,
                "visits": [asdict(v) for v in r.visits],
            }
            for r in plan.routes
            if r.visits
        ],
        "unserved": [asdict(u) for u in plan.unserved],
        "stats": plan.stats,
    }
