"""What a trial measures per strategy, day by day (`DayFigures`), and the summary figures of
the report: km, route hours and trucks used (truck-days) beside collections, fill at emptying
and overflows. Timings (solve and select seconds) are the only figures that differ between two
runs of the same trial."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One strategy's figures of one day (all zero but overflows on a day without service)."""

    date: date
    service_day: bool
    km: float
    haul_km: float
    route_h: float
    driving_h: float
    trucks: int  # routes driven (a truck on the road that day)
    collections: int
    avg_fill_at_emptying: float
    overflow_container_days: int
    overflow_l: float
    disposal_trips: int
    unserved_required: int

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "service_day": self.service_day,
                "km": round(self.km, 2), "haul_km": round(self.haul_km, 2),
                "route_h": round(self.route_h, 3), "driving_h": round(self.driving_h, 3),
                "trucks": self.trucks, "collections": self.collections,
                "avg_fill_at_emptying": round(self.avg_fill_at_emptying, 4),
                "overflow_container_days": self.overflow_container_days,
                "overflow_l": round(self.overflow_l, 1), "disposal_trips": self.disposal_trips,
                "unserved_required": self.unserved_required}


@dataclass
class StrategyResult:
    """Day-by-day record of one strategy. Summary figures are properties."""

    name: str
    dates: list[date] = field(default_factory=list)
    km_per_day: list[float] = field(default_factory=list)
    haul_m: int = 0  # driven from or to a depot or disposal site
    driving_s: int = 0
    route_s: int = 0
    routes: int = 0
    disposal_trips: int = 0
    service_days: int = 0
    fills_at_emptying: list[float] = field(default_factory=list)
    container_days: int = 0
    overflow_container_days: int = 0
    overflow_l: float = 0.0
    collected_l: float = 0.0  # litres emptied (fill at emptying × volume)
    unserved_required: int = 0
    solve_s: float = 0.0
    solver_failures: int = 0
    select_s: float = 0.0
    paths_by_day: dict[int, list] = field(default_factory=dict)
    days: list[DayFigures] = field(default_factory=list)

    def add_day(self, d: int, day: date, service_day: bool, routes, fills, overflow) -> None:
        self.days.append(DayFigures(
            date=day, service_day=service_day,
            km=sum(r.distance_m for r in routes) / 1000.0,
            haul_km=sum(r.haul_m for r in routes) / 1000.0,
            route_h=sum(r.route_s for r in routes) / 3600.0,
            driving_h=sum(r.driving_s for r in routes) / 3600.0,
            trucks=sum(r.routes for r in routes), collections=len(fills),
            avg_fill_at_emptying=float(np.mean(fills)) if len(fills) else 0.0,
            overflow_container_days=int(np.count_nonzero(overflow > 1e-6)),
            overflow_l=float(overflow.sum()),
            disposal_trips=sum(r.disposal_trips for r in routes),
            unserved_required=sum(len(r.unserved_required) for r in routes)))
        self.dates.append(day)
        self.km_per_day.append(sum(r.distance_m for r in routes) / 1000.0)
        self.haul_m += sum(r.haul_m for r in routes)
        self.driving_s += sum(r.driving_s for r in routes)
        self.route_s += sum(r.route_s for r in routes)
        self.routes += sum(r.routes for r in routes)
        self.disposal_trips += sum(r.disposal_trips for r in routes)
        self.service_days += int(service_day)
        self.fills_at_emptying.extend(float(f) for f in fills)
        self.container_days += len(overflow)
        self.overflow_container_days += int(np.count_nonzero(overflow > 1e-6))
        self.overflow_l += float(overflow.sum())
        self.unserved_required += sum(len(r.unserved_required) for r in routes)
        self.solve_s += sum(r.solve_s for r in routes)
        self.solver_failures += sum(r.failed for r in routes)
        self.paths_by_day[d] = [p for r in routes for p in r.paths]

    def per_day(self) -> list[dict]:
        """The day-by-day figures, for the JSON."""
        return [d.as_dict() for d in self.days]

    @property
    def km(self) -> float:
        return float(sum(self.km_per_day))

    @property
    def collections(self) -> int:
        return len(self.fills_at_emptying)

    @property
    def avg_fill_at_emptying(self) -> float:
        return float(np.mean(self.fills_at_emptying)) if self.fills_at_emptying else 0.0

    @property
    def service_level(self) -> float:
        if not self.container_days:
            return 1.0
        return 1.0 - self.overflow_container_days / self.container_days

    @property
    def routes_per_day(self) -> float:
        return self.routes / self.service_days if self.service_days else 0.0

    def summary(self) -> dict[str, float]:
        """The report's figures, by name (units in the names)."""
        return {
            "km": round(self.km, 1),
            "haul_km": round(self.haul_m / 1000.0, 1),
            "driving_h": round(self.driving_s / 3600, 1),
            "route_h": round(self.route_s / 3600, 1),
            "truck_days": self.routes,
            "collections": self.collections,
            "avg_fill_at_emptying": round(self.avg_fill_at_emptying, 3),
            "service_level": round(self.service_level, 5),
            "overflow_container_days": self.overflow_container_days,
            "overflow_l": round(self.overflow_l),
            "routes_per_day": round(self.routes_per_day, 1),
            "disposal_trips": self.disposal_trips,
            "unserved_required": self.unserved_required,
            "solve_s": round(self.solve_s, 1),
            "solver_failures": self.solver_failures,
        }
