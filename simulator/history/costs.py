"""What a strategy's driving costs: diesel, CO2 and euros, with the factors spelled out (every
factor is a setting; the report prints the ones used)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from simulator.trial.metrics import StrategyResult


@dataclass(frozen=True)
class CostFactors:
    diesel_l_per_km: float = 0.55  # a 26 t crane truck in town, driving
    diesel_l_per_lift: float = 0.15  # the crane and compactor, per container lifted
    co2_kg_per_diesel_l: float = 2.64  # tank to wheel
    euro_per_km: float = 0.90  # fuel excluded: tyres, maintenance
    euro_per_diesel_l: float = 1.60
    euro_per_crew_hour: float = 90.0  # driver and loader
    euro_per_truck_day: float = 240.0  # depreciation, insurance, per truck on the road

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class StrategyCosts:
    km: float
    route_h: float
    truck_days: int
    lifts: int
    diesel_l: float
    co2_kg: float
    euro: float


def strategy_costs(r: StrategyResult, lifts: int, f: CostFactors) -> StrategyCosts:
    km = r.km
    route_h = r.route_s / 3600.0
    diesel = km * f.diesel_l_per_km + lifts * f.diesel_l_per_lift
    euro = (km * f.euro_per_km + diesel * f.euro_per_diesel_l + route_h * f.euro_per_crew_hour
            + r.routes * f.euro_per_truck_day)
    return StrategyCosts(km, route_h, r.routes, lifts, diesel, diesel * f.co2_kg_per_diesel_l,
                         euro)
