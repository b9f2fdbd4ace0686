"""Turn one day's chosen containers of one fraction into an optimizer `Problem`, and solve it.

Locations are: the depots, the disposal sites, then the chosen containers, in that order.
Times are seconds since local midnight of the plan day. Every strategy goes through this same
code, so differences in km come from what each strategy chooses, not from how it is routed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from domain import Fraction
from domain.service_calendar import DEFAULT_SHIFT, Shift
from domain.units import DENSITY_KG_PER_L
from optimizer import (
    Break,
    Depot,
    DisposalSite,
    HaversineProvider,
    Plan,
    PlanParams,
    Problem,
    Stop,
    Vehicle,
    plan_routes,
)
from optimizer.model import NO_LIMIT_S
from planning.problem import RoutingSettings
from simulator.city import City

SHIFT_START_S = DEFAULT_SHIFT.start_s  # 07:00, the calendar's default shift
SHIFT_END_S = DEFAULT_SHIFT.end_s  # 15:30
LUNCH = Break(11 * 3600 + 1800, 12 * 3600 + 1800, 1800)  # in shifts that last past its window
UNLOAD_S = 1200
#: What a truck on the road costs in the objective, in metres of driving: the service's own
#: setting (`planning.problem.RoutingSettings`), so the trial routes as the service does.
VEHICLE_FIXED_COST = RoutingSettings().vehicle_fixed_cost_m
log = logging.getLogger(__name__)
MATRIX = HaversineProvider(detour_factor=1.35, speed_kmh=25.0)


def use_matrix_provider(provider):
    """Route with `provider` (`matrices(points)`, e.g. `optimizer.OsrmTableProvider`) from now
    on; returns the previous one. Trial workers started afterwards (forked) inherit it."""
    global MATRIX
    previous, MATRIX = MATRIX, provider
    return previous


@dataclass(frozen=True, slots=True)
class StopChoice:
    """A container a strategy wants emptied today, with its expected volume."""

    container: int  # index into city.containers
    volume_l: float
    required: bool = True
    prize: int = 0
    window_start_s: int = 0  # earliest service start (s since midnight); 0: none
    window_end_s: int | None = None  # latest service start; None: none


#: Timing windows (`simulator.trial.strategies.timing_window`): a container that would fill
#: again before the next chance even if emptied now (before a weekend or holiday) is reached
#: in the afternoon; one that is nearly full is reached in the morning.
LATE_WINDOW_START_S = 11 * 3600
EARLY_WINDOW_END_S = 11 * 3600


@dataclass(frozen=True, slots=True)
class DayRoutes:
    """What was driven for one fraction on one day."""

    fraction: Fraction
    served: dict[int, int]  # container index -> service start (s since midnight)
    unserved_required: list[int]
    distance_m: int
    driving_s: int
    route_s: int
    routes: int
    disposal_trips: int
    solve_s: float
    paths: list[list[tuple[float, float]]]  # (lat, lon) per route, for the map
    failed: bool = False  # the optimizer raised on every attempt
    haul_m: int = 0  # of distance_m: legs from or to a depot or disposal site


def build_problem(city: City, fraction: Fraction, choices: list[StopChoice],
                  vehicle_indices: list[int] | None = None,
                  shift: Shift = DEFAULT_SHIFT) -> Problem:
    """The routing problem of one fraction's choices (vehicles that carry that fraction, or
    the given ones), in the day's shift (the calendar's); lunch only in a shift that lasts
    past the lunch window."""
    lunch = LUNCH if shift.end_s >= LUNCH.latest_start_s + LUNCH.duration_s else None
    points = [d.location for d in city.depots] + [s.location for s in city.disposal_sites]
    points += [city.containers[c.container].location for c in choices]
    distance, duration = MATRIX.matrices(points)
    n_dep, n_sites = len(city.depots), len(city.disposal_sites)
    density = DENSITY_KG_PER_L[fraction]
    stops = tuple(
        Stop(id=city.containers[c.container].external_id, location=n_dep + n_sites + i,
             volume_l=int(round(c.volume_l)), weight_kg=int(round(c.volume_l * density)),
             service_s=city.containers[c.container].service_time_s,
             required=c.required, prize=int(c.prize), fraction=fraction.value,
             window_start_s=int(c.window_start_s),
             **({} if c.window_end_s is None else {"window_end_s": int(c.window_end_s)}))
        for i, c in enumerate(choices))
    vehicles = tuple(
        Vehicle(id=v.name, depot=v.depot, capacity_l=int(v.capacity_l),
                capacity_kg=int(v.capacity_kg), shift_start_s=shift.start_s,
                shift_end_s=shift.end_s, lunch=lunch, fixed_cost=VEHICLE_FIXED_COST)
        for i, v in enumerate(city.vehicles)
        if (v.fraction is fraction if vehicle_indices is None else i in vehicle_indices))
    return Problem(
        distance_m=distance, duration_s=duration,
        depots=tuple(Depot(d.name, i) for i, d in enumerate(city.depots)),
        stops=stops, vehicles=vehicles,
        disposal_sites=tuple(DisposalSite(
            s.name, n_dep + i, unload_s=UNLOAD_S if s.unload_s is None else s.unload_s,
            open_s=s.open_s or 0, close_s=NO_LIMIT_S if s.close_s is None else s.close_s)
            for i, s in enumerate(city.disposal_sites)),
        name=f"{city.name}-{fraction.value}")


def time_limit_for(n_stops: int, per_100_stops_s: float, cap_s: float) -> float:
    """A short solver limit that grows with the day's size."""
    return float(min(cap_s, max(0.5, per_100_stops_s * n_stops / 100.0)))


