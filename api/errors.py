"""API errors and the handlers that turn every failure into a JSON answer.

ApiError                 an HTTP answer with a status, a stable `code` and a clear message
 ├── NotFoundError       404: no such object *for this tenant* (never says whether it exists
 │                       elsewhere)
 ├── ConflictError       409: a unique key is taken (external id, username, ...)
 ├── InvalidInput        422: well-formed but wrong input the models cannot catch (a CSV row, ...)
 ├── Unauthorized        401: no or bad credentials
 ├── Forbidden           403: your role may not do this (only for your own tenant's endpoints)
 ├── TooManyRequests     429: login rate limit; carries Retry-After
 └── Unavailable         503: the database cannot be reached

Storage's `NotFound` becomes 404; psycopg integrity and data errors become 409/422; any other
exception is logged and answers 500 with no internals. Only `api/` maps errors to HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import errors as pg
from starlette.exceptions import HTTPException as StarletteHTTPException

from storage.errors import DatabaseUnavailable, NotFound

log = logging.getLogger(__name__)


class ApiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers


class NotFoundError(ApiError):
    status_code, code = 404, "not_found"


class ConflictError(ApiError):
    status_code, code = 409, "conflict"


class InvalidInput(ApiError):
    status_code, code = 422, "invalid_input"


class Unauthorized(ApiError):
    status_code, code = 401, "unauthorized"

    def __init__(
        self, message: str = "not authenticated: send a bearer token or an X-API-Key"
    ) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status_code, code = 403, "forbidden"


class TooManyRequests(ApiError):
    status_code, code = 429, "too_many_requests"


class Unavailable(ApiError):
    status_code, code = 503, "unavailable"


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def _json(status: int, code: str, message: str, details=None, headers=None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return _json(exc.status_code, exc.code, exc.message, headers=exc.headers)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    details = [
        {"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    first = details[0] if details else {"field": "request", "message": "invalid"}
    message = f"invalid {first['field']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return _json(422, "validation_error", message, details)


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
    message = exc.detail if isinstance(exc.detail, str) else "error"
    if exc.status_code == 404 and message == "Not Found":
        message = "no such endpoint"
    return _json(
        exc.status_code,
        codes.get(exc.status_code, "error"),
        message,
        headers=getattr(exc, "headers", None),
    )


async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
    return _json(404, "not_found", str(exc) or "not found")


async def _db_unavailable(_: Request, exc: DatabaseUnavailable) -> JSONResponse:
    log.error("database unavailable: %s", exc)
    return _json(503, "unavailable", "the database is unavailable; try again shortly")


async def _db_error(request: Request, exc: psycopg.Error) -> JSONResponse:
    if isinstance(exc, pg.UniqueViolation):
        what = exc.diag.constraint_name or "a unique key"
        return _json(409, "conflict", f"already exists ({what})")
    if isinstance(exc, pg.ForeignKeyViolation):
        return _json(
            422, "invalid_reference", "refers to an object that does not exist in this tenant"
        )
    if isinstance(exc, (pg.CheckViolation, pg.NotNullViolation, psycopg.DataError)):
        detail = exc.diag.message_primary or "value out of range"
        return _json(422, "invalid_input", f"invalid value: {detail}")
    if isinstance(exc, psycopg.OperationalError):
        log.error("database error on %s %s: %s", request.method, request.url.path, exc)
        return _json(503, "unavailable", "the database is unavailable; try again shortly")
    log.exception("database error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(500, "internal_error", "internal error; it has been logged")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(500, "internal_error", "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(DatabaseUnavailable, _db_unavailable)
    app.add_exception_handler(psycopg.Error, _db_error)
    app.add_exception_handler(Exception, _unexpected)
