"""The improvement phase for rich problems that `optimizer.rich_sisr` handles (no truck or
site limited to some fractions): string removals on both cores.

The search runs in rounds of `ROUND_S` seconds that continue one annealing schedule over the
time left. Each round cuts the trucks into one group per worker (a random truck's day and
the days nearest to it, about an equal share of the stops; idle trucks shared out; each
optional stop left out goes to the group whose stops are nearest), and each worker process
runs `RichStringSearch` over its group's stops and trucks from their current routes. A
group's best routes replace its old ones: every route is feasible (the search schedules
each one exactly) and a search never returns worse than it started. The cut moves every
round, so stops travel between groups over the rounds.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from optimizer.decompose import State, nearby_groups, total_cost, worker_problem
from optimizer.greedy import Context, evaluate, route_distance
from optimizer.model import PlanParams
from optimizer.rich_sisr import RichStringSearch

log = logging.getLogger(__name__)

ROUND_S = 10.0
END_MARGIN_S = 0.8  # handing results back, scheduling them again


def _run(task: tuple) -> tuple:
    """Worker: one string search over `stops` and `vehicles` from `routes` (visit code in
    the whole problem's indices) until the monotonic time `until`; (best routes in those
    indices, their cost, iterations)."""
    seed, vehicles, stops, routes, until, cooling, arc_scale = task
    sub = worker_problem().restrict(stops, vehicles)
    local = {s: i for i, s in enumerate(stops)}
    start = [[local[c] if c >= 0 else c for c in r] for r in routes]
    search = RichStringSearch(sub, seed)
    try:
        best, value = search.run(start, until - time.monotonic(), cooling, arc_scale)
    except ValueError as exc:  # a day our schedule does not reproduce: leave the group
        log.warning("string search over %d trucks skipped: %s", len(vehicles), exc)
        return routes, None, 0
    return [[stops[c] if c >= 0 else c for c in r] for r in best], value, search.iterations


def improve_strings(
    state: State, pool, workers: int, deadline: float, params: PlanParams
) -> tuple[int, int]:
    """Search until the deadline; returns (rounds, rounds that improved)."""
    rng = np.random.default_rng(params.seed)
    t_start = time.monotonic()
    total_s = max(0.1, deadline - t_start)
    p = state.problem
    used = [v for v, r in enumerate(state.routes) if r]
    dist = sum(route_distance(p, v, state.routes[v]) for v in used)
    arc_scale = max(1.0, dist / max(1, len(p.stops) + len(used)))
    ctx = Context(p)
    rounds = improved = iterations = 0
    while True:
        remaining = deadline - time.monotonic() - END_MARGIN_S
        if remaining < 0.3:
            break
        run_s = remaining / max(1, round(remaining / ROUND_S))
        done = (time.monotonic() - t_start) / total_s
        cooling = (done, min(1.0, done + run_s / total_s))
        tasks = [
            (
                params.seed + rounds * workers + k,
                veh,
                stops,
                [state.routes[v] for v in veh],
                time.monotonic() + run_s,  # the end of the round, setting up included
                cooling,
                arc_scale,
            )
            for k, (veh, stops) in enumerate(_groups(state, workers, rng))
            if stops
        ]
        if not tasks:
            break
        before = total_cost(state)
        for (_, veh, stops, *_), (routes, _, its) in zip(tasks, pool.map(_run, tasks), strict=True):
            iterations += its
            old = sum(state.route_cost(v) for v in veh) + _left_out(state, stops, state.routes)
            new = sum(state.route_cost(v, r) for v, r in zip(veh, routes, strict=True))
            if new + _left_out(state, stops, routes) > old:
                continue
            outs = [evaluate(ctx, v, r, True) for v, r in zip(veh, routes, strict=True)]
            if any(out is None for out in outs):
                continue  # cannot happen (the search keeps every route feasible)
            for v, out in zip(veh, outs, strict=True):
                state.routes[v], state.times[v] = out if out[0] else ([], None)
        rounds += 1
        improved += total_cost(state) < before
        if params.log_progress:
            log.info(
                "string rounds %d, %d iterations, cost %d", rounds, iterations, total_cost(state)
            )
    return rounds, improved


def _left_out(state: State, stops: list[int], routes) -> int:
    """The prizes of the optional `stops` on none of `routes`."""
    served = {c for r in routes for c in r if c >= 0}
    return state.drop_cost([s for s in stops if s not in served])


def _groups(state: State, workers: int, rng) -> list[tuple[list[int], list[int]]]:
    """The trucks cut into up to `workers` groups of nearby days: (vehicles, stops). The
    stops are those of the group's days and the optional stops left out nearest to them."""
    used = [v for v, r in enumerate(state.routes) if r]
    idle = [v for v, r in enumerate(state.routes) if not r]
    size = sum(1 for r in state.routes for c in r if c >= 0) / max(1, workers)  # served
    groups = nearby_groups(state, used, workers, size, rng) or [[]]
    for k, v in enumerate(idle):
        groups[k % len(groups)].append(v)
    stops = [[c for v in veh for c in state.routes[v] if c >= 0] for veh in groups]
    left_out = state.unserved()
    if left_out and any(stops):
        loc = state.stop_loc
        far = np.iinfo(np.int64).max
        nearest = np.stack(
            [
                state.problem.distance_m[np.ix_(loc[left_out], loc[g])].min(axis=1)
                if g
                else np.full(len(left_out), far)
                for g in stops
            ]
        ).argmin(axis=0)
        for s, k in zip(left_out, nearest.tolist(), strict=True):
            stops[k].append(s)
    return [(veh, sorted(g)) for veh, g in zip(groups, stops, strict=True)]
