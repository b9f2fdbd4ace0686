"""Forecast and selection: pure (imports only `domain`, `optimizer`, numpy and the stdlib), so
the service and the simulator's offline trial use the very same logic.

Public API:
- Forecast (planning.forecast, planning.fleet): `ContainerHistory` (input), `ForecastConfig`,
  `forecast_fleet(containers, histories, at_s, tz, config) -> {container_id: Forecast}`;
  `Forecast.fill_at(t_s)`, `Forecast.full_at()` (uCIFI forecastFullDate),
  `Forecast.average_filling_speed` (uCIFI averageFillingSpeed, fraction per day),
  `Forecast.health` ("stale", "stuck", "low-battery", "no-readings"), `Forecast.method`.
- Selection (planning.selection): `SelectionPolicy` (rule "risk", the default, or "level"),
  `Alarms`, `Decision`, `select_containers(forecasts, plan_date, tz, policy, service_time=,
  alarms=, uncertainties=, locations=, groups=, chances=)`, `next_collection_day`,
  `coming_collection_days`.
- Overflow risk (planning.risk): `learn_uncertainties(forecasts, histories, fractions, past=)`,
  `past_forecasts`, `overflow_probability(forecast, uncertainty, t_s)`, `Uncertainty`,
  `RiskConfig`, `prior_uncertainty`; the day profile: `planning.forecast.learn_day_profile`.
- The risk rule over the coming chances (planning.horizon): `Chance`, `Outlook`, `outlooks`,
  `visit_costs`, `insertion_costs_m`, `prize_of`.
- Area days (planning.areas): `container_area_days(containers, visits_per_week, weekdays)`,
  `area_weekdays`, `weekday_pattern`, `group_areas`, `promote_area_day`; `select_containers`
  takes the mapping as `area_days=`.
- Routing problem (planning.problem): `build_problem(...) -> RoutingInput`, `RoutingSettings`,
  `PlanningInputError`.
- Container files (planning.container_files): `read_container_file`, `parse_geojson`,
  `parse_csv`, `ContainerFileError`.
- Low level: `fit_history`, `rise_between` (planning.forecast), `hampel_outliers`,
  `find_emptyings`, `theil_sen_slope` (planning.signal).
"""

from planning.areas import (
    area_weekdays,
    container_area_days,
    group_areas,
    promote_area_day,
    weekday_pattern,
)
from planning.fleet import forecast_fleet, utc_offset_s
from planning.forecast import (
    ContainerHistory,
    Fit,
    Forecast,
    ForecastConfig,
    fit_history,
    rise_between,
)
from planning.selection import (
    Alarms,
    Decision,
    SelectionPolicy,
    next_collection_day,
    select_containers,
)

__all__ = [
    "Alarms",
    "area_weekdays",
    "container_area_days",
    "group_areas",
    "promote_area_day",
    "weekday_pattern",
    "ContainerHistory",
    "Decision",
    "Fit",
    "Forecast",
    "ForecastConfig",
    "SelectionPolicy",
    "fit_history",
    "forecast_fleet",
    "next_collection_day",
    "rise_between",
    "select_containers",
    "utc_offset_s",
]
