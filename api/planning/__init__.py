"""Daily planning against the database: read inputs, forecast, select, solve, check, store.

Public API:
- `plan_day(conn, tenant_id, plan_date, fraction=None, settings=PlanSettings(), ...)
  -> list[PlanOutcome]`: one stored plan version per fraction (api.planning.service).
- `PlanSettings`, `PlanOutcome`.
- `publish(conn, tenant_id, plan_id)`: publish a stored plan to the drivers.
- `forecast_tenant(conn, tenant_id, fraction=None, now=None) -> {container_id: Forecast}`:
  forecasts with health flags, for showing without planning.
- Jobs (procrastinate) are in `api.jobs`.
"""

from api.planning.service import (
    PlanOutcome,
    PlanSettings,
    forecast_tenant,
    plan_day,
    plan_fraction,
    publish,
)

__all__ = ["PlanOutcome", "PlanSettings", "forecast_tenant", "plan_day", "plan_fraction",
           "publish"]
