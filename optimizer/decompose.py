"""Large problems: decompose into regions small enough for OR-Tools' search to work.

1. A first solution: Clarke-Wright savings for plain CVRP; otherwise `optimizer.greedy`
   (a compact day per vehicle around a far seed, feasible by construction) and a repair
   round for unserved required stops, on whole shifts and then on shortened ones
   (`SHIFT_SHARES`), the cheapest kept.
2. Then, until the deadline, regions re-optimised from the current routes (a warm start
   through `ReadAssignmentFromRoutes`), a region's new routes replacing the old ones only if
   they cost less. Plain CVRP with interchangeable trucks: rounds of one region per worker
   process (a seed route and the routes nearest to it, about `ILS_REGION_STOPS` stops),
   searched by ruin and recreate, their routes pooled and recombined. No truck or site
   limited to some fractions (Kim 2006, the generated city, the daily plans):
   `optimizer.string_rounds` (string removals over groups of nearby days, one group per
   core). Anything else: `optimizer.region_search` (day and trip regions, handed out as
   workers come free).

Each vehicle's constraints concern only its own route, so a region's solution is feasible for
the whole problem whenever it is feasible for the region.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from dataclasses import replace

import numpy as np

from optimizer.construct import initial_routes, interchangeable_vehicles
from optimizer.greedy import SEED_PULLS, greedy_routes, repair, route_distance
from optimizer.greedy import cost as route_cost
from optimizer.ils import solve_ils
from optimizer.model import PlanParams, Problem
from optimizer.ortools_model import REQUIRED_PENALTY
from optimizer.ortools_solve import RouteTimes, solve_problem
from optimizer.recombine import pool_add, pool_put, recombine
from optimizer.trips import region_problem

log = logging.getLogger(__name__)

REGION_STOPS = 120
#: A worker process is replaced after this many tasks: each OR-Tools model leaves memory
#: behind in the process (city5000 with 0.75-s regions: a worker grew to 2.5-2.8 GB in
#: 120 s, against 1.1 GB with 4-s regions), and a fresh fork starts from the parent's pages.
WORKER_TASKS = 40
_PROBLEM: Problem | None = None  # the problem a worker process solves regions of


def init_worker(problem: Problem) -> None:
    """Pool initializer: the problem this worker process solves parts of (sent once)."""
    global _PROBLEM
    _PROBLEM = problem


def worker_problem() -> Problem:
    assert _PROBLEM is not None, "init_worker was not called in this process"
    return _PROBLEM


def solve_region(task: tuple) -> tuple:
    """Worker: OR-Tools over some stops and vehicles, warm-started; routes in full indices.
    Plain CVRP regions go to the ruin-and-recreate search (`optimizer.ils`), others to
    guided local search."""
    vehicles, stops, warm, limit_s, how = task
    sub = worker_problem().restrict(stops, vehicles)
    local = {s: i for i, s in enumerate(stops)}
    initial = None if warm is None else [[local[c] if c >= 0 else c for c in r] for r in warm]
    routes_pool: dict = {}
    if how is None:
        out = solve_problem(sub, limit_s, initial)
    else:
        variant, pooled = how
        out = solve_ils(sub, limit_s, initial, variant, pool=routes_pool if pooled else None)
    routes = [[stops[c] if c >= 0 else c for c in r] for r in out.routes]
    pooled = [(dist, [stops[c] for c in order]) for dist, order in routes_pool.values()]
    return routes, out.times, out.found, pooled


def solve_trip_region(task: tuple) -> tuple:
    """Worker: OR-Tools over the blocks of a trip region (`optimizer.trips`), warm-started
    from their current codes; the blocks' new codes in full stop indices."""
    vehicles, depots, stops, warm, limit_s = task
    sub = region_problem(worker_problem(), vehicles, depots, stops)
    local = {s: i for i, s in enumerate(stops)}
    out = solve_problem(sub, limit_s, [[local[c] if c >= 0 else c for c in r] for r in warm])
    return [[stops[c] if c >= 0 else c for c in r] for r in out.routes], out.found


