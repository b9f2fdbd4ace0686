"""Turn a state row into fill, forecast, health and alarms (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from api.containers_io import fiware_status

MAX_FORECAST = timedelta(days=365)


def alarms_of(row: dict[str, Any]) -> list[str]:
    alarms = []
    if row.get("fire_alarm"):
        alarms.append("fire")
    if row.get("tilt_alarm"):
        alarms.append("tilt")
    if row.get("report_alarm"):
        alarms.append("reported_full")
    return alarms


def health_of(
    row: dict[str, Any], now: datetime, stale_after: timedelta, low_battery_pct: float
) -> list[str]:
    if row.get("measured_at") is None:
        return ["no_data"]
    flags = []
    if now - row["measured_at"] > stale_after:
        flags.append("stale")
    if row.get("battery_pct") is not None and row["battery_pct"] < low_battery_pct:
        flags.append("low_battery")
    if row.get("tilt"):
        flags.append("tilted")
    for flag in row.get("plan_health") or []:
        if flag in ("stuck",) and flag not in flags:
            flags.append(flag)
    return flags or ["ok"]


def forecast_of(
    row: dict[str, Any], now: datetime
) -> tuple[float | None, datetime | None, str | None]:
    """(filling speed per day, forecast full date, method): the plan's forecast if any, else
    the linear slope since the last emptying."""
    fill = row.get("fill_fraction")
    if row.get("plan_forecast_full_at") is not None or row.get("plan_speed_per_day") is not None:
        return row.get("plan_speed_per_day"), row.get("plan_forecast_full_at"), "plan"
    slope = row.get("slope_per_s")
    if fill is None or slope is None or (row.get("rate_readings") or 0) < 3:
        return None, None, None
    per_day = float(slope) * 86_400
    if fill >= 1.0:
        return per_day, row["measured_at"], "linear-7d"
    if per_day <= 1e-6:
        return per_day, None, "linear-7d"
    full_at = row["measured_at"] + timedelta(days=(1.0 - fill) / per_day)
    return per_day, (full_at if full_at - now < MAX_FORECAST else None), "linear-7d"


def state_public(
    row: dict[str, Any], now: datetime, stale_after: timedelta, low_battery_pct: float
) -> dict[str, Any]:
    speed, full_at, method = forecast_of(row, now)
    return {
        "container_id": row["id"],
        "external_id": row["external_id"],
        "fraction": row["fraction"],
        "lat": row["lat"],
        "lon": row["lon"],
        "fill_fraction": row.get("fill_fraction"),
        "measured_at": row.get("measured_at"),
        "temperature_c": row.get("temperature_c"),
        "battery_pct": row.get("battery_pct"),
        "date_last_emptying": row.get("date_last_emptying"),
        "filling_speed_per_day": None if speed is None else round(speed, 5),
        "forecast_full_date": full_at,
        "forecast_method": method,
        "health": health_of(row, now, stale_after, low_battery_pct),
        "alarms": alarms_of(row),
        "status": fiware_status(row),
    }
