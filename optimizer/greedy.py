"""A constructive first solution for large rich problems, and a repair round.

`greedy_routes` builds one route per vehicle, vehicle after vehicle: the route starts at the
required stop farthest from the depot that no route has yet (its seed), then repeatedly takes
the unserved stop that is cheapest to reach next (travel + waiting) and close to the seed,
among those that keep the route feasible: capacity (an unload at the best disposal site when
the next stop no longer fits), time windows, daily limits, fractions, the shift including the
last unload and the way back, and the lunch break. So each vehicle works a compact area for
its whole day, and the fleet is used until the required stops run out.

`repair` inserts unserved required stops at the cheapest feasible position of any route
(idle vehicles included). Every route is scheduled by `schedule`, whose rules are the
checker's, so the result is feasible by construction (and `plan_routes` checks it anyway).
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.model import Problem
from optimizer.nodes import disposal_code, site_of
from optimizer.ortools_solve import RouteTimes

#: Weight of "distance from the seed" against "time to the next stop" when choosing; the
#: planner tries each and keeps the cheapest (none is best on every Kim 2006 instance).
SEED_PULLS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6)


class Context:
    """Arrays of one problem, shared by the construction, the repair and `optimizer.trips`."""

    def __init__(self, problem: Problem) -> None:
        p = self.p = problem
        self.dur = p.duration_s
        self.loc = np.array([s.location for s in p.stops], dtype=np.int64)
        self.vol = np.array([s.volume_l for s in p.stops], dtype=np.int64)
        self.kg = np.array([s.weight_kg for s in p.stops], dtype=np.int64)
        self.svc = np.array([s.service_s for s in p.stops], dtype=np.int64)
        self.ws = np.array([s.window_start_s for s in p.stops], dtype=np.int64)
        self.we = np.array([s.window_end_s for s in p.stops], dtype=np.int64)
        self.req = np.array([s.required for s in p.stops], dtype=bool)
        self.site_loc = np.array([d.location for d in p.disposal_sites], dtype=np.int64)
        self._ret: dict[int, np.ndarray] = {}

    def ret(self, depot: int) -> np.ndarray:
        """Per stop: time to get back to this depot location (via the best site)."""
        if depot not in self._ret:
            if len(self.site_loc):
                via = (
                    self.dur[np.ix_(self.loc, self.site_loc)]
                    + np.array([d.unload_s for d in self.p.disposal_sites])[None, :]
                    + self.dur[self.site_loc, depot][None, :]
                )
                self._ret[depot] = via.min(axis=1)
            else:
                self._ret[depot] = self.dur[self.loc, depot]
        return self._ret[depot]

    def compatible(self, v: int) -> np.ndarray:
        fr = self.p.vehicles[v].fractions
        if fr is None:
            return np.ones(len(self.p.stops), dtype=bool)
        return np.array([s.fraction is None or s.fraction in fr for s in self.p.stops])


def _place(p: Problem, code: int) -> tuple[int, int, int, int]:
    """(location, window start, window end, service) of a visit code."""
    if code >= 0:
        s = p.stops[code]
        return s.location, s.window_start_s, s.window_end_s, s.service_s
    d = p.disposal_sites[site_of(code)]
    return d.location, d.open_s, d.close_s, d.unload_s


class Clock:
    """The schedule of a route being built: where, when, and whether lunch was taken."""

    __slots__ = ("here", "dep", "brk", "starts")

    def __init__(self, here: int, dep: int) -> None:
        self.here, self.dep, self.brk, self.starts = here, dep, None, []

    def copy(self) -> Clock:
        c = Clock(self.here, self.dep)
        c.brk, c.starts = self.brk, list(self.starts)
        return c


def advance(p: Problem, v: int, c: Clock, code: int) -> bool:
    """Go to the next visit (taking lunch on the way if it is due); False if infeasible."""
    loc, lo, hi, service = _place(p, code)
    leg = int(p.duration_s[c.here, loc])
    lunch = p.vehicles[v].lunch
    start = max(c.dep + leg, lo)
    if lunch is not None and c.brk is None:
        e, l_, d = lunch.earliest_start_s, lunch.latest_start_s, lunch.duration_s
        if c.dep + leg >= e or start + service > l_:
            b = max(c.dep, e)
            if b > l_:
                return False
            c.brk = b
            start = max(c.dep + leg + d, b + d, lo)
    if start > hi:
        return False
    c.starts.append(start)
    c.dep, c.here = start + service, loc
    return True


def finish_day(p: Problem, v: int, c: Clock) -> int | None:
    """Back at the depot: the return time (lunch after it if still due), None if too late."""
    vehicle = p.vehicles[v]
    depot = p.depots[vehicle.depot].location
    end = c.dep + int(p.duration_s[c.here, depot])
    lunch = vehicle.lunch
    if lunch is not None and c.brk is None and c.starts:
        e, l_, d = lunch.earliest_start_s, lunch.latest_start_s, lunch.duration_s
        if max(end, e) <= l_:
            c.brk = max(end, e)
        elif max(c.dep, e) <= l_:
            c.brk = max(c.dep, e)
            end = max(end + d, c.brk + d)
        else:
            return None
    return end if end <= vehicle.shift_end_s else None


def _best_site(ctx: Context, here: int, toward: int, on_board: set) -> int:
    """The disposal site that accepts the load and is cheapest from here to `toward`."""
    p = ctx.p
    cost = ctx.dur[here, ctx.site_loc] + ctx.dur[ctx.site_loc, toward]
    for k in np.argsort(cost).tolist():
        acc = p.disposal_sites[k].fractions
        if acc is None or on_board <= set(acc):
            return k
    return int(np.argmin(cost))


def evaluate(
    ctx: Context, v: int, route: list[int], keep_last_unload: bool = False
) -> tuple[list[int], RouteTimes] | None:
    """A full route and its schedule, or None if infeasible. The last unload goes to the
    best site for the way home (added if missing), or with `keep_last_unload` stays as given."""
    p = ctx.p
    vehicle = p.vehicles[v]
    depot = p.depots[vehicle.depot].location
    route = list(route)
    kept = route[-1] if keep_last_unload and route and route[-1] < 0 else None
    while route and route[-1] < 0:
        route.pop()
    if kept is not None and route:
        route.append(kept)
    if not route:
        return [], RouteTimes([], vehicle.shift_start_s, vehicle.shift_start_s, None)
    load = kg = n = day_l = day_kg = 0
    on_board: set = set()
    fr = vehicle.fractions
    for code in route:
        if code >= 0:
            s = p.stops[code]
            if fr is not None and s.fraction is not None and s.fraction not in fr:
                return None
            load += s.volume_l
            kg += s.weight_kg
            day_l += s.volume_l
            day_kg += s.weight_kg
            n += 1
            if s.fraction is not None:
                on_board.add(s.fraction)
            if load > vehicle.capacity_l or (
                vehicle.capacity_kg is not None and kg > vehicle.capacity_kg
            ):
                return None
        else:
            acc = p.disposal_sites[site_of(code)].fractions
            if acc is not None and not on_board <= set(acc):
                return None
            load = kg = 0
            on_board = set()
    for limit, value in (
        (vehicle.max_stops, n),
        (vehicle.max_volume_l_per_day, day_l),
        (vehicle.max_weight_kg_per_day, day_kg),
    ):
        if limit is not None and value > limit:
            return None
    if p.disposal_sites and (load or kg):
        here = p.stops[route[-1]].location
        route.append(disposal_code(_best_site(ctx, here, depot, on_board)))
    c = Clock(depot, vehicle.shift_start_s)
    for code in route:
        if not advance(p, v, c, code):
            return None
    end = finish_day(p, v, c)
    if end is None:
        return None
    return route, RouteTimes(c.starts, vehicle.shift_start_s, end, c.brk)


def greedy_routes(
    problem: Problem, deadline: float | None = None, pull: float = 0.0
) -> tuple[list[list[int]], list[RouteTimes | None]]:
    """Routes (visit code) and schedules per vehicle; see the module docstring."""
    ctx = Context(problem)
    p = problem
    n = len(p.stops)
    free = np.ones(n, dtype=bool)
    routes: list[list[int]] = [[] for _ in p.vehicles]
    times: list[RouteTimes | None] = [None] * len(p.vehicles)
    for v in range(len(p.vehicles)):
        if not (free & ctx.req).any() or (deadline is not None and time.monotonic() > deadline):
            break
        route, t = _build_one(ctx, v, free, pull)
        if route:
            routes[v], times[v] = route, t
    return routes, times


def _build_one(
    ctx: Context, v: int, free: np.ndarray, pull_weight: float
) -> tuple[list[int], RouteTimes | None]:
    p = ctx.p
    vehicle = p.vehicles[v]
    depot = p.depots[vehicle.depot].location
    ret = ctx.ret(depot)
    ok = ctx.compatible(v) & free
    req_left = ok & ctx.req
    if not req_left.any():
        return [], None
    cand = np.flatnonzero(req_left)
    seed_loc = int(ctx.loc[cand[np.argmax(ctx.dur[depot, ctx.loc[cand]])]])
    pull = pull_weight * ctx.dur[seed_loc, ctx.loc]
    lunch = vehicle.lunch
    cap_kg = vehicle.capacity_kg if vehicle.capacity_kg is not None else None
    route: list[int] = []
    c = Clock(depot, vehicle.shift_start_s)
    load = kg = n_stops = day_l = day_kg = 0
    on_board: set = set()
    banned = np.zeros(len(p.stops), dtype=bool)
    while True:
        mask = ok & ctx.req & ~banned  # required stops only: optional ones are for the search
        if not mask.any():
            break
        arr = c.dep + ctx.dur[c.here, ctx.loc]
        lunch_left = lunch.duration_s if (lunch is not None and c.brk is None) else 0
        start = np.maximum(arr, ctx.ws)
        late = start + ctx.svc + ret + lunch_left
        feas_t = mask & (start <= ctx.we) & (late <= vehicle.shift_end_s)
        day = np.ones_like(mask)
        if vehicle.max_stops is not None and n_stops + 1 > vehicle.max_stops:
            break
        if vehicle.max_volume_l_per_day is not None:
            day &= day_l + ctx.vol <= vehicle.max_volume_l_per_day
        if vehicle.max_weight_kg_per_day is not None:
            day &= day_kg + ctx.kg <= vehicle.max_weight_kg_per_day
        fits = (load + ctx.vol <= vehicle.capacity_l) & (
            True if cap_kg is None else (kg + ctx.kg <= cap_kg)
        )
        feas = feas_t & day & fits
        if not feas.any():
            if p.disposal_sites and (load or kg) and (feas_t & day).any():
                # unload, then go on if the shift still allows anything
                idx = np.flatnonzero(feas_t & day)
                near = int(ctx.loc[idx[np.argmin(ctx.dur[c.here, ctx.loc[idx]] + pull[idx])]])
                k = _best_site(ctx, c.here, near, on_board)
                trial = c.copy()
                if not advance(p, v, trial, disposal_code(k)):
                    break
                c = trial
                route.append(disposal_code(k))
                load = kg = 0
                on_board = set()
                continue
            break
        idx = np.flatnonzero(feas)
        score = (start[idx] - c.dep) + pull[idx]
        order = idx[np.argsort(score, kind="stable")]
        taken = False
        for s in order[:8].tolist():
            trial = c.copy()
            if not advance(p, v, trial, s):
                banned[s] = True
                continue
            # can we still get home (unload included) from here?
            home = trial.copy()
            if p.disposal_sites:
                fr = p.stops[s].fraction
                ob = on_board | ({fr} if fr is not None else set())
                kk = _best_site(ctx, ctx.loc[s], depot, ob)
                if not advance(p, v, home, disposal_code(kk)):
                    banned[s] = True
                    continue
            if finish_day(p, v, home) is None:
                banned[s] = True
                continue
            c = trial
            route.append(s)
            stop = p.stops[s]
            load += stop.volume_l
            kg += stop.weight_kg
            day_l += stop.volume_l
            day_kg += stop.weight_kg
            n_stops += 1
            if stop.fraction is not None:
                on_board.add(stop.fraction)
            free[s] = False
            ok[s] = False
            taken = True
            break
        if not taken and len(order) <= 8:
            continue  # all banned now; the loop re-evaluates (and may end)
    out = evaluate(ctx, v, route)
    while out is None and route:  # should not happen; drop stops from the end until it fits
        last = route.pop()
        if last >= 0:
            free[last] = True
        out = evaluate(ctx, v, route)
    if out is None or not out[0]:
        return [], None
    return out[0], out[1]


def repair(
    problem: Problem,
    routes: list[list[int]],
    times: list[RouteTimes | None],
    deadline: float | None = None,
    candidates: int = 40,
) -> int:
    """Insert unserved required stops where they fit most cheaply; returns how many."""
    ctx = Context(problem)
    p = problem
    served = {c for r in routes for c in r if c >= 0}
    missing = [s for s in range(len(p.stops)) if p.stops[s].required and s not in served]
    placed = 0
    for s in missing:
        if deadline is not None and time.monotonic() > deadline:
            break
        best = []
        ls = int(ctx.loc[s])
        for v, r in enumerate(routes):
            fr = p.vehicles[v].fractions
            if fr is not None and p.stops[s].fraction is not None and p.stops[s].fraction not in fr:
                continue
            depot = p.depots[p.vehicles[v].depot].location
            core = list(r)
            while core and core[-1] < 0:
                core.pop()
            locs = np.array([depot] + [_place(p, x)[0] for x in core] + [depot], dtype=np.int64)
            dm = p.distance_m
            delta = dm[locs[:-1], ls] + dm[ls, locs[1:]] - dm[locs[:-1], locs[1:]]
            if not core:
                delta = delta + p.vehicles[v].fixed_cost
            for i in np.argsort(delta)[:candidates].tolist():
                best.append((int(delta[i]), v, i))
        best.sort()
        for _, v, i in best[: 3 * candidates]:
            core = list(routes[v])
            while core and core[-1] < 0:
                core.pop()
            for trial in (core[:i] + [s] + core[i:], _with_unload(ctx, core, i, s)):
                if trial is None:
                    continue
                out = evaluate(ctx, v, trial)
                if out is not None:
                    routes[v], times[v] = out
                    placed += 1
                    break
            else:
                continue
            break
    return placed


def _with_unload(ctx: Context, core: list[int], i: int, s: int) -> list[int] | None:
    """Insert s at i with an unload right after it (when the load would not fit)."""
    if not ctx.p.disposal_sites or i >= len(core):
        return None
    here = ctx.p.stops[s].location
    nxt = _place(ctx.p, core[i])[0]
    fr = ctx.p.stops[s].fraction
    k = _best_site(ctx, here, nxt, {fr} if fr else set())
    return core[:i] + [s, disposal_code(k)] + core[i:]


def cost(problem: Problem, routes: list[list[int]]) -> tuple[int, int]:
    """(required stops unserved, distance + fixed costs): how the planner ranks first solutions."""
    served = {c for r in routes for c in r if c >= 0}
    missing = sum(1 for s, st in enumerate(problem.stops) if st.required and s not in served)
    total = sum(
        route_distance(problem, v, r) + problem.vehicles[v].fixed_cost
        for v, r in enumerate(routes)
        if r
    )
    return missing, total


def route_distance(problem: Problem, v: int, route: list[int]) -> int:
    """Metres driven by vehicle `v` from its depot along `route` (visit code) and back."""
    if not route:
        return 0
    depot = problem.depots[problem.vehicles[v].depot].location
    locs = [depot] + [_place(problem, c)[0] for c in route] + [depot]
    return int(problem.distance_m[locs[:-1], locs[1:]].sum())
