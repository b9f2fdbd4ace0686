"""Trip regions: re-optimise a few neighbouring trips of different trucks at once.

A truck's day with disposal sites is a chain of trips (stops, then an unload). A whole day
often holds 100-200 stops, so a region of two whole days (`optimizer.decompose`) is large and
slow, and the two days it pairs may meet only at their edges. A trip region instead takes
the trips nearest a random trip, whichever trucks drive them, and lets OR-Tools move stops
between them:

- each truck's trips in the region form one block (the trips in between are added, so a
  block is contiguous); the rest of its day stays as it is;
- a block becomes a vehicle of its own (`block_vehicle`): it leaves where the previous trip
  unloaded (or the depot) no earlier than it does now, and must reach the first stop of the
  next trip (or the depot) by the latest time from which the rest of the day still works
  (found by bisection over the day's own schedule, `greedy.evaluate`'s rules); its capacity
  for the day is what the rest of the day leaves; it has the lunch break if the block holds
  it now;
- the new blocks are put back into their days, and every changed day is scheduled again by
  `greedy.evaluate`. The region is kept only if every day is feasible and the total is
  cheaper, so an approximation in the block model can cost an improvement, never a fault.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from optimizer.greedy import Clock, Context, advance, evaluate, finish_day
from optimizer.model import Break, Depot, Problem, Vehicle
from optimizer.nodes import site_of

#: A trip region holds at least this many trips (they may belong to fewer trucks).
MIN_REGION_TRIPS = 3


@dataclass(frozen=True)
class Block:
    """Codes `lo` to `hi` (exclusive) of vehicle `v`'s route: whole trips, each ending with
    its unload (the last one's unload included)."""

    v: int
    lo: int
    hi: int


def trip_bounds(route: list[int]) -> list[tuple[int, int]]:
    """(first, end) code positions of each trip: stops followed by their unload."""
    out, start = [], 0
    for i, code in enumerate(route):
        if code < 0:
            if i > start:
                out.append((start, i + 1))
            start = i + 1
    if start < len(route):
        out.append((start, len(route)))
    return out


def pick_trip_regions(
    problem: Problem,
    routes: list[list[int]],
    rng,
    workers: int,
    size: int,
    taken: set[int] | None = None,
) -> list[list[Block]]:
    """Up to `workers` regions with no truck in common and none in `taken`: a random seed
    trip and the trips nearest to it, about `size` stops and at least `MIN_REGION_TRIPS`
    trips."""
    trips = [
        (v, lo, hi, [c for c in routes[v][lo:hi] if c >= 0])
        for v, r in enumerate(routes)
        for lo, hi in trip_bounds(r)
    ]
    trips = [t for t in trips if t[3]]
    loc = np.array([s.location for s in problem.stops], dtype=np.int64)
    taken = set() if taken is None else taken
    regions = []
    for _ in range(workers):
        free = [t for t in trips if t[0] not in taken]
        if not free:
            break
        seed = free[int(rng.integers(len(free)))]
        near = problem.distance_m[np.ix_(loc[seed[3]], loc)].min(axis=0)
        order = sorted(free, key=lambda t: float(near[t[3]].mean()))
        chosen, count = [], 0
        for t in order:
            if count >= size and len(chosen) >= MIN_REGION_TRIPS:
                break
            chosen.append(t)
            count += len(t[3])
        by_vehicle: dict[int, list[tuple[int, int]]] = {}
        for v, lo, hi, _ in chosen:
            by_vehicle.setdefault(v, []).append((lo, hi))
        blocks = [
            Block(v, min(lo for lo, _ in spans), max(hi for _, hi in spans))
            for v, spans in sorted(by_vehicle.items())
        ]
        taken.update(by_vehicle)
        regions.append(blocks)
    return regions


def block_vehicle(
    ctx: Context, block: Block, route: list[int], extra_depots: list[Depot]
) -> Vehicle | None:
    """The vehicle that drives `block` of `route` in a region, or None if the day as it is
    cannot be scheduled. Depots for its two ends are appended to `extra_depots`."""
    p = ctx.p
    v, lo, hi = block.v, block.lo, block.hi
    real = p.vehicles[v]
    done = evaluate(ctx, v, route)
    if done is None or done[0] != route:
        return None
    times = done[1]
    prefix, suffix = route[:lo], route[hi:]
    depot_loc = p.depots[real.depot].location
    if prefix:
        site = p.disposal_sites[site_of(prefix[-1])]
        start_loc, leave_s = site.location, times.starts[lo - 1] + site.unload_s
    else:
        start_loc, leave_s = depot_loc, real.shift_start_s
    if suffix:
        end_loc = p.stops[suffix[0]].location
        last = p.disposal_sites[site_of(route[hi - 1])]
        arrive_s = times.starts[hi - 1] + last.unload_s + int(p.duration_s[last.location, end_loc])
    else:
        end_loc, arrive_s = depot_loc, times.depot_return_s
    brk = times.break_start_s
    lunch_in_block = brk is not None and leave_s <= brk < arrive_s
    lunch_before = brk is not None and brk < leave_s
    taken_s = brk if (lunch_in_block or lunch_before) else None
    latest_s = _latest_arrival(ctx, v, end_loc, arrive_s, taken_s, suffix)
    if latest_s is None:
        return None
    lunch = None
    if lunch_in_block and real.lunch is not None:
        lunch = real.lunch
        first, last_ = (
            max(lunch.earliest_start_s, leave_s),
            min(lunch.latest_start_s, latest_s - lunch.duration_s),
        )
        if first <= last_:
            lunch = Break(first, last_, lunch.duration_s)
    rest = prefix + suffix
    rest_l = sum(p.stops[c].volume_l for c in rest if c >= 0)
    rest_kg = sum(p.stops[c].weight_kg for c in rest if c >= 0)
    rest_n = sum(1 for c in rest if c >= 0)
    start = _depot_at(start_loc, extra_depots)
    end = _depot_at(end_loc, extra_depots)
    return replace(
        real,
        id=f"{real.id}/{lo}-{hi}",
        depot=start,
        end_depot=end,
        shift_start_s=leave_s,
        shift_end_s=latest_s,
        lunch=lunch,
        max_stops=None if real.max_stops is None else real.max_stops - rest_n,
        max_volume_l_per_day=_less(real.max_volume_l_per_day, rest_l),
        max_weight_kg_per_day=_less(real.max_weight_kg_per_day, rest_kg),
        fixed_cost=real.fixed_cost if not rest else 0,
    )


def _less(limit: int | None, used: int) -> int | None:
    return None if limit is None else max(0, limit - used)


def _depot_at(loc: int, extra: list[Depot]) -> int:
    """A new depot of the region at `loc`: the region's problem has only these, each the
    start or the end of one block (an unused depot would be a node OR-Tools must visit)."""
    extra.append(Depot(f"trip-end-{len(extra)}", loc))
    return len(extra) - 1


BISECT_S = 30


def _latest_arrival(
    ctx: Context, v: int, loc: int, now_s: int, lunch_s: int | None, suffix: list[int]
) -> int | None:
    """The latest arrival at `loc` from which `suffix` and the way home still fit the day
    (`now_s` if only that works, None if not even that)."""

    def fits(t: int) -> bool:
        c = Clock(loc, t)
        c.brk = lunch_s
        c.starts = [t]  # the day has started: lunch after the return must still fit
        for code in suffix:
            if not advance(ctx.p, v, c, code):
                return False
        return finish_day(ctx.p, v, c) is not None

    if not fits(now_s):
        return None
    lo, hi = now_s, ctx.p.vehicles[v].shift_end_s
    if fits(hi):
        return hi
    while hi - lo > BISECT_S:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def region_problem(p: Problem, vehicles: list[Vehicle], depots: list[Depot], stops: list[int]):
    """The sub-problem of a trip region (matrices shared, not copied)."""
    return Problem(
        distance_m=p.distance_m,
        duration_s=p.duration_s,
        depots=tuple(depots),
        stops=tuple(p.stops[s] for s in stops),
        vehicles=tuple(vehicles),
        disposal_sites=p.disposal_sites,
        name=p.name,
        units=p.units,
    )


def splice(
    ctx: Context, routes: list[list[int]], blocks: list[Block], new_blocks: list[list[int]]
) -> dict[int, tuple[list[int], object]] | None:
    """Each block's new codes put back into its day, every day scheduled again:
    {vehicle: (route, times)}, or None if any day no longer works."""
    out = {}
    for b, codes in zip(blocks, new_blocks, strict=True):
        route = routes[b.v][: b.lo] + list(codes) + routes[b.v][b.hi :]
        done = evaluate(ctx, b.v, route)
        if done is None:
            return None
        out[b.v] = done
    return out