class State:
    """The current solution: routes (visit code) and times per vehicle."""

    def __init__(self, problem: Problem, routes: list[list[int]], times: list | None) -> None:
        self.problem = problem
        self.routes = routes
        self.times: list[RouteTimes | None] = times or [None] * len(routes)
        self.stop_loc = np.array([s.location for s in problem.stops], dtype=np.int64)

    def route_cost(self, v: int, route: list[int] | None = None) -> int:
        """Distance and fixed cost of vehicle `v` on `route` (default: its current one)."""
        route = self.routes[v] if route is None else route
        if not route:
            return 0
        return route_distance(self.problem, v, route) + self.problem.vehicles[v].fixed_cost

    def unserved(self) -> list[int]:
        served = {c for r in self.routes for c in r if c >= 0}
        return [s for s in range(len(self.problem.stops)) if s not in served]

    def drop_cost(self, stops: list[int]) -> int:
        return sum(
            REQUIRED_PENALTY if self.problem.stops[s].required else self.problem.stops[s].prize
            for s in stops
        )


def solve_decomposed(problem: Problem, params: PlanParams, deadline: float):
    """Routes, times, time of the first feasible solution and statistics."""
    t0 = time.monotonic()
    workers = max(1, min(params.workers, multiprocessing.cpu_count()))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(
        workers, initializer=init_worker, initargs=(problem,), maxtasksperchild=WORKER_TASKS
    ) as pool:
        init_worker(problem)
        savings = initial_routes(problem)  # plain CVRP; None for anything richer
        if savings is not None:
            state = State(problem, savings, None)
        else:  # the whole shifts first, so that the first feasible plan comes early
            state = _construct(problem, pool, deadline, SHIFT_SHARES[:1])
        first_at = time.monotonic() if not _missing_required(state) else None
        if savings is None:
            state = _construct(problem, pool, deadline, SHIFT_SHARES[1:], state)
        rounds = _improve(state, pool, workers, deadline, params, first_at)
    stats = {
        "regions_tried": rounds[0],
        "regions_improved": rounds[1],
        "first_solution_s": round((first_at or time.monotonic()) - t0, 2),
    }
    if first_at is None and not _missing_required(state):
        first_at = time.monotonic()
    timed = any(t is not None for t in state.times)
    return state.routes, (state.times if timed else None), first_at, stats


def _missing_required(state: State) -> bool:
    return any(state.problem.stops[s].required for s in state.unserved())


def _construct(problem: Problem, pool, deadline: float, shares, best: State | None = None) -> State:
    """Our constructive routes (`optimizer.greedy`: one compact day per vehicle, unloads,
    windows, shift and lunch respected), then a repair round that inserts any unserved
    required stop wherever it fits: once per seed pull and share of the shift in `shares`,
    in the worker processes; the cheapest, `best` included, wins."""
    budget = time.monotonic() + max(2.0, 0.5 * (deadline - time.monotonic()))
    tasks = [(pull, share, budget) for share, pulls in shares for pull in pulls]
    results = pool.map(construct_task, tasks, chunksize=1) if tasks else []
    if best is not None:
        results.append((best.routes, best.times))
    routes, times = min(results, key=lambda rt: route_cost(problem, rt[0]))
    return State(problem, routes, times)


#: Constructions on shifts cut to a share of their length, each with these seed pulls: a
#: day that stops short spreads the work over more trucks and leaves the search slack to
#: move stops between them. Only a fleet whose trucks cost little next to the distance
#: they save picks one (Kim 2006's 1599_stop: 1,473 mi on 15 trucks at 90% against
#: 1,559 on 14 at full length, before the search).
SHIFT_SHARES = ((1.0, SEED_PULLS), (0.9, SEED_PULLS[::2]), (0.85, SEED_PULLS[::2]))


def construct_task(task: tuple) -> tuple:
    """Worker: constructive routes with one seed pull on shifts cut to `share` of their
    length, then the repair round on the whole shifts."""
    pull, share, budget = task
    problem = worker_problem()
    routes, times = greedy_routes(shortened_shifts(problem, share), budget, pull)
    repair(problem, routes, times, budget)
    return routes, times


def shortened_shifts(problem: Problem, share: float) -> Problem:
    """The problem with every shift ending after `share` of its length."""
    if share >= 1.0:
        return problem
    vehicles = tuple(
        replace(v, shift_end_s=v.shift_start_s + int(share * (v.shift_end_s - v.shift_start_s)))
        for v in problem.vehicles
    )
    return replace(problem, vehicles=vehicles)


