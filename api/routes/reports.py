"""Trial reports: the simulator's HTML reports in the tenant's folder of API_REPORTS_DIR."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.concurrency import run_in_threadpool

from api import reports
from api.deps import Planner, Settings
from api.models.common import AUTHED
from api.models.reports import ReportsPublic
from storage.errors import NotFound

router = APIRouter(prefix="/reports", tags=["reports"], responses=AUTHED)

# A report is shown in the dashboard's sandboxed frame; opened on its own it still runs no
# script in the API's origin (which holds the planner's token) and loads nothing.
REPORT_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-cache",
}


@router.get("", response_model=ReportsPublic)
async def list_reports(me: Planner, settings: Settings) -> dict:
    """The simulator's trial reports (`wasteroute trial --report ...` HTML files) that the
    operator put in this tenant's folder, `API_REPORTS_DIR/<tenant_id>/`, newest first."""
    if settings.reports_dir is None:
        return {"data": [], "count": 0, "configured": False}
    rows = await run_in_threadpool(reports.list_reports, settings.reports_dir, me.tenant_id)
    return {"data": rows, "count": len(rows), "configured": True}


@router.get(
    "/{name}",
    response_class=Response,
    responses={200: {"description": "the report", "content": {"text/html": {}}}},
)
async def get_report(
    name: Annotated[str, Path(max_length=210, description="a name from GET /v1/reports")],
    me: Planner,
    settings: Settings,
) -> Response:
    """One report as self-contained HTML. Any name not in your listing is 404."""
    body = None
    if settings.reports_dir is not None:
        body = await run_in_threadpool(
            reports.read_report, settings.reports_dir, me.tenant_id, name
        )
    if body is None:
        raise NotFound(f"no report {name!r}")
    return Response(body, media_type="text/html; charset=utf-8", headers=REPORT_HEADERS)
