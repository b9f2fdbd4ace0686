"""Hand-checkable problems on a straight road: a place at x is x metres from 0, and the truck
drives 1 m/s, so distances and travel times equal |x - y|. The depot is at x = 0."""

from __future__ import annotations

import numpy as np

from optimizer import Depot, DisposalSite, PlanParams, Problem, Stop, Vehicle

FAST = PlanParams(time_limit_s=0.5)


def line_problem(
    stops: list[tuple[float, dict]],
    vehicles: list[dict] | None = None,
    sites: list[tuple[float, dict]] | None = None,
) -> Problem:
    """Stops at x with Stop fields, vehicles as Vehicle fields, disposal sites at x."""
    sites = sites or []
    xs = np.array([0.0] + [x for x, _ in stops] + [x for x, _ in sites])
    matrix = np.abs(xs[:, None] - xs[None, :]).astype(np.int64)
    built_stops = tuple(
        Stop(**{"id": f"s{i + 1}", "location": i + 1, **fields})
        for i, (_, fields) in enumerate(stops)
    )
    built_sites = tuple(
        DisposalSite(**{"id": f"d{k + 1}", "location": len(stops) + 1 + k, **fields})
        for k, (_, fields) in enumerate(sites)
    )
    built_vehicles = tuple(
        Vehicle(**{"id": f"v{k + 1}", "depot": 0, "capacity_l": 100, **fields})
        for k, fields in enumerate(vehicles or [{}])
    )
    return Problem(
        matrix,
        matrix.copy(),
        (Depot("depot", 0),),
        built_stops,
        built_vehicles,
        built_sites,
        name="line",
    )


def used_routes(plan) -> list[list[str]]:
    """The ids visited by each non-empty route."""
    return [[v.id for v in r.visits] for r in plan.routes if r.visits]
