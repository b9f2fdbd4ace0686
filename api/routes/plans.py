"""Plans: queue a planning job (202 + job id), follow the job, list, get, publish."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from api import route_render
from api.deps import Conn, Planner
from api.errors import ConflictError, Unavailable
from api.models.common import (
    AUTHED,
    FIRST_PLAN_DATE,
    LAST_PLAN_DATE,
    Limit,
    PathId,
    error_responses,
)
from api.models.plans import (
    PlanCreate,
    PlanDetail,
    PlanJobPublic,
    PlanJobsQueued,
    PlanPublic,
    PlansPublic,
)
from domain import Fraction
from storage import api_routes, api_tenants
from storage import containers as containers_store
from storage import plans as plans_store
from storage.errors import NotFound

router = APIRouter(prefix="/plans", tags=["plans"], responses=AUTHED)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=PlanJobsQueued)
def create_plan(body: PlanCreate, request: Request, conn: Conn, me: Planner) -> dict:
    """Queue planning for a day: one job per fraction (or the one asked for). Workers
    (`wasteroute worker`) run them; follow each at `status_url`."""
    from api.jobs import queue_plan

    jobs_app = getattr(request.app.state, "jobs", None)
    if jobs_app is None:
        raise Unavailable("the planning job queue is not available")
    api_tenants.get_tenant(conn, me.tenant_id)
    fractions = (
        [body.fraction] if body.fraction else containers_store.list_fractions(conn, me.tenant_id)
    )
    jobs = []
    for fraction in fractions:
        job_id = queue_plan(
            jobs_app,
            me.tenant_id,
            body.plan_date,
            str(fraction),
            time_limit_s=body.time_limit_s,
            publish=body.publish,
            trigger="api",
        )
        jobs.append(
            {
                "job_id": job_id,
                "fraction": fraction,
                "status_url": f"/v1/plans/jobs/{job_id}" if job_id else None,
            }
        )
    return {"jobs": jobs}


@router.get("/jobs/{job_id}", response_model=PlanJobPublic)
def get_plan_job(job_id: PathId, conn: Conn, me: Planner) -> dict:
    """A planning job: todo, doing, succeeded or failed (after its retries), with the plan."""
    job = api_routes.plan_job_status(conn, me.tenant_id, job_id)
    if job is None:
        raise NotFound(f"no planning job {job_id}")
    args = job["args"] or {}
    plan_id = None
    if job["status"] == "succeeded" and args.get("plan_date") and args.get("fraction"):
        plans = plans_store.list_plans(
            conn,
            me.tenant_id,
            plan_date=date.fromisoformat(args["plan_date"]),
            fraction=args["fraction"],
            limit=1,
        )
        plan_id = plans[0]["id"] if plans else None
    return {
        "job_id": job["id"],
        "status": job["status"],
        "attempts": job["attempts"],
        "plan_date": args.get("plan_date"),
        "fraction": args.get("fraction"),
        "queued_at": job["queued_at"],
        "updated_at": job["updated_at"],
        "plan_id": plan_id,
    }


@router.get("", response_model=PlansPublic)
def list_plans(
    conn: Conn,
    me: Planner,
    plan_date: Annotated[
        date | None, Query(alias="date", ge=FIRST_PLAN_DATE, le=LAST_PLAN_DATE)
    ] = None,
    fraction: Fraction | None = None,
    limit: Limit = 100,
) -> dict:
    """Plans, newest first (every version)."""
    rows = plans_store.list_plans(
        conn,
        me.tenant_id,
        plan_date=plan_date,
        fraction=str(fraction) if fraction else None,
        limit=limit,
    )
    return {"data": rows, "count": len(rows)}


@router.get("/{plan_id}", response_model=PlanDetail)
def get_plan(plan_id: PathId, conn: Conn, me: Planner) -> dict:
    """A plan with its routes (each with its depot and ordered stops: containers and
    disposal trips, with coordinates, ETAs and loads; drafts too) and every selection
    decision (must/optional/skip and why)."""
    plan = plans_store.get_plan(conn, me.tenant_id, plan_id)
    routes = plans_store.list_plan_routes(conn, me.tenant_id, plan_id)
    depots = api_routes.plan_route_depots(conn, me.tenant_id, plan_id)
    stops: dict[int, list[dict]] = {}
    for s in api_routes.route_stops(conn, me.tenant_id, [(plan_id, r["route_no"]) for r in routes]):
        stops.setdefault(s["route_no"], []).append(s)
    return {
        **plan,
        "routes": [
            {**r, "depot": depots.get(r["route_no"]), "stops": stops.get(r["route_no"], [])}
            for r in routes
        ],
        "decisions": plans_store.list_plan_decisions(conn, me.tenant_id, plan_id),
    }


@router.post("/{plan_id}/publish", response_model=PlanPublic, responses=error_responses(409))
def publish_plan(plan_id: PathId, conn: Conn, me: Planner) -> dict:
    """Publish to drivers; the version published before for that day and fraction is
    superseded. Publishing twice changes nothing; a superseded plan is 409."""
    try:
        plan = plans_store.publish_plan(conn, me.tenant_id, plan_id)
    except ValueError as exc:
        raise ConflictError(str(exc)) from None
    conn.commit()  # drivers fetching from now on find it
    route_render.forget_tenant(me.tenant_id)
    return plan
