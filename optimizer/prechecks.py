"""Stops no vehicle could serve on its own, with the reason, found before any search."""

from __future__ import annotations

from optimizer.model import Problem, Stop, Vehicle


def _reason(problem: Problem, stop: Stop, vehicle: Vehicle) -> str | None:
    """Why this vehicle cannot serve this stop on a route of its own (None: it can)."""
    if (
        vehicle.fractions is not None
        and stop.fraction is not None
        and stop.fraction not in vehicle.fractions
    ):
        return f"no vehicle carries fraction {stop.fraction}"
    if stop.volume_l > vehicle.capacity_l or (
        vehicle.capacity_kg is not None and stop.weight_kg > vehicle.capacity_kg
    ):
        return "demand exceeds every vehicle's capacity"
    for limit, value in (
        (vehicle.max_volume_l_per_day, stop.volume_l),
        (vehicle.max_weight_kg_per_day, stop.weight_kg),
        (vehicle.max_stops, 1),
    ):
        if limit is not None and value > limit:
            return "demand exceeds every vehicle's daily limit"
    depot = problem.depots[vehicle.depot].location
    arrive = vehicle.shift_start_s + int(problem.duration_s[depot, stop.location])
    if arrive > stop.window_end_s:
        return "time window closes before any vehicle can get there"
    start = max(arrive, stop.window_start_s)
    back = start + stop.service_s + _return_s(problem, stop.location, depot)
    if back > vehicle.shift_end_s:
        return "cannot be served and brought back within any shift"
    return None


def _return_s(problem: Problem, location: int, depot: int) -> int:
    """Time from a location back to the depot, via the best disposal site if there are any."""
    if not problem.disposal_sites:
        return int(problem.duration_s[location, depot])
    return min(
        int(problem.duration_s[location, d.location])
        + d.unload_s
        + int(problem.duration_s[d.location, depot])
        for d in problem.disposal_sites
    )


def unservable_stops(problem: Problem) -> dict[int, str]:
    """Stop index -> reason, for stops that no vehicle can serve even alone."""
    out: dict[int, str] = {}
    for s, stop in enumerate(problem.stops):
        reasons = [_reason(problem, stop, v) for v in problem.vehicles]
        if all(r is not None for r in reasons):
            out[s] = reasons[0] or "unservable"
    return out
