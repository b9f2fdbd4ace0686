"""Liveness, readiness and Prometheus metrics (no authentication; expose them internally)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import metrics
from api.models.common import error_responses

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    status: str


@router.get("/health", response_model=HealthPublic)
def health() -> dict:
    """The process is up (liveness)."""
    return {"status": "ok"}


@router.get("/ready", response_model=HealthPublic, responses=error_responses(503))
def ready(request: Request) -> Response:
    """The database answers (readiness); 503 otherwise."""
    try:
        with request.app.state.pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")
    except Exception:
        return JSONResponse(
            {"code": "unavailable", "message": "the database does not answer"}, status_code=503
        )
    return JSONResponse({"status": "ready"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text format",
        }
    },
)
def prometheus_metrics() -> Response:
    """Prometheus metrics: requests and latency per route, stop events."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
