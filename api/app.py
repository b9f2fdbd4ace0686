"""The FastAPI application: `create_app(settings)`; the pool opens in the lifespan.

Routers live in api/routes (mounted under /v1), the planning engineer's in api/planning.
A web UI, when api/static exists, is served under /ui.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.limits import BodyLimits, RequestLimits
from api.metrics import MetricsMiddleware
from api.route_fast_path import RouteFetchFastPath
from api.settings import ApiSettings
from storage import open_pool

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
V1_MODULES = [
    "auth",
    "tenants",
    "users",
    "containers",
    "devices",
    "readings",
    "state",
    "fleet",
    "plans",
    "driver_routes",
    "stop_events",
    "kpis",
    "reports",
    "calendar",
]

DESCRIPTION = """
wasteroute: fill-level sensors, forecasts and routes for waste collection, one deployment for
many municipalities.

**Authentication.** `POST /v1/auth/token` with a username and password (OAuth2 password flow)
returns a short-lived bearer token; machine clients send `X-API-Key`. **Roles**: operator
(tenants), planner (everything in its tenant), driver (its own vehicle's routes and stop
events). Everything is scoped to the caller's tenant: another tenant's object answers 404.

**Errors** are JSON `{"code", "message", "details"?}`; bad input is 4xx.
"""


def _v1_router() -> APIRouter:
    v1 = APIRouter(prefix="/v1")
    for name in V1_MODULES:
        try:
            module = importlib.import_module(f"api.routes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"api.routes.{name}":
                raise
            continue
        v1.include_router(module.router)
    return v1


def _open_job_queue(database_url: str):
    """The planning job queue (procrastinate), for POST /v1/plans; None if unavailable."""
    try:
        from api.jobs import build_app, ensure_queue_schema

        ensure_queue_schema(database_url)
        jobs = build_app(database_url)
        jobs.open()
        return jobs
    except Exception:  # the rest of the API works without it; POST /v1/plans answers 503
        log.exception("cannot open the planning job queue")
        return None


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """Build the app. Without `settings`, reads them from the environment (API_JWT_SECRET,
    DATABASE_URL) and refuses to start when they are missing."""
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = open_pool(
            settings.database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            name="wasteroute-api",
        )
        # requests wait for a connection here, on the event loop (see api.deps.pool_slot)
        app.state.db_slots = asyncio.Semaphore(settings.pool_max_size)
        app.state.jobs = _open_job_queue(settings.database_url)
        # the ~120,000 objects of the imported modules and the app live as long as the
        # process: out of the collector's sight, a full collection under load takes a few ms
        # instead of ~130 ms (a stall of every request in flight)
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if app.state.jobs is not None:
                app.state.jobs.close()
            app.state.pool.close()

    app = FastAPI(
        title="wasteroute API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[{"name": "auth", "description": "log in, who am I"}],
        # metrics are Prometheus (api.metrics); FastAPI's OpenTelemetry hooks cost ~10 us a
        # request just to find out that no provider is configured
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    install_error_handlers(app)
    from api.routes import health

    app.include_router(health.router)
    app.include_router(_v1_router())
    # inside the metrics (added last, so outermost), before the router: see api.route_fast_path
    app.add_middleware(RouteFetchFastPath, jwt_secret=settings.jwt_secret)
    # header and body limits, and a credential before any body is read (api.limits)
    app.add_middleware(
        RequestLimits,
        jwt_secret=settings.jwt_secret,
        limits=BodyLimits(
            default_bytes=settings.max_body_bytes,
            batch_bytes=settings.max_batch_bytes,
            import_bytes=settings.max_import_bytes,
            header_bytes=settings.max_header_bytes,
        ),
    )
    app.add_middleware(MetricsMiddleware)
    if STATIC_DIR.is_dir():
        app.mount("/ui", StaticFiles(directory=STATIC_DIR, html=True), name="ui")

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/ui/")

    return app