def _improve(
    state: State, pool, workers: int, deadline: float, params: PlanParams, first_at: float | None
) -> tuple[int, int]:
    """Re-optimise regions until the deadline; returns (regions tried, regions improved).
    Plain CVRP with interchangeable trucks: rounds of ruin-and-recreate regions whose routes
    are pooled and recombined. No truck or site limited to some fractions: rounds of string
    removals (`optimizer.string_rounds`; then the counts are rounds). Anything else goes to
    `optimizer.region_search`."""
    if not interchangeable_vehicles(state.problem):
        from optimizer.region_search import improve_regions
        from optimizer.rich_sisr import applies
        from optimizer.string_rounds import improve_strings

        if applies(state.problem) and not _missing_required(state):
            return improve_strings(state, pool, workers, deadline, params)
        return improve_regions(state, pool, workers, deadline, params)
    rng = np.random.default_rng(params.seed)
    tried = improved = 0
    routes_pool: dict = {}
    pool_add(state.problem, state.routes, routes_pool)
    next_recombine = time.monotonic() + RECOMBINE_EVERY_S
    while deadline - time.monotonic() > 1.0:
        if time.monotonic() >= next_recombine or deadline - time.monotonic() < RECOMBINE_LAST_S:
            _recombine(state, routes_pool, deadline, workers)
            next_recombine = time.monotonic() + RECOMBINE_EVERY_S
            if deadline - time.monotonic() < RECOMBINE_LAST_S:
                break
        left = deadline - time.monotonic() - 0.5 - RECOMBINE_LAST_S
        if min(ILS_REGION_SECONDS, left) < 0.5:
            continue
        regions = pick_regions(state, rng, workers, ILS_REGION_STOPS)
        tasks = [
            (
                veh,
                stops,
                [state.routes[v] for v in veh],
                min(ILS_REGION_SECONDS, left),
                (tried + k, True),
            )
            for k, (veh, stops) in enumerate(regions)
        ]
        for (veh, stops, *_), result in zip(tasks, pool.map(solve_region, tasks), strict=True):
            tried += 1
            improved += accept_region(state, veh, stops, result[:3])
            for dist, order in result[3]:
                pool_put(routes_pool, dist, order)
        if params.log_progress:
            log.info("regions %d tried, %d improved, cost %d", tried, improved, total_cost(state))
    return tried, improved


#: A region holds at least this many routes, however long they are: with one route (a whole
#: day of several trips, often more stops than `REGION_STOPS`) no stop can change trucks.
#: Pairs took Kim 2006's 804_stop (5 routes of 50-220 stops) from +12.8% to +2.3% at 120 s.
MIN_REGION_ROUTES = 2
#: A guided-local-search region larger than its nominal size gets proportionally more time,
#: up to this factor (ruin-and-recreate regions of plain CVRP keep their fixed time).
MAX_REGION_TIME_FACTOR = 2.0


def region_seconds(
    base_s: float, size: int, n_stops: int, max_factor: float = MAX_REGION_TIME_FACTOR
) -> float:
    """Search time of a region of `n_stops`: `base_s` per `size` stops, between base and
    `max_factor` times base."""
    return base_s * min(max_factor, max(1.0, n_stops / max(1, size)))


#: Plain CVRP: recombine the pooled routes this often and in the last `RECOMBINE_LAST_S`. A
#: recombination holds both cores for up to 3 s; on X-n1001 one every 15 s gained 20-30
#: units each while a round of regions gained 100-250, so at 60 s it runs only at the end.
RECOMBINE_EVERY_S = 60.0
RECOMBINE_LAST_S = 3.0


def _recombine(state: State, routes_pool: dict, deadline: float, workers: int) -> None:
    """Replace the routes by the best recombination of every pooled route, if cheaper."""
    p = state.problem
    pool_add(p, state.routes, routes_pool)
    limit = min(RECOMBINE_LAST_S, deadline - time.monotonic() - 0.3)
    if limit < 0.3:
        return
    mixed = recombine(len(p.stops), len(p.vehicles), routes_pool, state.routes, limit, workers)
    if mixed is None:
        return
    mixed = mixed + [[] for _ in range(len(p.vehicles) - len(mixed))]
    if route_cost(p, mixed) < route_cost(p, state.routes):
        log.info(
            "recombined %d pooled routes: %d -> %d",
            len(routes_pool),
            route_cost(p, state.routes)[1],
            route_cost(p, mixed)[1],
        )
        state.routes = mixed
        state.times = [None] * len(mixed)


#: Plain CVRP: regions of about this many stops, each searched this long by ruin and
#: recreate. X-n1001 at 60 s, with recombination only at the end: 2.67-3.21% (mean 3.04%,
#: five runs) at 2 s against 2.92-3.35% (mean 3.22%, four runs) at 3 s with recombination
#: every 15 s, interleaved on the quiet machine (docs/benchmarks.md).
ILS_REGION_STOPS = 120
ILS_REGION_SECONDS = 2.0


def total_cost(state: State) -> int:
    return sum(state.route_cost(v) for v in range(len(state.routes))) + state.drop_cost(
        state.unserved()
    )


