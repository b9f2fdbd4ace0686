"""`wasteroute api [--host] [--port] [--workers]`: run the HTTP API (uvicorn)."""

from __future__ import annotations

import argparse

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "api", help="run the HTTP API (needs DATABASE_URL and API_JWT_SECRET)"
    )
    p.add_argument("--host", help="bind address (default $API_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default $API_PORT or 8000)")
    p.add_argument(
        "--workers",
        type=int,
        help="worker processes (default $API_WORKERS or 1; one per core for throughput)",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=run)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run(args: argparse.Namespace) -> int:
    import pydantic
    import uvicorn

    from api.settings import ApiSettings
    from storage import DatabaseUnavailable, connect, migrate

    try:
        settings = ApiSettings()  # type: ignore[call-arg]
    except pydantic.ValidationError as exc:
        missing = ", ".join(str(e["loc"][0]).upper() for e in exc.errors())
        raise UserError(
            f"API settings missing or invalid: {missing}. Set API_JWT_SECRET (32+ random "
            "characters) and DATABASE_URL; see .env.example"
        ) from None
    try:
        with connect(settings.database_url, autocommit=True) as conn:
            migrate(conn)
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None
    if _has("httptools"):
        from api.http_limits import LimitedHttpToolsProtocol

        http: object = LimitedHttpToolsProtocol  # httptools with a header size limit
    else:
        http = "h11"
    uvicorn.run(
        "api.app:create_app",
        # uvicorn's fast event loop and HTTP parser (the "standard" extra) when installed
        loop="uvloop" if _has("uvloop") else "asyncio",
        http=http,  # type: ignore[arg-type]
        h11_max_incomplete_event_size=settings.max_header_bytes,
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        log_level=args.log_level,
        access_log=False,
        timeout_keep_alive=30,  # tablets and load balancers reuse connections
        # the app alone decides whose X-Forwarded-For to believe (API_TRUSTED_PROXIES, see
        # api.client_address); uvicorn's own handling would trust it from loopback
        proxy_headers=False,
    )
    return 0
