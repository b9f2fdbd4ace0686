"""The improvement phase for rich problems: regions searched by OR-Tools, both cores busy.

Each worker process takes one region at a time and the next region is handed out as soon as
a worker is free (no round waits for its slowest region). Two kinds of region alternate:

- a day region (`decompose.pick_regions`): a random truck's whole day and the days nearest
  to it (at least `DAY_REGION_ROUTES` days in a large fleet),
  searched by guided local search from the current routes;
- a trip region (`optimizer.trips`): the trips nearest a random trip, whichever trucks drive
  them, each truck's share a block between fixed ends.

Regions in flight never share a truck, so each result is judged against the routes it
started from and kept only if it costs less. Regions are short (`REGION_SECONDS` per
`REGION_STOPS` stops): a region's guided local search gains most of what it will gain in
its first second or two, and many short regions beat few long ones (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from optimizer.decompose import (
    MIN_REGION_ROUTES,
    REGION_STOPS,
    State,
    accept_region,
    pick_regions,
    region_seconds,
    solve_region,
    solve_trip_region,
    total_cost,
)
from optimizer.greedy import Context
from optimizer.model import PlanParams
from optimizer.trips import block_vehicle, pick_trip_regions, splice

log = logging.getLogger(__name__)

#: Search time of a region of `REGION_STOPS` stops (larger ones get proportionally longer,
#: up to twice as long, or `DAY_REGION_ROUTES` times for a day region).
REGION_SECONDS = 0.75
#: A day region holds at least this many days and gets up to this many times
#: `REGION_SECONDS`, in a large fleet: at most half of a worker's share of the trucks
#: in use, and never fewer than `MIN_REGION_ROUTES`. Kim 2006's 1932_stop (16 full days of
#: 120 stops), 120-s runs: 1,143-1,178 mi with four days at up to 3 s (five runs, two of
#: them the bench), against 1,167-1,198 in four with pairs at up to 1.5 s. With six trucks,
#: three-day regions made 804_stop and 335_stop worse (+5.8% and +4.9%, against +2.2% to
#: +4.2% with pairs; docs/benchmarks.md).
DAY_REGION_ROUTES = 4
#: Share of the regions that are trip regions; the rest are day regions.
TRIP_SHARE = 0.5
POLL_S = 0.005
LOG_EVERY_S = 10.0


def improve_regions(
    state: State, pool, workers: int, deadline: float, params: PlanParams
) -> tuple[int, int]:
    """Search regions until the deadline; returns (regions tried, regions improved)."""
    rng = np.random.default_rng(params.seed)
    trips = TRIP_SHARE > 0 and bool(state.problem.disposal_sites)
    ctx = Context(state.problem) if trips else None
    running: list[tuple] = []  # (async result, kind, meta, vehicles)
    busy: set[int] = set()
    tried = improved = handed = trip_handed = 0
    next_log = time.monotonic() + LOG_EVERY_S
    while True:
        left = deadline - time.monotonic() - 0.3
        while len(running) < workers and left > 0.3:
            as_trip = trips and trip_handed + 1 <= TRIP_SHARE * (handed + 1)
            job = _trip_job(state, ctx, rng, busy, left) if as_trip else None
            job = job or _day_job(state, rng, busy, left, workers)
            handed += 1
            trip_handed += as_trip
            if job is None:
                break
            func, task, kind, meta, veh = job
            running.append((pool.apply_async(func, (task,)), kind, meta, veh))
            busy.update(veh)
        if not running:
            break
        done = [r for r in running if r[0].ready()]
        if not done:
            time.sleep(POLL_S)
            continue
        for job in done:
            running.remove(job)
            result, kind, meta, veh = job
            busy.difference_update(veh)
            tried += 1
            if kind == "trip":
                improved += _accept_trips(state, ctx, meta, result.get())
            else:
                improved += accept_region(state, veh, meta, result.get()[:3])
        if params.log_progress and time.monotonic() >= next_log:
            next_log = time.monotonic() + LOG_EVERY_S
            log.info("regions %d tried, %d improved, cost %d", tried, improved, total_cost(state))
    return tried, improved


def _day_job(state: State, rng, busy: set[int], left: float, workers: int):
    """A day region no running region touches, or None if every truck is busy."""
    min_routes = day_region_routes(sum(1 for r in state.routes if r), workers)
    regions = pick_regions(state, rng, 1, REGION_STOPS, set(busy), min_routes)
    if not regions:
        return None
    veh, stops = regions[0]
    limit = min(region_seconds(REGION_SECONDS, REGION_STOPS, len(stops), min_routes), left)
    task = (veh, stops, [state.routes[v] for v in veh], limit, None)
    return solve_region, task, "day", stops, veh


def day_region_routes(used: int, workers: int) -> int:
    """Days per day region: `DAY_REGION_ROUTES`, but at most half of each of the
    `workers`' share of the `used` trucks, and never fewer than `MIN_REGION_ROUTES`."""
    return max(MIN_REGION_ROUTES, min(DAY_REGION_ROUTES, used // (2 * max(1, workers))))


def _trip_job(state: State, ctx, rng, busy: set[int], left: float):
    """A trip region (blocks of trucks no running region touches), or None."""
    p = state.problem
    regions = pick_trip_regions(p, state.routes, rng, 1, REGION_STOPS, taken=set(busy))
    if not regions:
        return None
    blocks = regions[0]
    depots: list = []
    vehicles = [block_vehicle(ctx, b, state.routes[b.v], depots) for b in blocks]
    if any(v is None for v in vehicles):
        return None  # a day that our schedule does not reproduce: leave it to day regions
    stops = sorted(c for b in blocks for c in state.routes[b.v][b.lo : b.hi] if c >= 0)
    warm = [state.routes[b.v][b.lo : b.hi] for b in blocks]
    limit = min(region_seconds(REGION_SECONDS, REGION_STOPS, len(stops)), left)
    task = (vehicles, depots, stops, warm, limit)
    return solve_trip_region, task, "trip", blocks, [b.v for b in blocks]


def _accept_trips(state: State, ctx, blocks, result: tuple) -> int:
    """Put the blocks' new codes into their days if every day still works, no stop is lost
    and the total costs less; 1 if kept."""
    routes, found = result
    new = splice(ctx, state.routes, blocks, routes) if found else None
    if new is None:
        return 0
    before = {c for b in blocks for c in state.routes[b.v] if c >= 0}
    if {c for r, _ in new.values() for c in r if c >= 0} != before:
        return 0  # a stop left out: OR-Tools gave up on a required one
    old_cost = sum(state.route_cost(v) for v in new)
    if sum(state.route_cost(v, r) for v, (r, _) in new.items()) >= old_cost:
        return 0
    for v, (r, t) in new.items():
        state.routes[v], state.times[v] = r, t
    return 1