def accept_region(state: State, veh: list[int], stops: list[int], result: tuple) -> int:
    routes, times, found = result
    if not found:
        return 0
    old = sum(state.route_cost(v) for v in veh)
    old_routes = {v: state.routes[v] for v in veh}
    old_times = {v: state.times[v] for v in veh}
    served_before = {c for v in veh for c in state.routes[v] if c >= 0}
    for k, v in enumerate(veh):
        state.routes[v] = routes[k]
        state.times[v] = times[k] if times else None
    served_after = {c for v in veh for c in state.routes[v] if c >= 0}
    new = sum(state.route_cost(v) for v in veh)
    delta = (
        new
        - old
        + state.drop_cost(sorted(served_before - served_after))
        - state.drop_cost(sorted(served_after - served_before))
    )
    if delta < 0:
        return 1
    for v in veh:
        state.routes[v], state.times[v] = old_routes[v], old_times[v]
    return 0


def pick_regions(
    state: State,
    rng,
    workers: int,
    size: int = REGION_STOPS,
    taken: set[int] | None = None,
    min_routes: int = MIN_REGION_ROUTES,
) -> list[tuple[list[int], list[int]]]:
    """Up to `workers` disjoint regions: a random seed route and its nearest routes (about
    `size` stops, at least `min_routes` routes), none of them in `taken` (which grows by the
    vehicles picked)."""
    taken = set() if taken is None else taken
    used = [v for v, r in enumerate(state.routes) if r and v not in taken]
    idle = [v for v, r in enumerate(state.routes) if not r and v not in taken]
    unserved = state.unserved()
    regions = []
    for _ in range(workers):
        free = [v for v in used if v not in taken]
        if not free:
            break
        seed = int(rng.choice(free))
        veh = nearest_routes(state, seed, free, size, min_routes)
        taken.update(veh)
        extra = [idle.pop()] if idle else []
        taken.update(extra)
        stops = sorted({c for v in veh for c in state.routes[v] if c >= 0})
        stops += _nearby_unserved(state, stops, unserved, taken)
        regions.append((veh + extra, stops))
    return regions


def nearest_routes(
    state: State,
    seed: int,
    candidates: list[int],
    size: int = REGION_STOPS,
    min_routes: int = MIN_REGION_ROUTES,
) -> list[int]:
    """The seed route and the routes closest to it: about `size` stops, and at least
    `min_routes` routes when there are that many."""
    seed_locs = state.stop_loc[[c for c in state.routes[seed] if c >= 0]]
    if seed_locs.size == 0:
        return [seed]
    closeness = state.problem.distance_m[np.ix_(seed_locs, state.stop_loc)].min(axis=0)
    scored = []
    for v in candidates:
        stops = [c for c in state.routes[v] if c >= 0]
        scored.append((float(closeness[stops].mean()) if stops else 0.0, v))
    out, count = [], 0
    for _, v in sorted(scored):
        if count >= size and len(out) >= min_routes:
            break
        out.append(v)
        count += sum(1 for c in state.routes[v] if c >= 0)
    return out


def nearby_groups(state: State, vehicles: list[int], parts: int, size: float, rng) -> list:
    """`vehicles` cut into up to `parts` groups of nearby routes of about `size` stops: a
    random route and its nearest routes, again, and the rest last."""
    left, groups = list(vehicles), []
    while left:
        if len(groups) == parts - 1:
            chosen = left
        else:
            chosen = nearest_routes(state, int(rng.choice(left)), left, size, min_routes=1)
        groups.append(chosen)
        left = [v for v in left if v not in chosen]
    return groups


def _nearby_unserved(
    state: State, stops: list[int], unserved: list[int], taken: set[int]
) -> list[int]:
    """Unserved stops closer to this region's stops than to any other route's."""
    if not unserved or not stops:
        return []
    claimed = getattr(state, "_claimed", set())
    d_here = state.problem.distance_m[np.ix_(state.stop_loc[unserved], state.stop_loc[stops])].min(
        axis=1
    )
    others = [c for v, r in enumerate(state.routes) if v not in taken for c in r if c >= 0]
    if others:
        d_other = state.problem.distance_m[
            np.ix_(state.stop_loc[unserved], state.stop_loc[others])
        ].min(axis=1)
    else:
        d_other = np.full(len(unserved), np.iinfo(np.int64).max)
    picked = [
        s for s, a, b in zip(unserved, d_here, d_other, strict=True) if a <= b and s not in claimed
    ]
    state._claimed = claimed | set(picked)
    return picked
