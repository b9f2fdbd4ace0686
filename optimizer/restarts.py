"""Plain CVRP with interchangeable trucks: string-removal searches on every core, recombined.

The search runs in rounds, and the rounds continue one annealing schedule over the whole time
limit. The first round starts from Clarke-Wright savings (one savings shape per worker), each
later one from the best plan so far. Up to `SPLIT_MIN_STOPS` stops there are `PHASES` rounds,
and in each every worker process runs `optimizer.sisr.StringSearch` over the whole problem
with a seed of its own. Larger problems are split instead: every `SPLIT_ROUND_S` seconds the
routes are cut into one part per worker (a random route and the routes nearest to it, then
the rest) and each worker searches its part, so that both cores work on different stops;
the cut moves every round. Every route of the near-best solutions the searches pass
through is pooled, and CP-SAT (`optimizer.recombine`) picks the cheapest set of pooled
routes that serves every stop once: after every round on small problems, after the last on
split ones.

If no start can be built (savings needs more trucks than there are, and cheapest insertion
finds no room either) the whole time goes to OR-Tools' ruin and recreate from scratch
(`optimizer.ils`).
"""

from __future__ import annotations

import logging
import multiprocessing
import time

import numpy as np

from optimizer.construct import SAVINGS_SHAPES, savings_routes
from optimizer.decompose import State, init_worker, nearby_groups, worker_problem
from optimizer.greedy import cost
from optimizer.ils import solve_ils
from optimizer.model import PlanParams, Problem
from optimizer.recombine import pool_add, pool_put, recombine
from optimizer.sisr import StringSearch

log = logging.getLogger(__name__)

#: Plain CVRP up to this many stops goes to the string search; larger goes through regions
#: (`optimizer.decompose`). Measured up to 1,001 stops (X-n1001).
SISR_MAX_STOPS = 2000
PHASES = 3
RECOMBINE_SHARE = 0.12
SPLIT_MIN_STOPS = 400
SPLIT_ROUND_S = 10.0
SPLIT_RECOMBINE_SHARE = 0.05
END_MARGIN_S = 0.6  # handing results back, the plan's checks


def _run(task: tuple):
    """Worker: one string search over the stops `part` (None: all) with `trucks` vehicles;
    (routes, cost, pooled (distance, stops) routes, iterations, time of its start), in the
    whole problem's indices."""
    seed, (limit_s, cooling, arc_scale), start, shape, part, trucks = task
    problem = worker_problem()
    if part is not None:
        problem = problem.restrict(part, list(range(trucks)))
    began = time.monotonic()
    if start is None:
        start = savings_routes(problem, shape)  # None: savings needs more trucks
    search = StringSearch(problem, seed)
    pool: dict = {}
    try:
        left = limit_s - (time.monotonic() - began)
        routes, value = search.run(start, left, cooling, arc_scale, pool)
    except ValueError as exc:
        log.info("string search %d found no start: %s", seed, exc)
        return None, None, [], 0, None
    pooled = list(pool.values())
    if part is not None:
        routes = [[part[c] for c in r] for r in routes]
        pooled = [(dist, [part[c] for c in r]) for dist, r in pooled]
    return routes, value, pooled, search.iterations, began


def split_routes(problem: Problem, routes: list[list[int]], parts: int, rng) -> list[tuple]:
    """Cut the routes into `parts` groups of nearby routes, about equal in stops: a random
    route and its nearest routes, again, and the rest last. Each group: (stops, routes in
    the group's own stop indices, trucks: its routes plus its share of the idle trucks)."""
    state = State(problem, [list(r) for r in routes if r], None)
    size = len(problem.stops) / parts
    chosen_groups = nearby_groups(state, list(range(len(state.routes))), parts, size, rng)
    idle = len(problem.vehicles) - len(state.routes)
    groups = []
    for k, chosen in enumerate(chosen_groups):
        stops = [c for v in chosen for c in state.routes[v]]
        index = {c: i for i, c in enumerate(stops)}
        spare = idle // len(chosen_groups) + (1 if k < idle % len(chosen_groups) else 0)
        groups.append(
            (stops, [[index[c] for c in state.routes[v]] for v in chosen], len(chosen) + spare)
        )
    return groups


