"""Service calendars: which days a tenant's trucks drive, per fraction (planners write)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import Conn, Member, Planner
from api.errors import InvalidInput, NotFoundError
from api.models.calendar import CalendarIn, CalendarPublic, CalendarsPublic, ServiceDaysPublic
from api.models.common import AUTHED
from domain import Fraction
from domain.service_calendar import (
    CalendarError,
    ServiceCalendar,
    calendar_from_dict,
    calendar_to_dict,
    service_days,
    shift_on,
)
from storage import calendars as store

router = APIRouter(tags=["calendar"], responses=AUTHED)
DEFAULT = "default"
FractionPath = Annotated[str, Path(max_length=20, description="a fraction, or 'default'")]


def _key(fraction: str) -> str:
    """The stored key: '*' for the tenant's default, else a fraction's value (422 if none)."""
    if fraction == DEFAULT:
        return store.DEFAULT_KEY
    try:
        return str(Fraction(fraction))
    except ValueError:
        names = ", ".join(f.value for f in Fraction)
        raise InvalidInput(f"fraction: {fraction!r} is not {DEFAULT} or one of {names}") from None


def _tenant(me) -> str:
    """The caller's tenant (planners and drivers always have one)."""
    assert me.tenant_id is not None
    return str(me.tenant_id)


def _public(fraction: str, calendar: ServiceCalendar, source: str) -> dict:
    return {"fraction": DEFAULT if fraction == store.DEFAULT_KEY else fraction,
            "source": source, **calendar_to_dict(calendar)}


@router.get("/calendar", response_model=CalendarsPublic)
def list_calendars(conn: Conn, me: Member) -> dict:
    """The tenant's default calendar, then each fraction's own."""
    default = store.get_calendar(conn, _tenant(me))
    data = [_public(store.DEFAULT_KEY, default.calendar, default.source)]
    data += [_public(f, c, "fraction")
             for f, c in store.list_calendars(conn, _tenant(me)).items()
             if f != store.DEFAULT_KEY]
    return {"data": data, "count": len(data)}


@router.get("/calendar/{fraction}", response_model=CalendarPublic)
def get_calendar(conn: Conn, me: Member, fraction: FractionPath) -> dict:
    """The calendar that applies to a fraction (its own, the tenant's, or the built-in)."""
    row = store.get_calendar(conn, _tenant(me), _key(fraction))
    return _public(row.fraction, row.calendar, row.source)


@router.put("/calendar/{fraction}", response_model=CalendarPublic)
def put_calendar(conn: Conn, me: Planner, fraction: FractionPath, body: CalendarIn) -> dict:
    """Set the tenant's default ('default') or a fraction's own calendar."""
    key = _key(fraction)
    try:
        calendar = calendar_from_dict(body.model_dump(exclude_none=True, mode="json"))
    except CalendarError as exc:
        raise InvalidInput(str(exc)) from None
    store.set_calendar(conn, _tenant(me), key, calendar)
    source = "tenant" if key == store.DEFAULT_KEY else "fraction"
    return _public(key, calendar, source)


@router.delete("/calendar/{fraction}", status_code=status.HTTP_204_NO_CONTENT)
def delete_calendar(conn: Conn, me: Planner, fraction: FractionPath) -> Response:
    """Remove a stored calendar: the fraction follows the tenant's default again."""
    if not store.delete_calendar(conn, _tenant(me), _key(fraction)):
        raise NotFoundError(f"no calendar of its own for {fraction}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/calendar/{fraction}/days", response_model=ServiceDaysPublic)
def list_service_days(
    conn: Conn, me: Member, fraction: FractionPath,
    start: Annotated[date, Query(description="first day")],
    end: Annotated[date, Query(description="last day, inclusive")],
) -> dict:
    """The service days of a period with their shifts (holidays and their moves applied)."""
    if end < start:
        raise InvalidInput("end: must not be before start")
    if (end - start) > timedelta(days=366) or start.year < 1971 or end.year > 2199:
        raise InvalidInput("start/end: at most 366 days between 1971 and 2199")
    row = store.get_calendar(conn, _tenant(me), _key(fraction))
    days = []
    for d in service_days(row.calendar, start, end):
        shift = shift_on(row.calendar, d)
        assert shift is not None
        days.append({"date": d, "shift_start": shift.start.strftime("%H:%M"),
                     "shift_end": shift.end.strftime("%H:%M")})
    return {"fraction": fraction, "data": days, "count": len(days)}
