"""Forecast and selection: pure (imports only `domain`, `optimizer`, numpy and the stdlib), so
the service and the simulator's offline trial use the very same logic.

Public API:
- Forecast: `ContainerHistory` (input), `ForecastConfig`, `forecast_fleet(containers,
  histories, at_s, tz, config) -> {container_id: Forecast}`; `Forecast.fill_at(t_s)`,
  `Forecast.full_at()` (uCIFI forecastFullDate), `Forecast.average_filling_speed` (uCIFI
  averageFillingSpeed, fraction per day), `Forecast.health`, `Forecast.method`.
- Low level: `fit_history`, `rise_between` (planning.forecast), `hampel_outliers`,
  `find_emptyings`, `theil_sen_slope` (planning.signal).
"""

from planning.fleet import forecast_fleet, utc_offset_s
from planning.forecast import (
    ContainerHistory,
    Fit,
    Forecast,
    ForecastConfig,
    fit_history,
    rise_between,
)

__all__ = [
    "ContainerHistory",
    "Fit",
    "Forecast",
    "ForecastConfig",
    "fit_history",
    "forecast_fleet",
    "rise_between",
    "utc_offset_s",
]
