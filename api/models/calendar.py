"""Service calendars: what a planner sends (`CalendarIn`) and gets (`CalendarPublic`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.service_calendar import HolidayRule, LiberationDay

Weekday = Annotated[str, StringConstraints(min_length=1, max_length=9)] | Annotated[
    int, Field(ge=1, le=7)]
HHMM = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}(:\d{2})?$")]

EXAMPLE: dict[str, Any] = {
    "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
    "holiday_rule": "catch_up_saturday",
    "good_friday": False,
    "liberation_day": "lustrum",
    "shift": {"start": "07:00", "end": "15:30"},
    "shifts": {"sat": {"start": "07:00", "end": "12:00"}},
    "closed_dates": ["2026-06-03"],
}


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: HHMM = Field(description="local time, HH:MM")
    end: HHMM = Field(description="local time, HH:MM, after start")


class CalendarIn(BaseModel):
    """A calendar; keys left out take the built-in defaults (Monday to Friday, catch-up
    Saturdays, 07:00-15:30, Liberation Day in lustrum years)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    weekdays: Annotated[list[Weekday], Field(min_length=1, max_length=7)] | Annotated[
        str, StringConstraints(min_length=3, max_length=40)] | None = Field(
        None, description="served days: names (mon..sun), ISO numbers (1..7) or 'mon-sat'")
    holiday_rule: HolidayRule | None = Field(
        None, description="what happens to a collection due on a holiday on a served weekday")
    good_friday: bool | None = Field(None, description="Goede Vrijdag is a day off")
    liberation_day: LiberationDay | None = Field(None, description="Bevrijdingsdag off")
    shift: ShiftIn | None = Field(None, description="shift of every service day")
    shifts: dict[Annotated[str, StringConstraints(max_length=9)], ShiftIn] | None = Field(
        None, max_length=7, description="per weekday (mon..sun) overrides of `shift`")
    closed_dates: Annotated[list[date], Field(max_length=400)] | None = Field(
        None, description="the tenant's own days without service")


class ShiftPublic(BaseModel):
    start: str
    end: str


class CalendarPublic(BaseModel):
    """The calendar that applies to a fraction ('default': the tenant's), and where it comes
    from: 'fraction' (its own), 'tenant' (the tenant's default) or 'built-in'."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"fraction": "default", "source": "tenant", **EXAMPLE}]})

    fraction: str
    source: str
    weekdays: list[str]
    holiday_rule: HolidayRule
    good_friday: bool
    liberation_day: LiberationDay
    shift: ShiftPublic
    shifts: dict[str, ShiftPublic]
    closed_dates: list[date]


class CalendarsPublic(BaseModel):
    """The tenant's default and every fraction that has its own calendar."""

    data: list[CalendarPublic]
    count: int


class ServiceDayPublic(BaseModel):
    date: date
    shift_start: str
    shift_end: str


class ServiceDaysPublic(BaseModel):
    fraction: str
    data: list[ServiceDayPublic]
    count: int
