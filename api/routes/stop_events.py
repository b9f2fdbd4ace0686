"""Stop events from drivers' tablets: a batch of queued events, idempotent by event id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Query

from api.deps import Conn, Member, Principal
from api.metrics import STOP_EVENTS
from api.models.common import AUTHED, Id, Limit, Offset
from api.models.stop_events import StopEventBatch, StopEventResults, StopEventsPublic
from storage import stop_events as store

router = APIRouter(tags=["stop events"], responses=AUTHED)


def _resolve(conn: psycopg.Connection, me: Principal, event: dict[str, Any]) -> str | None:
    """Check the event's references in the caller's tenant; a reason to reject, or None."""
    if event.get("stop_id") is not None:
        stop = store.find_stop(conn, me.tenant_id, event["stop_id"])
        if stop is None or (me.role == "driver" and stop["vehicle_id"] != me.vehicle_id):
            return f"no stop {event['stop_id']} on your routes"
        event["plan_id"] = stop["plan_id"]
        if event.get("container_id") is not None and stop["container_id"] not in (
            None,
            event["container_id"],
        ):
            return f"stop {stop['id']} is for container {stop['container_id']}, not {event['container_id']}"
        if event.get("vehicle_id") is None:
            event["vehicle_id"] = stop["vehicle_id"]
    if event.get("container_id") is not None and not store.container_in_tenant(
        conn, me.tenant_id, event["container_id"]
    ):
        return f"no container {event['container_id']}"
    if event.get("disposal_site_id") is not None and not store.site_in_tenant(
        conn, me.tenant_id, event["disposal_site_id"]
    ):
        return f"no disposal site {event['disposal_site_id']}"
    return None


@router.post("/stop-events", response_model=StopEventResults)
def post_stop_events(body: StopEventBatch, conn: Conn, me: Member) -> dict:
    """Report what happened at stops: one event or a tablet's whole offline queue (≤ 500).

    Each event is stored once per `event_id`: resending a batch after a lost connection
    answers `duplicate` for those already stored and changes nothing. An `emptied` event
    resets the container's fill to 0. An event that names an unknown container, site or
    stop (or another driver's stop) is `rejected` with a message; the others are kept."""
    results, counts = [], {"created": 0, "duplicate": 0, "rejected": 0}
    for item in body.events:
        event = item.model_dump()
        event.update(user_id=me.user_id, vehicle_id=me.vehicle_id)
        with conn.transaction():
            reason = _resolve(conn, me, event)
            if reason is None:
                row, created = store.record_stop_event(conn, me.tenant_id, event)
                status = "created" if created else "duplicate"
                results.append({"event_id": item.event_id, "status": status, "id": row["id"]})
            else:
                status = "rejected"
                results.append({"event_id": item.event_id, "status": status, "message": reason})
        counts[status] += 1
        STOP_EVENTS.labels(item.kind, status).inc()
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
