"""Key figures per tenant and period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from api.deps import Conn, Planner
from api.errors import InvalidInput
from api.models.common import AUTHED
from api.models.kpis import KpisPublic
from storage import api_tenants, kpis

router = APIRouter(tags=["kpis"], responses=AUTHED)


@router.get("/kpis", response_model=KpisPublic)
def tenant_kpis(
    conn: Conn,
    me: Planner,
    start: Annotated[date, Query(description="first day (tenant's local time)")],
    end: Annotated[date, Query(description="last day, inclusive")],
) -> dict:
    """km, hours, collections, average fill at emptying, overflows and skipped stops."""
    if end < start:
        raise InvalidInput("end: must not be before start")
    if (end - start).days > 366:
        raise InvalidInput("range: at most 366 days")
    if start.year < 1971 or end.year > 2199:
        raise InvalidInput("start/end: out of range")
    zone = ZoneInfo(api_tenants.get_tenant(conn, me.tenant_id)["timezone"])
    since = datetime.combine(start, time(0), zone)
    until = datetime.combine(end + timedelta(days=1), time(0), zone)
    return {
        "tenant_id": me.tenant_id,
        "start": start,
        "end": end,
        **kpis.tenant_kpis(conn, me.tenant_id, since, until),
    }