@dataclass(frozen=True, slots=True)
class SolverBudget:
    """How hard each routing problem of a trial is searched. By default a solution count
    (`PlanParams.solution_limit`): the same trial gives the same figures however loaded the
    machine is. With `seconds_per_100_stops` set, the wall-clock limit of earlier trials
    instead (figures then vary by a few per cent from run to run)."""

    solutions_per_100_stops: float = 60.0
    min_solutions: int = 20
    max_solutions: int = 100
    seconds_per_100_stops: float | None = None
    max_seconds: float = 5.0
    safety_net_s: float = 900.0  # with a solution count: a limit that should never bind

    @property
    def deterministic(self) -> bool:
        return self.seconds_per_100_stops is None

    def params(self, n_stops: int, seed: int) -> PlanParams:
        """The optimizer's parameters for a problem of `n_stops` stops."""
        if self.seconds_per_100_stops is not None:
            return PlanParams(time_limit_s=time_limit_for(n_stops, self.seconds_per_100_stops,
                                                          self.max_seconds),
                              seed=seed, allow_unserved_required=True)
        count = round(self.solutions_per_100_stops * n_stops / 100.0)
        return PlanParams(time_limit_s=self.safety_net_s, seed=seed,
                          allow_unserved_required=True,
                          solution_limit=int(min(self.max_solutions,
                                                 max(self.min_solutions, count))))


#: Larger days are split into sectors around the centre, each with its share of the trucks.
MAX_STOPS_PER_PROBLEM = 180


