"""Readings of a container: raw or per time bucket, over a time range, paginated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Conn, Member
from api.errors import InvalidInput
from api.models.common import AUTHED, Limit, Offset, PathId
from api.models.readings import ReadingsPublic
from storage import api_containers, api_readings

router = APIRouter(tags=["readings"], responses=AUTHED)
MAX_RANGE = timedelta(days=400)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(f"{name}: give a time zone (e.g. 2026-11-25T06:00:00Z)")
    if not datetime(1970, 1, 1, tzinfo=UTC) <= value <= datetime(2200, 1, 1, tzinfo=UTC):
        raise InvalidInput(f"{name}: out of range")
    return value


@router.get("/containers/{container_id}/readings", response_model=ReadingsPublic)
def container_readings(
    container_id: PathId,
    conn: Conn,
    me: Member,
    start: Annotated[
        datetime | None, Query(description="from (inclusive); default end - 7 days")
    ] = None,
    end: Annotated[datetime | None, Query(description="until (exclusive); default now")] = None,
    bucket_s: Annotated[
        int | None,
        Query(ge=60, le=31 * 86_400, description="bucket width in seconds; omit for raw readings"),
    ] = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> dict:
    """Raw readings (newest first) or per-bucket fill (oldest first, `date_bin`)."""
    end = _aware(end, "end") if end else datetime.now(UTC)
    start = _aware(start, "start") if start else end - timedelta(days=7)
    if start >= end:
        raise InvalidInput("start: must be before end")
    if end - start > MAX_RANGE:
        raise InvalidInput(f"range: at most {MAX_RANGE.days} days per request")
    api_containers.get_container(conn, me.tenant_id, container_id)
    if bucket_s is None:
        rows, count = api_readings.raw_readings(
            conn, me.tenant_id, container_id, start, end, limit=limit, offset=offset
        )
    else:
        rows, count = api_readings.bucketed_readings(
            conn,
            me.tenant_id,
            container_id,
            start,
            end,
            timedelta(seconds=bucket_s),
            limit=limit,
            offset=offset,
        )
    next_offset = offset + len(rows) if offset + len(rows) < count else None
    return {
        "container_id": container_id,
        "start": start,
        "end": end,
        "bucket_s": bucket_s,
        "data": rows,
        "count": count,
        "next_offset": next_offset,
    }
