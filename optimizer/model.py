"""The optimizer's own problem and plan model: plain, immutable, built around integer matrices.

Every place (depot, stop, disposal site) refers to a *location*: a row of the problem's
`distance_m` and `duration_s` matrices. Times are integer seconds (since midnight of the plan
day, or since any origin the caller chooses, used consistently). Distances are metres; volumes
litres; weights kilograms. Benchmark readers put their instance units in the same fields (the
CVRPLIB reader: EUC_2D units and demand units) and say so in `Problem.units`.

Objective units are distance units: a vehicle's `fixed_cost` and a stop's `prize` are "worth
that many metres of driving".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.errors import ProblemError

#: A time far in the future: "no limit" for windows and shifts (about 31 years in seconds).
NO_LIMIT_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Depot:
    """Where vehicles start and end their day."""

    id: str
    location: int


@dataclass(frozen=True, slots=True)
class DisposalSite:
    """A landfill or transfer station: a vehicle unloads there and goes on."""

    id: str
    location: int
    unload_s: int = 0
    open_s: int = 0
    close_s: int = NO_LIMIT_S
    fractions: frozenset[str] | None = None  # None: accepts every fraction


@dataclass(frozen=True, slots=True)
class Stop:
    """A container to empty. `prize` matters only when `required` is False."""

    id: str
    location: int
    volume_l: int = 0
    weight_kg: int = 0
    service_s: int = 0
    window_start_s: int = 0
    window_end_s: int = NO_LIMIT_S  # latest service start
    required: bool = True
    prize: int = 0
    fraction: str | None = None


@dataclass(frozen=True, slots=True)
class Break:
    """A break of `duration_s` that starts between `earliest_start_s` and `latest_start_s`."""

    earliest_start_s: int
    latest_start_s: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One truck and its crew for the day. `None` limits mean "no limit"."""

    id: str
    depot: int  # index into Problem.depots
    capacity_l: int
    capacity_kg: int | None = None
    shift_start_s: int = 0
    shift_end_s: int = NO_LIMIT_S
    lunch: Break | None = None
    max_stops: int | None = None
    max_volume_l_per_day: int | None = None
    max_weight_kg_per_day: int | None = None
    fractions: frozenset[str] | None = None  # None: carries every fraction
    fixed_cost: int = 0
    #: Where the route ends, if not back at `depot` (index into Problem.depots). Only the
    #: decomposition's trip regions use it (`optimizer.trips`): a block of trips runs from
    #: one fixed place to another.
    end_depot: int | None = None

    @property
    def end(self) -> int:
        return self.depot if self.end_depot is None else self.end_depot


@dataclass(frozen=True, slots=True)
class Problem:
    """A routing problem: places, vehicles and square integer matrices over locations.

    Without disposal sites a vehicle makes one trip and unloads at its depot (classic CVRP).
    With disposal sites it unloads at any of them, as often as it likes, and must unload
    before it returns to the depot.
    """

    distance_m: np.ndarray  # (L, L) int64
    duration_s: np.ndarray  # (L, L) int64, travel time only (service times are on the stops)
    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    disposal_sites: tuple[DisposalSite, ...] = ()
    name: str = "problem"
    units: str = "m, s, l, kg"

    def __post_init__(self) -> None:
        validate_problem(self)

    @property
    def n_locations(self) -> int:
        return int(self.distance_m.shape[0])

    def restrict(self, stop_indices: list[int], vehicle_indices: list[int]) -> Problem:
        """The same problem with only some stops and vehicles (matrices shared, not copied)."""
        return Problem(
            distance_m=self.distance_m,
            duration_s=self.duration_s,
            depots=self.depots,
            stops=tuple(self.stops[i] for i in stop_indices),
            vehicles=tuple(self.vehicles[v] for v in vehicle_indices),
            disposal_sites=self.disposal_sites,
            name=self.name,
            units=self.units,
        )


def validate_problem(p: Problem) -> None:
    """Raise `ProblemError` naming the first inconsistency found."""
    dist, dur = p.distance_m, p.duration_s
    if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.shape != dur.shape:
        raise ProblemError(
            f"matrices must be square and equal in shape, got {dist.shape}, {dur.shape}"
        )
    n = dist.shape[0]
    places = [("depot", d.id, d.location) for d in p.depots]
    places += [("stop", s.id, s.location) for s in p.stops]
    places += [("disposal site", s.id, s.location) for s in p.disposal_sites]
    for kind, ident, loc in places:
        if not 0 <= loc < n:
            raise ProblemError(f"{kind} {ident}: location {loc} outside the {n}x{n} matrix")
    if not p.vehicles:
        raise ProblemError("problem has no vehicles")
    for v in p.vehicles:
        for index in (v.depot, v.end):
            if not 0 <= index < len(p.depots):
                raise ProblemError(f"vehicle {v.id}: depot index {index} does not exist")
        if v.capacity_l < 0 or v.shift_end_s < v.shift_start_s:
            raise ProblemError(f"vehicle {v.id}: negative capacity or shift ends before start")
    for s in p.stops:
        if min(s.volume_l, s.weight_kg, s.service_s, s.prize) < 0:
            raise ProblemError(f"stop {s.id}: negative volume, weight, service time or prize")
        if s.window_end_s < s.window_start_s:
            raise ProblemError(f"stop {s.id}: time window ends before it starts")
    ids = [s.id for s in p.stops]
    if len(set(ids)) != len(ids):
        raise ProblemError("stop ids are not unique")


@dataclass(frozen=True, slots=True)
class PlanParams:
    """How hard to try. `time_limit_s` is wall-clock for the whole `plan_routes` call."""

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1  # processes for large instances (decomposition); 1 = in-process only
    check: bool = True  # run the independent checker; a failing plan raises PlanCheckError
    allow_unserved_required: bool = False  # else an unserved required stop raises
    log_progress: bool = False
    # a budget that does not depend on the machine's load: with it, one OR-Tools search on
    # one core from our own first solution (any size), stopped after this many solutions;
    # the same problem and seed then give the same plan. `time_limit_s` stays as a safety
    # net only (set it well above what the budget needs). None: the wall-clock search.
    solution_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """One call on a route. `kind` is "stop" or "disposal"; `index` points into the problem's
    stops or disposal_sites. Loads are on board after the visit (0 after an unload)."""

    kind: str
    index: int
    id: str
    arrival_s: int
    start_s: int
    departure_s: int
    load_l: int
    load_kg: int


@dataclass(frozen=True, slots=True)
class Route:
    """A vehicle's day: leave the depot, the visits in order, come back."""

    vehicle: int  # index into Problem.vehicles
    vehicle_id: str
    visits: tuple[Visit, ...]
    start_s: int  # leaves the depot
    end_s: int  # back at the depot
    distance_m: int
    duration_s: int
    break_start_s: int | None = None


@dataclass(frozen=True, slots=True)
class Unserved:
    """A stop left out of the plan, and why."""

    stop: int
    stop_id: str
    required: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The solver's answer. `objective` = distance + fixed costs + prizes of unserved stops."""

    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    distance_m: int
    duration_s: int
    objective: int
    status: str  # "feasible" (checked), "partial" (required stops unserved), "unchecked"
    runtime_s: float
    first_feasible_s: float | None
    stats: dict = field(default_factory=dict)

    @property
    def vehicles_used(self) -> int:
        return sum(1 for r in self.routes if r.visits)
