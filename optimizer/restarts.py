"""Plain CVRP up to `ILS_DIRECT_MAX_STOPS`: independent ruin-and-recreate runs on every core.

Each worker process runs `optimizer.ils.solve_ils` over the whole problem from the savings
routes with its own annealing temperatures (`optimizer.ils.VARIANTS`), so the runs explore
differently; the best plan wins and the rest are recombined with it
(`optimizer.recombine`). One worker runs in-process.
"""

from __future__ import annotations

import logging
import multiprocessing
import time

from optimizer.construct import initial_routes
from optimizer.decompose import init_worker, worker_problem
from optimizer.greedy import cost
from optimizer.ils import solve_ils
from optimizer.model import PlanParams, Problem
from optimizer.recombine import pool_add, recombine

log = logging.getLogger(__name__)

ILS_DIRECT_MAX_STOPS = 350
PHASES = 3
RECOMBINE_SHARE = 0.12


def _run(task: tuple):
    variant, limit_s, start = task
    pool: dict = {}
    out = solve_ils(worker_problem(), limit_s, start, variant, pool=pool)
    return out.routes, out.first_feasible_at, out.found, pool


def solve_restarts(problem: Problem, params: PlanParams, deadline: float):
    """Routes, times (None: plain CVRP has no clock), time of the first feasible solution
    and statistics. `PHASES` rounds of parallel runs from the best plan so far, each ended
    by a recombination of every route the runs passed through."""
    workers = max(1, min(params.workers, multiprocessing.cpu_count()))
    if not problem.stops:
        return [[] for _ in problem.vehicles], None, time.monotonic(), {"phases": []}
    best = initial_routes(problem)  # None: savings needs more trucks; start from scratch
    pool: dict = {}
    if best is not None:
        pool_add(problem, best, pool)
    stats: dict = {"phases": [], "recombined": 0}
    first = None
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=init_worker, initargs=(problem,)) as procs:
        for phase in range(PHASES):
            remaining = deadline - time.monotonic() - 0.3
            if remaining < 0.5:
                break
            share = remaining / (PHASES - phase)
            tasks = [
                (params.seed + phase * workers + k, share * (1 - RECOMBINE_SHARE) - 0.3, best)
                for k in range(workers)
            ]
            results = procs.map(_run, tasks, chunksize=1)
            for routes, at, found, run_pool in results:
                if not found:
                    continue
                first = at if first is None or (at is not None and at < first) else first
                for key, value in run_pool.items():
                    if key not in pool or value[0] < pool[key][0]:
                        pool[key] = value
                pool_add(problem, routes, pool)
                if best is None or cost(problem, routes) < cost(problem, best):
                    best = routes
            if best is None:
                continue
            run_best = cost(problem, best)[1]
            limit = min(deadline - time.monotonic() - 0.2, share * RECOMBINE_SHARE)
            mixed = recombine(len(problem.stops), len(problem.vehicles), pool, best, limit, workers)
            if mixed is not None and cost(problem, mixed) < cost(problem, best):
                best = mixed + [[] for _ in range(len(problem.vehicles) - len(mixed))]
                stats["recombined"] += 1
            stats["phases"].append((run_best, cost(problem, best)[1], len(pool)))
            log.info(
                "phase %d: runs %d, recombined %d (%d routes pooled)",
                phase,
                *stats["phases"][-1][:2],
                len(pool),
            )
    if best is None:
        return [[] for _ in problem.vehicles], None, None, stats
    return best, None, first, stats
