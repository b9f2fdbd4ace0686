"""Stop events from drivers' tablets: a batch of queued events, idempotent by event id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from api.deps import Conn, Member, Principal
from api.metrics import STOP_EVENTS
from api.models.common import AUTHED, Id, Limit, Offset
from api.models.stop_events import StopEventBatch, StopEventResults, StopEventsPublic
from storage import stop_events as store

router = APIRouter(tags=["stop events"], responses=AUTHED)


#: Plans a driver has been shown: the published one, and one published then replaced (a
#: tablet may still send what it did on the earlier version).
SHOWN_TO_DRIVERS = ("published", "superseded")
#: A route's events may happen on its day or, for a shift past midnight, the next.
ROUTE_DAYS_AFTER = 1


def _driver_reason(me: Principal, event: dict[str, Any], stop: dict[str, Any] | None) -> str | None:
    """A driver reports only stops of their own vehicle's published route of that day."""
    if event.get("stop_id") is None:
        if event["kind"] == "disposal":
            return None
        return f"a driver's {event['kind']} event must name its stop (stop_id) on your route"
    if (
        stop is None
        or me.vehicle_id is None
        or stop["vehicle_id"] != me.vehicle_id
        or stop["plan_status"] not in SHOWN_TO_DRIVERS
    ):
        return f"no stop {event['stop_id']} on your vehicle's published routes"
    day = event["occurred_at"].astimezone(ZoneInfo(stop["timezone"])).date()
    if not stop["plan_date"] <= day <= stop["plan_date"] + timedelta(days=ROUTE_DAYS_AFTER):
        return f"stop {stop['id']} is on your route of {stop['plan_date']}, not of {day}"
    return None


def _reject_reason(
    me: Principal,
    event: dict[str, Any],
    stops: dict[int, dict[str, Any]],
    containers: set[int],
    sites: set[int],
) -> str | None:
    """Check the event's references in the caller's tenant (looked up for the whole batch);
    fill in its plan and vehicle from the stop. A reason to reject, or None."""
    stop = stops.get(event["stop_id"]) if event.get("stop_id") is not None else None
    if me.role == "driver":
        reason = _driver_reason(me, event, stop)
        if reason is not None:
            return reason
    if event.get("stop_id") is not None:
        if stop is None:
            return f"no stop {event['stop_id']} on your routes"
        event["plan_id"] = stop["plan_id"]
        if event.get("container_id") is not None and stop["container_id"] not in (
            None,
            event["container_id"],
        ):
            return (
                f"stop {stop['id']} is for container {stop['container_id']}, "
                f"not {event['container_id']}"
            )
        if event.get("vehicle_id") is None:
            event["vehicle_id"] = stop["vehicle_id"]
    if event.get("container_id") is not None and event["container_id"] not in containers:
        return f"no container {event['container_id']}"
    if event.get("disposal_site_id") is not None and event["disposal_site_id"] not in sites:
        return f"no disposal site {event['disposal_site_id']}"
    return None


def _ids(events: list[dict[str, Any]], field: str) -> list[int]:
    return sorted({e[field] for e in events if e.get(field) is not None})


@router.post("/stop-events", response_model=StopEventResults)
def post_stop_events(body: StopEventBatch, conn: Conn, me: Member) -> dict:
    """Report what happened at stops: one event or a tablet's whole offline queue (≤ 500).

    Each event is stored once per `event_id`: resending a batch after a lost connection
    answers `duplicate` for those already stored and changes nothing. An `emptied` event
    resets the container's fill to 0. An event that names an unknown container, site or
    stop is `rejected` with a message; the others are kept. A driver's `emptied` and
    `skipped` events must name a stop of their own vehicle's published route of that day
    (or the day before, for a shift past midnight), else they are `rejected` and change
    nothing."""
    tenant_id = me.tenant_id
    assert tenant_id is not None  # drivers and planners always belong to a tenant
    events = [
        {**item.model_dump(), "user_id": me.user_id, "vehicle_id": me.vehicle_id}
        for item in body.events
    ]
    stops, containers, sites = store.resolve_references(
        conn,
        tenant_id,
        _ids(events, "stop_id"),
        _ids(events, "container_id"),
        _ids(events, "disposal_site_id"),
    )
    reasons = [_reject_reason(me, e, stops, containers, sites) for e in events]
    accepted = [e for e, reason in zip(events, reasons, strict=True) if reason is None]
    stored = iter(store.record_stop_events(conn, tenant_id, accepted))
    results, counts = [], {"created": 0, "duplicate": 0, "rejected": 0}
    for event, reason in zip(events, reasons, strict=True):
        if reason is None:
            row_id, created = next(stored)
            status = "created" if created else "duplicate"
            results.append({"event_id": event["event_id"], "status": status, "id": row_id})
        else:
            status = "rejected"
            results.append({"event_id": event["event_id"], "status": status, "message": reason})
        counts[status] += 1
        STOP_EVENTS.labels(event["kind"], status).inc()
    return {
        "results": results,
        "created": counts["created"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
    }


@router.get("/stop-events", response_model=StopEventsPublic)
def list_stop_events(
    conn: Conn,
    me: Member,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    vehicle_id: Annotated[Id | None, Query()] = None,
    container_id: Annotated[Id | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict:
    """Reported events, newest first. Drivers see only their own vehicle's."""
    if me.role == "driver":
        vehicle_id = me.vehicle_id or -1
    assert me.tenant_id is not None  # drivers and planners always belong to a tenant
    rows, count = store.list_stop_events(
        conn,
        me.tenant_id,
        since=since,
        until=until,
        vehicle_id=vehicle_id,
        container_id=container_id,
        limit=limit,
        offset=offset,
    )
    return {"data": rows, "count": count}
