"""String removals (SISR) for rich problems: windows, shifts, lunch, unload trips, daily limits.

The same ruin and recreate as `optimizer.sisr` (remove strings of consecutive stops from the
routes near a random stop, put each stop back at its cheapest position, accept by simulated
annealing), on routes in visit code: stops and the unloads between their trips. Unloads stay
where they are (a ruin removes only stops); a trip left empty loses its unload, and each
unload goes to the site cheapest between its neighbours when that keeps the day feasible.

A position is a candidate for a stop only if the stop fits the trip's capacity and the day's
limits, and if by the route's current schedule its window and the delay it causes downstream
look feasible (the `slack` row: how late the next visit may arrive without breaking a later
window or the shift). That test ignores how lunch moves, so the cheapest candidates are then
scheduled exactly by `greedy.evaluate` (the checker's rules), and the first that works is
taken: every route the search holds is feasible.

An optional stop is put back only where it costs less than its prize, and a ruin also offers
the optional stops left out near its seed. No truck or site may be limited to some fractions
(the caller checks `applies`).
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.greedy import Clock, Context, advance, evaluate, finish_day
from optimizer.model import Problem
from optimizer.nodes import disposal_code
from optimizer.ortools_solve import RouteTimes
from optimizer.sisr import order_removed, string_counts

BLINK_RATE = 0.01  # each candidate position is skipped with this probability
TRIES = 6  # exact schedules tried per stop before it counts as unplaceable
T0_PER_ARC = 1.4  # start and end temperatures per unit of mean arc of the start
TF_PER_ARC = 0.014
NEIGHBOURS = 100
NEAR_LEFT_OUT = 10  # a ruin also offers the optional stops left out among its seed's nearest
_BIG = 1 << 40


def applies(problem: Problem) -> bool:
    """No truck and no site is limited to some fractions: what this search handles."""
    return all(v.fractions is None for v in problem.vehicles) and all(
        d.fractions is None for d in problem.disposal_sites
    )


class RichStringSearch:
    """One SISR run over `problem` (see the module docstring)."""

    def __init__(self, problem: Problem, seed: int = 0) -> None:
        p = self.p = problem
        self.ctx = Context(problem)
        st = p.stops
        # matrices over this problem's own places only (a part of a city is far smaller)
        depot_glob = [p.depots[v.depot].location for v in p.vehicles]
        site_glob = [d.location for d in p.disposal_sites]
        self.glob = np.unique(depot_glob + site_glob + [s.location for s in st])
        local = {int(g): i for i, g in enumerate(self.glob)}
        self.D = np.ascontiguousarray(p.distance_m[np.ix_(self.glob, self.glob)], dtype=np.int64)
        self.DT = np.ascontiguousarray(self.D.T)
        self.T = np.ascontiguousarray(p.duration_s[np.ix_(self.glob, self.glob)], dtype=np.int64)
        self.TT = np.ascontiguousarray(self.T.T)
        self.loc = np.array([local[s.location] for s in st], dtype=np.int64)
        self.q = np.array([s.volume_l for s in st], dtype=np.int64)
        self.kg = np.array([s.weight_kg for s in st], dtype=np.int64)
        self.svc = np.array([s.service_s for s in st], dtype=np.int64)
        self.ws = np.array([s.window_start_s for s in st], dtype=np.int64)
        self.we = np.array([s.window_end_s for s in st], dtype=np.int64)
        self.site_loc = np.array([local[g] for g in site_glob], dtype=np.int64)
        self.prize = np.array([0 if s.required else s.prize for s in st], dtype=np.int64)
        self.required = np.array([s.required for s in st], dtype=bool)
        self.n, self.n_routes = len(st), len(p.vehicles)
        self.rng = np.random.default_rng(seed)
        k = min(self.n, NEIGHBOURS)
        sub = self.D[np.ix_(self.loc, self.loc)]
        sub = sub + sub.T
        near = (
            np.argpartition(sub, k - 1, axis=1)[:, :k]
            if k < self.n
            else np.tile(np.arange(self.n), (self.n, 1))
        )
        order = np.take_along_axis(sub, near, axis=1).argsort(axis=1, kind="stable")
        self.adj = np.take_along_axis(near, order, axis=1).tolist()
        depot_locs = np.array([local[g] for g in depot_glob], dtype=np.int64)
        self.depot_dist = self.D[depot_locs[0], self.loc] + self.D[self.loc, depot_locs[0]]
        v = p.vehicles
        self.cap_l = np.array([x.capacity_l for x in v], dtype=np.int64)
        self.cap_kg = np.array([x.capacity_kg or _BIG for x in v], dtype=np.int64)
        self.day_l = np.array([x.max_volume_l_per_day or _BIG for x in v], dtype=np.int64)
        self.day_kg = np.array([x.max_weight_kg_per_day or _BIG for x in v], dtype=np.int64)
        self.max_n = np.array([x.max_stops or _BIG for x in v], dtype=np.int64)
        self.fixed = np.array([x.fixed_cost for x in v], dtype=np.int64)
        self.depot_loc = depot_locs
        # per visit code (a site -k-1 at row K-k-1, a stop s at row K+s): where, how long, until
        sites = p.disposal_sites
        self.n_sites = len(sites)
        self.code_loc = np.concatenate((self.site_loc[::-1], self.loc))
        self.code_svc = np.array(
            [d.unload_s for d in sites[::-1]] + self.svc.tolist(), dtype=np.int64
        )
        self.code_hi = np.array([d.close_s for d in sites[::-1]] + self.we.tolist(), dtype=np.int64)

    # ------------------------------------------------------------------ state
    def _load(self, routes: list[list[int]]) -> None:
        self.routes = [list(r) for r in routes] + [[] for _ in range(self.n_routes - len(routes))]
        self.width = max(len(r) for r in self.routes) + 12
        shape = (self.n_routes, self.width)
        for name in self._ROW:
            setattr(self, name, np.zeros(shape, dtype=np.int64))
        self.pen[:] = _BIG
        self.used_l = np.zeros(self.n_routes, dtype=np.int64)
        self.used_kg = np.zeros(self.n_routes, dtype=np.int64)
        self.used_n = np.zeros(self.n_routes, dtype=np.int64)
        self.cost = np.zeros(self.n_routes, dtype=np.int64)
        self.route_of = np.full(self.n, -1, dtype=np.int64)
        self.times: list = [None] * self.n_routes
        for t, r in enumerate(self.routes):
            out = evaluate(self.ctx, t, r, keep_last_unload=True)
            if out is None:
                raise ValueError(f"route of vehicle {t} is not feasible")
            self.routes[t] = out[0]
            self._set_row(t, out[1])
            self.route_of[[c for c in out[0] if c >= 0]] = t
        out = self.route_of < 0
        if (out & self.required).any():
            raise ValueError(f"{int((out & self.required).sum())} required stops on no route")
        self.out_prize = int(self.prize[out].sum())  # what the stops left out cost

    def _set_row(self, t: int, times) -> None:
        """Rewrite route t's row from its codes and exact schedule `times`."""
        r = self.routes[t]
        self.times[t] = times
        m = len(r)
        if m + 2 > self.width:
            self._widen(m + 12)
        depot = int(self.depot_loc[t])
        vehicle = self.p.vehicles[t]
        pen = self.pen[t]
        pen[:] = _BIG
        if m == 0:
            pen[0] = self.fixed[t]
            self.A[t, 0] = self.B[t, 0] = depot
            self.AB[t, 0] = self.TAB[t, 0] = 0
            self.dep[t, 0] = self.arr[t, 0] = vehicle.shift_start_s
            self.slack[t, 0] = vehicle.shift_end_s - vehicle.shift_start_s  # rough
            self.trip_l[t, 0] = self.trip_kg[t, 0] = 0
            self.used_l[t] = self.used_kg[t] = self.used_n[t] = self.cost[t] = 0
            return
        idx = np.array(r, dtype=np.int64) + self.n_sites  # row of each code in the code arrays
        locs = self.code_loc[idx]
        a = np.concatenate(([depot], locs))
        b = np.concatenate((locs, [depot]))
        self.A[t, : m + 1], self.B[t, : m + 1] = a, b
        ab = self.AB[t, : m + 1] = self.D[a, b]
        self.TAB[t, : m + 1] = self.T[a, b]
        self.cost[t] = int(ab.sum()) + int(self.fixed[t])
        starts = np.array(times.starts, dtype=np.int64)
        dep = np.concatenate(([times.depot_departure_s], starts + self.code_svc[idx]))
        self.dep[t, : m + 1] = dep
        arr = self.arr[t, : m + 1] = dep + self.TAB[t, : m + 1]
        # How late the visit after each position may arrive: slack_i = wait_i + min(latest_i
        # - start_i, slack_i+1), back from the shift end; as a suffix minimum of prefix sums.
        wait = np.maximum(0, starts - arr[:m])
        waited = np.cumsum(wait)
        ends = np.concatenate(
            (
                waited + self.code_hi[idx] - starts,
                [waited[-1] + vehicle.shift_end_s - times.depot_return_s],
            )
        )
        self.slack[t, : m + 1] = np.minimum.accumulate(ends[::-1])[::-1] - np.concatenate(
            ([0], waited)
        )
        # the load of the trip a stop inserted at each position joins
        unload = idx < self.n_sites
        trip = np.concatenate(([0], np.cumsum(unload)))
        stop_trip = trip[:m][~unload]
        stops = idx[~unload] - self.n_sites
        for row, load in ((self.trip_l[t], self.q), (self.trip_kg[t], self.kg)):
            per_trip = np.bincount(stop_trip, weights=load[stops], minlength=trip[-1] + 1)
            row[: m + 1] = per_trip.astype(np.int64)[trip]
        self.used_l[t] = int(self.q[stops].sum())
        self.used_kg[t] = int(self.kg[stops].sum())
        self.used_n[t] = len(stops)
        last = m if (not self.p.disposal_sites or r[-1] >= 0) else m - 1
        pen[: last + 1] = 0

    def _code_loc(self, code: int) -> int:
        return int(self.code_loc[code + self.n_sites])

    def _widen(self, width: int) -> None:
        pad = width - self.width
        for name in self._ROW:
            fill = np.full((self.n_routes, pad), _BIG if name == "pen" else 0, dtype=np.int64)
            setattr(self, name, np.hstack([getattr(self, name), fill]))
        self.width = width

    def _commit(self, t: int, codes: list[int]) -> bool:
        """Route t becomes `codes` (empty trips dropped, sites re-chosen) if feasible."""
        clean: list[int] = []
        for c in codes:
            if c < 0 and (not clean or clean[-1] < 0):
                continue  # an unload with nothing on board
            clean.append(c)
        out = evaluate(self.ctx, t, self._best_sites(t, clean), True) if clean else None
        if out is None and clean:
            out = evaluate(self.ctx, t, clean, keep_last_unload=True)
            if out is None:
                return False
        if not clean:
            self.routes[t] = []
            self._set_row(t, None)
            return True
        self.routes[t] = out[0]
        self._set_row(t, out[1])
        return True

    def _insert(self, t: int, j: int, c: int) -> bool:
        """Stop c into route t before code j, if the day still works. The schedule up to j
        stays as it is, so only the rest of the day is simulated, from the clock as it was
        when the truck left code j - 1 (`greedy.advance`, the checker's rules). Capacity and
        the day's limits were tested by the caller's row filter."""
        route, times = self.routes[t], self.times[t]
        if not route:
            return self._commit(t, [c])
        p = self.p
        clock = Clock(int(self.glob[self.A[t, j]]), int(self.dep[t, j]))
        brk = times.break_start_s
        clock.brk = brk if brk is not None and brk < clock.dep else None  # taken already
        clock.starts = list(times.starts[:j])
        trial = route[:j] + [c] + route[j:]
        for code in trial[j:]:
            if not advance(p, t, clock, code):
                return False
        end = finish_day(p, t, clock)
        if end is None:
            return False
        self.routes[t] = trial
        self._set_row(t, RouteTimes(clock.starts, times.depot_departure_s, end, clock.brk))
        return True

    def _best_sites(self, t: int, codes: list[int]) -> list[int]:
        if len(self.site_loc) < 2:
            return codes
        out = list(codes)
        depot = int(self.depot_loc[t])
        for i, c in enumerate(out):
            if c >= 0:
                continue
            a = self._code_loc(out[i - 1]) if i else depot
            b = self._code_loc(out[i + 1]) if i + 1 < len(out) else depot
            k = int(np.argmin(self.D[a, self.site_loc] + self.D[self.site_loc, b]))
            out[i] = disposal_code(k)
        return out

    def routes_out(self) -> list[list[int]]:
        return [list(r) for r in self.routes]

    # ------------------------------------------------------------------ ruin
    def _ruin(self, touched: dict) -> list[int] | None:
        rng, routes, route_of = self.rng, self.routes, self.route_of
        ls_max, ks = string_counts(rng, self.n, routes)
        near = self.adj[int(rng.integers(self.n))]
        removed = [c for c in near[:NEAR_LEFT_OUT] if route_of[c] < 0]  # optional, left out
        for c in near:
            if len(touched) >= ks:
                break
            t = int(route_of[c])
            if t < 0 or t in touched:
                continue
            route = routes[t]
            touched[t] = (route, self._saved[t])
            size = int(rng.uniform(1, min(len(route), ls_max) + 1))
            pos = route.index(c)
            start = int(rng.integers(max(0, pos - size + 1), min(pos, len(route) - size) + 1))
            gone = [x for x in route[start : start + size] if x >= 0]
            rest = route[:start] + [x for x in route[start : start + size] if x < 0]
            rest += route[start + size :]
            if not self._commit(t, rest):
                return None
            route_of[gone] = -1
            self.out_prize += int(self.prize[gone].sum())
            removed.extend(gone)
        return removed

    # ------------------------------------------------------------------ recreate
    def _recreate(self, removed: list[int], touched: dict) -> bool:
        order_removed(self.rng, removed, self.q, self.depot_dist)
        rng = self.rng
        for c in removed:
            lc = int(self.loc[c])
            delta = self.DT[lc][self.A] + self.D[lc][self.B] - self.AB + self.pen
            start = np.maximum(self.dep + self.TT[lc][self.A], self.ws[c])
            late = start + self.svc[c] + self.T[lc][self.B] - self.arr
            bad = (start > self.we[c]) | (late > self.slack)
            bad |= self.trip_l + self.q[c] > self.cap_l[:, None]
            bad |= self.trip_kg + self.kg[c] > self.cap_kg[:, None]
            bad |= (
                (self.used_l + self.q[c] > self.day_l)
                | (self.used_kg + self.kg[c] > self.day_kg)
                | (self.used_n + 1 > self.max_n)
            )[:, None]
            delta[bad] = _BIG
            delta[rng.random(delta.shape) < BLINK_RATE] = _BIG
            if not self.required[c]:  # worth serving only if it costs less than its prize
                delta[delta >= self.prize[c]] = _BIG
            order = np.argsort(delta, axis=None)[:TRIES]
            placed = False
            for at in order.tolist():
                if delta.flat[at] >= _BIG:
                    break
                t, j = divmod(at, self.width)
                route = self.routes[t]
                if t not in touched:
                    touched[t] = (route, self._saved[t])
                if self._insert(t, j, c):
                    self.route_of[c] = t
                    self.out_prize -= int(self.prize[c])
                    placed = True
                    break
            if not placed and self.required[c]:
                return False
        return True

    # ------------------------------------------------------------------ search
    def run(
        self,
        routes: list[list[int]],
        time_limit_s: float,
        cooling: tuple[float, float] = (0.0, 1.0),
        arc_scale: float | None = None,
    ) -> tuple[list[list[int]], int]:
        """Search from feasible `routes` (visit code, one per vehicle; every required stop
        on one) for `time_limit_s`; return the best routes and their cost (distance, fixed
        costs and the prizes of the optional stops left out)."""
        t_start = time.monotonic()
        self._load(routes)
        self._saved = [self._snapshot(t) for t in range(self.n_routes)]
        current = int(self.cost.sum()) + self.out_prize
        best, best_routes = current, self.routes_out()
        scale = arc_scale or self.arc_scale()
        t0, tf = T0_PER_ARC * scale, TF_PER_ARC * scale
        c0, c1 = cooling
        self.iterations = self.accepted = 0
        while True:
            elapsed = time.monotonic() - t_start
            if elapsed >= time_limit_s:
                break
            frac = c0 + (c1 - c0) * elapsed / time_limit_s
            temperature = t0 * (tf / t0) ** frac
            self.iterations += 1
            touched: dict = {}
            route_of, out_prize = self.route_of.copy(), self.out_prize
            removed = self._ruin(touched)
            if removed is not None and self._recreate(removed, touched):
                new = int(self.cost.sum()) + self.out_prize
                if new < current - temperature * math.log(self.rng.random()):
                    current = new
                    self.accepted += 1
                    for t in touched:
                        self._saved[t] = self._snapshot(t)
                    if new < best:
                        best, best_routes = new, self.routes_out()
                    continue
            for t, (r, snap) in touched.items():  # rejected: put the touched routes back
                self.routes[t] = r
                self._restore(t, snap)
            self.route_of, self.out_prize = route_of, out_prize
        return best_routes, best

    def arc_scale(self) -> float:
        """Mean arc length of the current routes (fixed costs left out): the unit of the
        annealing temperatures."""
        used = [t for t, r in enumerate(self.routes) if r]
        dist = int(self.cost.sum()) - int(self.fixed[used].sum())
        served = int((self.route_of >= 0).sum())
        return max(1.0, dist / max(1, served + len(used)))

    #: The per-position rows of a route: node before and after, their distance and travel
    #: time, departure from the node before, old arrival at the node after, slack, trip loads
    #: and the insertion penalty (0, a truck's fixed cost on an empty route, or "never").
    _ROW = ("A", "B", "AB", "TAB", "dep", "arr", "slack", "trip_l", "trip_kg", "pen")

    def _snapshot(self, t: int) -> tuple:
        rows = tuple(getattr(self, name)[t].copy() for name in self._ROW)
        return rows, (self.used_l[t], self.used_kg[t], self.used_n[t], self.cost[t], self.times[t])

    def _restore(self, t: int, snap: tuple) -> None:
        rows, scalars = snap
        for name, row in zip(self._ROW, rows, strict=True):
            arr = getattr(self, name)
            if len(row) < self.width:
                arr[t, : len(row)] = row
                arr[t, len(row) :] = _BIG if name == "pen" else 0
            else:
                arr[t] = row[: self.width]
        self.used_l[t], self.used_kg[t], self.used_n[t], self.cost[t], self.times[t] = scalars
