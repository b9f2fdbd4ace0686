"""Prometheus metrics: request count and latency per route template, as plain ASGI middleware."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("wasteroute_api_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "wasteroute_api_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
STOP_EVENTS = Counter(
    "wasteroute_api_stop_events_total", "stop events accepted", ["kind", "outcome"]
)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            counter, histogram = _children(scope["method"], template, status)
            counter.inc()
            histogram.observe(time.perf_counter() - start)


_children_cache: dict[tuple[str, str, int], tuple] = {}


def _children(method: str, template: str, status: int) -> tuple:
    """The labelled counter and histogram (`labels()` costs microseconds a request)."""
    key = (method, template, status)
    hit = _children_cache.get(key)
    if hit is None:
        if len(_children_cache) > 10_000:  # arbitrary methods from clients: stay bounded
            _children_cache.clear()
        hit = REQUESTS.labels(method, template, str(status)), LATENCY.labels(method, template)
        _children_cache[key] = hit
    return hit


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