def solve_day(city: City, fraction: Fraction, choices: list[StopChoice],
              budget: SolverBudget = SolverBudget(), seed: int = 0,
              shift: Shift = DEFAULT_SHIFT) -> DayRoutes:
    """Plan one fraction's day (in sectors if it is large) and summarise what was driven."""
    k = -(-len(choices) // MAX_STOPS_PER_PROBLEM)
    vehicles = [i for i, v in enumerate(city.vehicles) if v.fraction is fraction]
    if k <= 1 or len(vehicles) < 2:
        return _solve_part(city, fraction, choices, budget, seed, None, shift)
    k = min(k, len(vehicles))
    angle = np.array([np.arctan2(city.containers[c.container].location.lat - city.centre.lat,
                                 city.containers[c.container].location.lon - city.centre.lon)
                      for c in choices])
    order = np.argsort(angle, kind="stable")
    parts = [[choices[i] for i in chunk] for chunk in np.array_split(order, k)]
    fleets = np.array_split(np.array(vehicles), k)
    done = [_solve_part(city, fraction, part, budget, seed, list(map(int, fleet)), shift)
            for part, fleet in zip(parts, fleets, strict=True)]
    return DayRoutes(fraction, {c: t for d in done for c, t in d.served.items()},
                     [c for d in done for c in d.unserved_required],
                     sum(d.distance_m for d in done), sum(d.driving_s for d in done),
                     sum(d.route_s for d in done), sum(d.routes for d in done),
                     sum(d.disposal_trips for d in done), sum(d.solve_s for d in done),
                     [p for d in done for p in d.paths], any(d.failed for d in done),
                     sum(d.haul_m for d in done))


def _solve_part(city: City, fraction: Fraction, choices: list[StopChoice],
                budget: SolverBudget, seed: int, vehicles: list[int] | None,
                shift: Shift) -> DayRoutes:
    """Solve; if timing windows leave required stops unserved, drop the windows of those
    stops (then of all) and solve again, keeping the plan that serves the most required."""
    best = _solve_once(city, fraction, choices, budget, seed, vehicles, shift)
    solve_s = best.solve_s
    for attempt in range(2):
        windowed = [c for c in choices if c.window_start_s or c.window_end_s is not None]
        if not best.unserved_required or not windowed:
            break
        unserved = set(best.unserved_required)
        choices = [replace(c, window_start_s=0, window_end_s=None)
                   if attempt or c.container in unserved else c for c in choices]
        again = _solve_once(city, fraction, choices, budget, seed, vehicles, shift)
        solve_s += again.solve_s
        if len(again.unserved_required) < len(best.unserved_required):
            best = again
    return replace(best, solve_s=solve_s)


def _solve_once(city: City, fraction: Fraction, choices: list[StopChoice],
                budget: SolverBudget, seed: int, vehicles: list[int] | None,
                shift: Shift) -> DayRoutes:
    if not choices:
        return DayRoutes(fraction, {}, [], 0, 0, 0, 0, 0, 0.0, [])
    problem = build_problem(city, fraction, choices, vehicles, shift)
    t0 = time.perf_counter()
    plan = None
    for attempt in range(3):  # the optimizer is young: a crash on one seed, try others
        try:
            plan = plan_routes(problem, budget.params(len(problem.stops),
                                                      seed + 1000 * attempt))
            break
        except Exception:
            log.error("optimizer failed on %s (%d stops) with seed %d", problem.name,
                      len(problem.stops), seed + 1000 * attempt, exc_info=attempt == 0)
    if plan is None:  # counted as a solver failure: nothing driven, required stops unserved
        return DayRoutes(fraction, {}, [c.container for c in choices if c.required], 0, 0, 0,
                         0, 0, time.perf_counter() - t0, [], failed=True)
    solve_s = time.perf_counter() - t0
    return summarise(city, problem, plan, choices, fraction, solve_s)


def _location_of(problem: Problem, visit) -> int:
    if visit.kind == "stop":
        return problem.stops[visit.index].location
    return problem.disposal_sites[visit.index].location


def summarise(city: City, problem: Problem, plan: Plan, choices: list[StopChoice],
              fraction: Fraction, solve_s: float) -> DayRoutes:
    served: dict[int, int] = {}
    driving = trips = used = haul = 0
    hub = len(city.depots) + len(city.disposal_sites)  # locations below this: depot or site
    paths = []
    n_dep = len(city.depots)
    coords = [d.location for d in city.depots] + [s.location for s in city.disposal_sites]
    coords += [city.containers[c.container].location for c in choices]
    for route in plan.routes:
        if not route.visits:
            continue
        used += 1
        depot = problem.depots[problem.vehicles[route.vehicle].depot].location
        seq = [depot] + [_location_of(problem, v) for v in route.visits] + [depot]
        driving += int(sum(problem.duration_s[a, b] for a, b in zip(seq, seq[1:], strict=False)))
        haul += int(sum(problem.distance_m[a, b] for a, b in zip(seq, seq[1:], strict=False)
                        if a < hub or b < hub))
        paths.append([(coords[i].lat, coords[i].lon) for i in seq])
        for v in route.visits:
            if v.kind == "stop":
                served[choices[v.index].container] = v.start_s
            else:
                trips += 1
    unserved_required = [choices[u.stop].container for u in plan.unserved if u.required]
    route_s = sum(r.duration_s for r in plan.routes if r.visits)
    del n_dep
    return DayRoutes(fraction, served, unserved_required, int(plan.distance_m), driving,
                     int(route_s), used, trips, solve_s, paths, haul_m=haul)


def expected_volumes(levels_l: np.ndarray, margin: float = 1.1) -> np.ndarray:
    """What a planner loads a truck for: the estimate plus a margin."""
    return levels_l * margin
