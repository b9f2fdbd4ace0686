"""Recombine routes from several runs: a set-partitioning model solved by CP-SAT.

The searches of `optimizer.ils` hand in every route of every near-best solution they pass
through (a pool: frozenset of stops -> (distance, ordered stops)). The best plan made of pooled
routes is a set-partitioning problem: choose routes so that each stop is on exactly one, with
at most the fleet's number of routes, at least distance. CP-SAT (OR-Tools) solves it, started
from the current best plan as a hint, so the answer is never worse than that plan. Plain CVRP
only: identical vehicles, where a route is feasible on any of them.
"""

from __future__ import annotations

import logging

from ortools.sat.python import cp_model

from optimizer.greedy import route_distance

log = logging.getLogger(__name__)

MAX_COLUMNS = 40_000


def recombine(
    n_stops: int,
    n_vehicles: int,
    pool: dict,
    best: list[list[int]],
    time_limit_s: float,
    workers: int = 1,
) -> list[list[int]] | None:
    """The cheapest set of pooled routes that serves each stop once, or None if no better
    than `best` was proved within the time limit (then keep `best`)."""
    columns = _columns(pool, best)
    if len(columns) <= len(best):
        return None
    model = cp_model.CpModel()
    x = [model.NewBoolVar("") for _ in columns]
    covering: list[list[int]] = [[] for _ in range(n_stops)]
    for k, (_, stops) in enumerate(columns):
        for s in stops:
            covering[s].append(k)
    if any(not ks for ks in covering):
        return None  # a stop on no pooled route: nothing to recombine safely
    for ks in covering:
        model.AddExactlyOne(x[k] for k in ks)
    model.Add(sum(x) <= n_vehicles)
    model.Minimize(sum(dist * x[k] for k, (dist, _) in enumerate(columns)))
    best_keys = {frozenset(r) for r in best if r}
    for k, (_, stops) in enumerate(columns):
        model.AddHint(x[k], frozenset(stops) in best_keys)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s)
    solver.parameters.num_workers = max(1, workers)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = [columns[k][1] for k in range(len(columns)) if solver.BooleanValue(x[k])]
    log.debug(
        "recombined %d columns: %s, %d",
        len(columns),
        solver.StatusName(status),
        int(solver.ObjectiveValue()),
    )
    return chosen


def pool_add(problem, routes: list[list[int]], pool: dict) -> None:
    """Add routes (stop indices, one depot) with their distance, keeping the cheapest order."""
    for stops in routes:
        if stops:  # interchangeable trucks: any one will do for the distance
            pool_put(pool, route_distance(problem, 0, stops), stops)


def pool_put(pool: dict, dist: int, stops: list[int]) -> None:
    """Add one route whose distance is known, unless the pool has its stops cheaper."""
    key = frozenset(stops)
    known = pool.get(key)
    if known is None or dist < known[0]:
        pool[key] = (dist, list(stops))


def _columns(pool: dict, best: list[list[int]]) -> list[tuple[int, list[int]]]:
    """The pool's routes (cheapest order per stop set); the best plan's must be in the pool."""
    items = sorted(pool.values(), key=lambda c: c[0] / max(1, len(c[1])))
    if len(items) > MAX_COLUMNS:
        keep = {frozenset(r) for r in best if r}
        items = [c for c in items if frozenset(c[1]) in keep] + [
            c for c in items if frozenset(c[1]) not in keep
        ][: MAX_COLUMNS - len(keep)]
    return items
