"""Ruin and recreate by string removals (SISR) for plain CVRP, in numpy.

Christiaens and Vanden Berghe's "slack induction by string removals" (Transportation Science
54(2), 2020): remove a few strings of consecutive stops from routes near a random stop, put
the stops back one by one at their cheapest position (skipping each position with a small
"blink" probability), and accept the new solution by simulated annealing. The same idea as
OR-Tools' own ruin and recreate (`optimizer.ils`), but one iteration here costs about 1 ms on
1,000 stops, against 200 ms for OR-Tools' (whose recreate propagates its whole model): about
1,100 iterations per second against 5 on X-n1001, and 1,400 against 60 on X-n303.

Plain CVRP only (one depot, one capacity, identical trucks, nothing else binds): the search
keeps each route as a row of padded arrays (`A`: the node before each insertion position,
`B`: the node after it), so the cost of inserting a stop at every position of every route is
one vectorised expression, and a changed route rewrites only its own row.

Node 0 is the depot and node i the stop i - 1; routes go in and out as stop indices.
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.model import Problem
from optimizer.recombine import pool_put

AVG_REMOVED = 10  # c-bar: stops removed per iteration, on average
MAX_STRING = 10  # L-max: the longest string cut from one route
SPLIT_RATE = 0.5  # share of ruins that keep a substring inside the cut string
SPLIT_DEPTH = 0.01  # the kept substring grows while a draw exceeds this
BLINK_RATE = 0.01  # each insertion position is skipped with this probability
#: Start and end temperatures of the annealing per unit of mean arc cost of the start
#: (SISR's 100 and 1 on the X instances, whose mean arc is about 70).
T0_PER_ARC = 1.4
TF_PER_ARC = 0.014
NEIGHBOURS = 100  # the ruin walks this many nearest stops of its seed
_BIG = 1 << 40


def string_counts(rng, n_stops: int, routes: list) -> tuple[float, int]:
    """SISR's L-max (the longest string, capped by the mean route length) and how many
    routes a ruin cuts strings from."""
    in_use = sum(1 for r in routes if r)
    ls_max = min(MAX_STRING, n_stops / max(1, in_use))
    return ls_max, int(rng.uniform(1, 4 * AVG_REMOVED / (1 + ls_max)))


def order_removed(rng, removed: list[int], demand: np.ndarray, depot_dist: np.ndarray) -> None:
    """SISR's recreate order, in place: random, largest demand, farthest from or closest to
    the depot (weights 4, 4, 2, 1)."""
    u = rng.random()
    if u < 4 / 11:
        rng.shuffle(removed)
    elif u < 8 / 11:
        removed.sort(key=lambda c: -demand[c])
    elif u < 10 / 11:
        removed.sort(key=lambda c: -depot_dist[c])
    else:
        removed.sort(key=lambda c: depot_dist[c])


class StringSearch:
    """One SISR run over a plain CVRP `problem`; `run` searches from given routes."""

    def __init__(self, problem: Problem, seed: int = 0) -> None:
        vehicle = problem.vehicles[0]
        depot = problem.depots[vehicle.depot].location
        locs = np.array([depot] + [s.location for s in problem.stops], dtype=np.int64)
        self.D = np.ascontiguousarray(problem.distance_m[np.ix_(locs, locs)], dtype=np.int64)
        self.DT = np.ascontiguousarray(self.D.T)
        self.q = np.array([0] + [s.volume_l for s in problem.stops], dtype=np.int64)
        self.capacity = int(vehicle.capacity_l)
        self.fixed = int(vehicle.fixed_cost)
        self.n = len(problem.stops)
        self.n_routes = len(problem.vehicles)
        self.rng = np.random.default_rng(seed)
        k = min(self.n, NEIGHBOURS)
        sub = self.D[1:, 1:] + self.D[1:, 1:].T  # symmetric nearness for asymmetric input
        near = (
            np.argpartition(sub, k - 1, axis=1)[:, :k]
            if k < self.n
            else np.tile(np.arange(self.n), (self.n, 1))
        )
        order = np.take_along_axis(sub, near, axis=1).argsort(axis=1, kind="stable")
        self.adj = [[]] + (np.take_along_axis(near, order, axis=1) + 1).tolist()
        self.depot_dist = self.D[0] + self.DT[0]

    # ------------------------------------------------------------------ state
    def _load(self, routes: list[list[int]]) -> None:
        full = [[c + 1 for c in r] for r in routes if r]
        if len(full) > self.n_routes:
            raise ValueError(f"{len(full)} routes for {self.n_routes} trucks")
        self.routes = full + [[] for _ in range(self.n_routes - len(full))]
        self.width = max(len(r) for r in self.routes) + 9
        shape = (self.n_routes, self.width)
        self.A = np.zeros(shape, dtype=np.int64)
        self.B = np.zeros(shape, dtype=np.int64)
        self.AB = np.zeros(shape, dtype=np.int64)
        self.pen = np.full(shape, _BIG, dtype=np.int64)
        self.loads = np.zeros(self.n_routes, dtype=np.int64)
        self.cost = np.zeros(self.n_routes, dtype=np.int64)
        self.route_of = np.full(self.n + 1, -1, dtype=np.int64)
        for t, r in enumerate(self.routes):
            self._set_row(t)
            self.route_of[r] = t

    def _widen(self, width: int) -> None:
        pad = width - self.width
        zeros = np.zeros((self.n_routes, pad), dtype=np.int64)
        self.A = np.hstack([self.A, zeros])
        self.B = np.hstack([self.B, zeros])
        self.AB = np.hstack([self.AB, zeros])
        self.pen = np.hstack([self.pen, np.full((self.n_routes, pad), _BIG, dtype=np.int64)])
        self.width = width

    def _set_row(self, t: int) -> None:
        """Rewrite route t's row: positions 0..m (before the first stop ... after the last)."""
        r = self.routes[t]
        m = len(r)
        if m + 2 > self.width:
            self._widen(m + 10)
        a, b = self.A[t], self.B[t]
        a[1 : m + 1] = r
        b[:m] = a[1 : m + 1]
        b[m] = 0
        arcs = self.D[a[: m + 1], b[: m + 1]]
        self.AB[t, : m + 1] = arcs
        self.pen[t, : m + 1] = 0 if m else self.fixed  # opening a route costs its truck
        self.pen[t, m + 1 :] = _BIG
        self.loads[t] = self.q[b[:m]].sum()
        self.cost[t] = arcs.sum() + (self.fixed if m else 0)

    def routes_out(self) -> list[list[int]]:
        return [[c - 1 for c in r] for r in self.routes if r]

    # ------------------------------------------------------------------ ruin
    def _ruin(self, touched: dict) -> list[int]:
        rng, routes, route_of = self.rng, self.routes, self.route_of
        ls_max, ks = string_counts(rng, self.n, routes)
        removed: list[int] = []
        for c in self.adj[int(rng.integers(1, self.n + 1))]:
            if len(touched) >= ks:
                break
            t = int(route_of[c])
            if t < 0 or t in touched:
                continue
            route = routes[t]
            touched[t] = route
            size = int(rng.uniform(1, min(len(route), ls_max) + 1))
            pos = route.index(c)
            keep = 0
            if size < len(route) and rng.random() < SPLIT_RATE:
                keep = 1
                while keep < len(route) - size and rng.random() > SPLIT_DEPTH:
                    keep += 1
            window = size + keep
            start = int(rng.integers(max(0, pos - window + 1), min(pos, len(route) - window) + 1))
            cut = route[start : start + window]
            k = int(rng.integers(0, size + 1)) if keep else 0
            gone = cut[:k] + cut[k + keep :]
            routes[t] = route[:start] + cut[k : k + keep] + route[start + window :]
            route_of[gone] = -1
            removed.extend(gone)
            self._set_row(t)
        return removed

    # ------------------------------------------------------------------ recreate
    def _recreate(self, removed: list[int], touched: dict) -> bool:
        """Insert every removed stop at its cheapest position (with blinks); False if one
        fits nowhere."""
        order_removed(self.rng, removed, self.q, self.depot_dist)
        D, DT, rng = self.D, self.DT, self.rng
        for c in removed:
            delta = DT[c][self.A] + D[c][self.B] - self.AB + self.pen
            delta[self.loads + self.q[c] > self.capacity] = _BIG
            blinked = np.where(rng.random(delta.shape) < BLINK_RATE, _BIG, delta)
            at = int(np.argmin(blinked))
            if blinked.flat[at] >= _BIG:
                at = int(np.argmin(delta))
                if delta.flat[at] >= _BIG:
                    return False
            t, j = divmod(at, self.width)
            if t not in touched:
                touched[t] = list(self.routes[t])
            self.routes[t].insert(j, c)
            self.route_of[c] = t
            self._set_row(t)
        return True

    # ------------------------------------------------------------------ search
    def run(
        self,
        routes: list[list[int]] | None,
        time_limit_s: float,
        cooling: tuple[float, float] = (0.0, 1.0),
        arc_scale: float | None = None,
        pool: dict | None = None,
    ) -> tuple[list[list[int]], int]:
        """Search from `routes` (stop indices; stops on none of them, or all if None, are
        first inserted at their cheapest places) for `time_limit_s`; return the best routes
        and their cost (distance + fixed costs).

        `cooling` is the stretch of the annealing this run covers (0 = hottest, 1 =
        coldest), so consecutive runs continue one schedule. With `pool`, the routes of
        every accepted solution within `POOL_WITHIN` of the best are added to it for
        `optimizer.recombine`. Raises ValueError if no start can be built.
        """
        t_start = time.monotonic()
        self._load(routes or [])
        missing = [c for c in range(1, self.n + 1) if self.route_of[c] < 0]
        if missing and not self._recreate(missing, {}):  # no start, or a partial one
            raise ValueError("cheapest insertion found no room for every stop")
        current = int(self.cost.sum())
        best, best_routes = current, self.routes_out()
        scale = arc_scale or max(1.0, current / max(1, self.n + sum(1 for r in self.routes if r)))
        t0, tf = T0_PER_ARC * scale, TF_PER_ARC * scale
        c0, c1 = cooling
        self.iterations = 0
        while True:
            elapsed = time.monotonic() - t_start
            if elapsed >= time_limit_s:
                break
            frac = c0 + (c1 - c0) * elapsed / time_limit_s
            temperature = t0 * (tf / t0) ** frac
            self.iterations += 1
            touched: dict = {}
            route_of = self.route_of.copy()
            removed = self._ruin(touched)
            if self._recreate(removed, touched):
                new = int(self.cost.sum())
                if new < current - temperature * math.log(self.rng.random()):
                    current = new
                    if new < best:
                        best, best_routes = new, self.routes_out()
                    if pool is not None and new <= best * (1 + POOL_WITHIN):
                        self._pool(touched, pool)
                    continue
            for t, r in touched.items():  # rejected: put the touched routes back
                self.routes[t] = r
                self._set_row(t)
            self.route_of = route_of
        return best_routes, best

    def _pool(self, touched: dict, pool: dict) -> None:
        for t in touched:
            if self.routes[t]:
                pool_put(pool, int(self.cost[t]) - self.fixed, [c - 1 for c in self.routes[t]])


POOL_WITHIN = 0.01  # accepted solutions within 1% of the best give their routes to the pool