def solve_restarts(problem: Problem, params: PlanParams, deadline: float):
    """Routes, times (None: plain CVRP has no clock), time of the first feasible solution
    and statistics."""
    workers = max(1, min(params.workers, multiprocessing.cpu_count()))
    n_vehicles = len(problem.vehicles)
    if not problem.stops:
        return [[] for _ in problem.vehicles], None, time.monotonic(), {"phases": []}
    split = workers > 1 and len(problem.stops) >= SPLIT_MIN_STOPS
    rng = np.random.default_rng(params.seed)
    t_start = time.monotonic()
    total_s = max(0.1, deadline - t_start)
    best: list[list[int]] | None = None
    best_cost: int | None = None
    arc_scale: float | None = None
    pool: dict = {}
    stats: dict = {"phases": [], "recombined": 0, "iterations": 0, "split": split}
    first = None
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=init_worker, initargs=(problem,)) as procs:
        for phase in range(10_000):
            remaining = deadline - time.monotonic() - END_MARGIN_S
            if remaining < 0.3 or (not split and phase >= PHASES):
                break
            if split:
                rounds_left = max(1, round(remaining / SPLIT_ROUND_S))
                last = rounds_left == 1
                run_s = remaining / rounds_left * (1 - (SPLIT_RECOMBINE_SHARE if last else 0))
            else:
                last = phase == PHASES - 1
                run_s = remaining / (PHASES - phase) * (1 - RECOMBINE_SHARE)
            done = (time.monotonic() - t_start) / total_s
            cooling = (done, min(1.0, done + run_s / total_s))
            common = (run_s, cooling, arc_scale)
            seeds = [params.seed + phase * workers + k for k in range(workers)]
            if split and best is not None:
                parts = split_routes(problem, best, workers, rng)
                tasks = [  # as many as there are parts (at most one per worker)
                    (seeds[k], common, start, None, stops, trucks)
                    for k, (stops, start, trucks) in enumerate(parts)
                ]
            else:
                shapes = [SAVINGS_SHAPES[k % len(SAVINGS_SHAPES)] for k in range(workers)]
                tasks = [
                    (seed, common, best, shape, None, n_vehicles)
                    for seed, shape in zip(seeds, shapes, strict=True)
                ]
            results = procs.map(_run, tasks, chunksize=1)
            found = [r for r in results if r[0] is not None]
            stats["iterations"] += sum(r[3] for r in results)
            for routes, _, pooled, _, began in found:
                first = began if first is None else min(first, began)
                for dist, stops in pooled:
                    pool_put(pool, dist, stops)
                pool_add(problem, routes, pool)
            if split and best is not None:
                if len(found) == len(tasks):  # the parts together: never worse than before
                    best = [r for routes, *_ in found for r in routes if r]
                    best_cost = sum(r[1] for r in found)
            else:
                for routes, value, *_ in found:
                    if best_cost is None or value < best_cost:
                        best, best_cost = routes, value
            if best is None:
                break
            if arc_scale is None:  # the temperatures' unit, kept for every round
                arc_scale = max(1.0, best_cost / (len(problem.stops) + len(best)))
            runs_best = best_cost
            if not split or last:
                share = RECOMBINE_SHARE if not split else SPLIT_RECOMBINE_SHARE
                limit = min(deadline - time.monotonic() - END_MARGIN_S, run_s / (1 - share) * share)
                mixed = recombine(len(problem.stops), n_vehicles, pool, best, limit, workers)
                mixed_cost = None if mixed is None else cost(problem, mixed)[1]
                if mixed_cost is not None and mixed_cost < best_cost:
                    best, best_cost = mixed, mixed_cost
                    stats["recombined"] += 1
            stats["phases"].append((runs_best, best_cost, len(pool)))
            log.info(
                "round %d: runs %d, recombined %d (%d routes pooled)",
                phase,
                runs_best,
                best_cost,
                len(pool),
            )
    if best is None:  # no start: OR-Tools' own ruin and recreate builds one
        out = solve_ils(problem, max(0.5, deadline - time.monotonic()), None, params.seed)
        if not out.found:
            return [[] for _ in problem.vehicles], None, None, stats
        return out.routes, None, out.first_feasible_at, {**stats, "fallback": "ortools-ils"}
    return best + [[] for _ in range(n_vehicles - len(best))], None, first, stats
