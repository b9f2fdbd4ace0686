"""From containers, decisions and fleet to the optimizer's `Problem`, and back to times.

Times in the problem are wall-clock seconds since local midnight of the plan day. Volumes are
litres of loose waste: a container's forecast fill at service times its volume (at most full);
a vehicle's capacity is its body volume times its compaction ratio. Weights use the fraction's
bulk density. Prizes and fixed costs are in metres of driving (the optimizer's objective).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain import Container, Depot, DisposalSite, Fraction, Vehicle
from domain.units import DENSITY_KG_PER_L
from optimizer import Break, HaversineProvider, Problem, Stop
from optimizer import Depot as ODepot
from optimizer import DisposalSite as ODisposalSite
from optimizer import Vehicle as OVehicle
from planning.selection import Decision


class PlanningInputError(ValueError):
    """The inputs cannot make a routing problem (no vehicles, a vehicle without its depot)."""


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    vehicle_fixed_cost_m: int = 20_000  # a vehicle used is worth this much driving
    max_fill: float = 1.0  # a container never holds more than this share of its volume


@dataclass(frozen=True, slots=True)
class RoutingInput:
    """The problem, and how its indices map back to our ids."""

    problem: Problem
    plan_date: date
    timezone: str
    stop_container_ids: tuple[int, ...]
    vehicle_ids: tuple[int, ...]
    depot_ids: tuple[int, ...]
    site_ids: tuple[int, ...]

    def to_datetime(self, seconds: int) -> datetime:
        """A problem time (seconds since local midnight, wall clock) as an aware UTC time."""
        midnight = datetime.combine(self.plan_date, time(0), ZoneInfo(self.timezone))
        return (midnight + timedelta(seconds=int(seconds))).astimezone(UTC)


def _seconds(t: time | None) -> int | None:
    return None if t is None else t.hour * 3600 + t.minute * 60 + t.second


def build_problem(plan_date: date, timezone: str, fraction: Fraction,
                  containers: Mapping[int, Container], decisions: Sequence[Decision],
                  vehicles: Sequence[Vehicle], depots: Sequence[Depot],
                  sites: Sequence[DisposalSite], provider=None,
                  settings: RoutingSettings = RoutingSettings()) -> RoutingInput:
    """The routing problem of the must and optional decisions (skips are left out)."""
    if not vehicles:
        raise PlanningInputError(f"no active vehicle may carry {fraction}: add one with "
                                 f"`wasteroute fleet vehicles add`")
    provider = provider or HaversineProvider()
    depot_by_id = {d.id: d for d in depots}
    used_depots = sorted({v.depot_id for v in vehicles})
    missing = [d for d in used_depots if d not in depot_by_id]
    if missing:
        raise PlanningInputError(f"vehicles refer to unknown depots {missing}")
    chosen = [d for d in decisions if d.decision != "skip"]
    points = [depot_by_id[d].location for d in used_depots]
    points += [containers[d.container_id].location for d in chosen]
    points += [s.location for s in sites]
    distance, duration = provider.matrices(points)
    n_dep, n_stop = len(used_depots), len(chosen)
    density = DENSITY_KG_PER_L[fraction]
    stops = tuple(_stop(containers[d.container_id], d, n_dep + i, density, fraction, settings)
                  for i, d in enumerate(chosen))
    o_vehicles = tuple(_vehicle(v, used_depots.index(v.depot_id), settings) for v in vehicles)
    o_sites = tuple(ODisposalSite(id=str(s.id), location=n_dep + n_stop + k,
                                  unload_s=s.unload_time_s)
                    for k, s in enumerate(sites))
    problem = Problem(distance_m=distance, duration_s=duration,
                      depots=tuple(ODepot(id=str(d), location=k)
                                   for k, d in enumerate(used_depots)),
                      stops=stops, vehicles=o_vehicles, disposal_sites=o_sites,
                      name=f"{plan_date.isoformat()}-{fraction}")
    return RoutingInput(problem=problem, plan_date=plan_date, timezone=timezone,
                        stop_container_ids=tuple(d.container_id for d in chosen),
                        vehicle_ids=tuple(v.id for v in vehicles),
                        depot_ids=tuple(used_depots), site_ids=tuple(s.id for s in sites))


def _stop(c: Container, d: Decision, location: int, density: float, fraction: Fraction,
          settings: RoutingSettings) -> Stop:
    fill = min(max(d.fill_at_service, 0.0), settings.max_fill)
    volume = round(c.volume_l * fill)
    start, end = _seconds(c.open_from), _seconds(c.open_until)
    window = {}
    if start is not None:
        window["window_start_s"] = start
    if end is not None:
        window["window_end_s"] = max(end - c.service_time_s, start or 0)
    return Stop(id=str(c.id), location=location, volume_l=volume,
                weight_kg=round(volume * density), service_s=c.service_time_s,
                required=d.decision == "must", prize=d.prize_m if d.decision == "optional" else 0,
                fraction=str(fraction), **window)


def _vehicle(v: Vehicle, depot_index: int, settings: RoutingSettings) -> OVehicle:
    lunch = None
    if v.break_start_earliest is not None and v.break_start_latest is not None \
            and v.break_duration_s > 0:
        lunch = Break(earliest_start_s=_seconds(v.break_start_earliest),
                      latest_start_s=_seconds(v.break_start_latest),
                      duration_s=v.break_duration_s)
    return OVehicle(id=str(v.id), depot=depot_index,
                    capacity_l=round(v.capacity_l * v.compaction_ratio),
                    capacity_kg=round(v.capacity_kg), shift_start_s=_seconds(v.shift_start),
                    shift_end_s=_seconds(v.shift_end), lunch=lunch, max_stops=v.max_stops,
                    max_weight_kg_per_day=None if v.max_load_kg_per_day is None
                    else round(v.max_load_kg_per_day),
                    fixed_cost=settings.vehicle_fixed_cost_m)
