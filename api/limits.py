"""Limits before work: header size, body size per endpoint, and credentials before the body.

`RequestLimits` is pure ASGI middleware (no Starlette request objects), outside FastAPI's
router, so nothing below it reads a byte more than allowed:

1. **Headers**: the request line and headers together at most `max_header_bytes`
   (431 otherwise). The HTTP server enforces the same bound while it parses (see
   `api.http_limits`); this check covers any server.
2. **Credentials before the body**: a request that carries a body (`Content-Length` > 0 or
   `Transfer-Encoding`) to an endpoint that needs a credential must present one that passes a
   cheap, stateless check: a bearer token with a valid signature and expiry
   (`api.security.decode_token`) or an `X-API-Key` of the right shape. Otherwise 401 at once,
   the body unread. The full check (user still active, key not revoked, role) stays in
   `api.deps`.
3. **Body size**: each endpoint has a limit (`BodyLimits.for_path`): small by default, larger
   for stop-event batches and the container import. A `Content-Length` above it answers 413
   before reading; a body that grows beyond it while streaming (chunked, or a lying length)
   is cut off at the limit and answered 413. At most `limit` bytes are ever held.

Every refusal is the API's usual JSON error (`{"code", "message"}`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.security import decode_token

#: Paths under /v1 that need no credential (the login itself).
PUBLIC_PATHS = frozenset({"/v1/auth/token"})
IMPORT_PATHS = frozenset({"/v1/containers/import"})
BATCH_PATHS = frozenset({"/v1/stop-events"})
_API_KEY = re.compile(rb"wr_[0-9a-f]{12}_[A-Za-z0-9_-]{20,100}")
_BEARER = b"bearer "


@dataclass(frozen=True)
class BodyLimits:
    """Request size limits in bytes (from `ApiSettings`)."""

    default_bytes: int = 64 * 1024
    batch_bytes: int = 2 * 1024 * 1024  # 500 stop events with 2,000-character notes
    import_bytes: int = 20 * 1024 * 1024
    header_bytes: int = 16 * 1024

    def for_path(self, path: str) -> int:
        if path in IMPORT_PATHS:
            return self.import_bytes
        if path in BATCH_PATHS:
            return self.batch_bytes
        return self.default_bytes


class BodyTooLarge(Exception):
    """Raised from `receive` when the body grows beyond the endpoint's limit."""


def _error(
    status: int, code: str, message: str, extra: tuple[tuple[bytes, bytes], ...] = ()
) -> tuple:
    body = json.dumps({"code": code, "message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *extra,
    ]
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


def _too_large(limit: int) -> tuple:
    return _error(413, "too_large", f"request body larger than {limit} bytes for this endpoint")


def needs_credential(path: str) -> bool:
    return path.startswith("/v1/") and path not in PUBLIC_PATHS


def credential_looks_valid(headers: list[tuple[bytes, bytes]], jwt_secret: str) -> bool:
    """The cheap, stateless check: a bearer token that verifies, or an API key's shape."""
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == _BEARER:
            token = value[7:].strip()
            if token and decode_token(jwt_secret, token.decode("latin-1")) is not None:
                return True
        elif name == b"x-api-key" and _API_KEY.fullmatch(value.strip()):
            return True
    return False


class RequestLimits:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, *, jwt_secret: str, limits: BodyLimits) -> None:
        self.app = app
        self.jwt_secret = jwt_secret
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        length: int | None = None
        has_body = False
        for name, value in headers:
            size += len(name) + len(value) + 4
            if name == b"content-length":
                has_body = True
                length = int(value) if value.isdigit() and len(value) < 20 else -1
            elif name == b"transfer-encoding":
                has_body = True
        if size > self.limits.header_bytes:
            await _send_all(
                send,
                _error(
                    431,
                    "headers_too_large",
                    f"headers larger than {self.limits.header_bytes} bytes",
                ),
            )
            return
        if length == 0:
            has_body = False
        path = scope["path"]
        if (
            has_body
            and needs_credential(path)
            and not credential_looks_valid(headers, self.jwt_secret)
        ):
            message = "not authenticated: send a bearer token or an X-API-Key"
            await _send_all(
                send, _error(401, "unauthorized", message, ((b"www-authenticate", b"Bearer"),))
            )
            return
        limit = self.limits.for_path(path)
        if length is not None and length > limit:
            await _send_all(send, _too_large(limit))
            return
        if length == -1:
            await _send_all(send, _error(400, "bad_request", "invalid Content-Length"))
            return
        if not has_body:
            await self.app(scope, receive, send)
            return
        await _limited(self.app, scope, receive, send, limit)


async def _send_all(send: Send, messages: tuple) -> None:
    for message in messages:
        await send(message)


async def _limited(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run the app with a `receive` that counts body bytes and stops at `limit`."""
    state = {"received": 0, "exceeded": False, "started": False}

    async def limited_receive() -> Message:
        if state["exceeded"]:
            raise BodyTooLarge
        message = await receive()
        if message["type"] == "http.request":
            state["received"] += len(message.get("body", b""))
            if state["received"] > limit:
                state["exceeded"] = True
                raise BodyTooLarge
        return message

    async def guarded_send(message: Message) -> None:
        if state["exceeded"]:
            return  # our 413 replaces whatever the app makes of the cut-off body
        if message["type"] == "http.response.start":
            state["started"] = True
        await send(message)

    try:
        await app(scope, limited_receive, guarded_send)
    except BodyTooLarge:
        pass
    except Exception:
        if not state["exceeded"]:
            raise
    if state["exceeded"] and not state["started"]:
        await _send_all(send, _too_large(limit))
