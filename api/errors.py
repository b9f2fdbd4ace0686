"""API errors and the handlers that turn every failure into a JSON answer.

ApiError                 an HTTP answer with a status, a stable `code` and a clear message
 ├── NotFoundError       404: no such object *for this tenant* (never says whether it exists
 │                       elsewhere)
 ├── ConflictError       409: a key unique in your tenant is taken (external id, name, ...)
 ├── InvalidInput        422: well-formed but wrong input the models cannot catch (a CSV row, ...)
 │    └── NotAvailable   422: a name unique across the deployment (username, device id,
 │                       DevEUI) is taken or reserved; the same answer whether it is taken
 │                       in your tenant or in another one, so it confirms no other tenant's
 ├── Unauthorized        401: no or bad credentials
 ├── Forbidden           403: your role may not do this (only for your own tenant's endpoints)
 ├── TooManyRequests     429: login rate limit; carries Retry-After
 └── Unavailable         503: the database cannot be reached

Storage's `NotFound` becomes 404; psycopg integrity and data errors become 409/422 without
naming a database constraint, table or column (`_unique_violation`, `_check_violation`); any
other exception is logged and answers 500 with no internals. Only `api/` maps errors to HTTP.
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


class NotAvailable(InvalidInput):
    code = "not_available"

    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: not available; choose another")


#: Unique keys across the deployment (not per tenant): a clash answers NotAvailable.
DEPLOYMENT_KEYS = {
    "devices_pkey": "device_id",
    "devices_dev_eui_key": "dev_eui",
    "device_credentials_pkey": "device_id",
    "device_credentials_username_key": "device_id",
    "users_username": "username",
}
#: Unique keys within a tenant: a clash answers 409 naming the field.
TENANT_KEYS = {
    "containers_tenant_id_external_id_key": "external_id",
    "depots_tenant_id_name_key": "name",
    "vehicles_tenant_id_name_key": "name",
    "disposal_sites_tenant_id_name_key": "name",
    "tenants_pkey": "id",
}


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
    codes = {
        404: "not_found",
        405: "method_not_allowed",
        401: "unauthorized",
        403: "forbidden",
        413: "too_large",
    }
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


def _unique_violation(exc: psycopg.Error) -> JSONResponse:
    name = exc.diag.constraint_name or ""
    if name in DEPLOYMENT_KEYS:
        error = NotAvailable(DEPLOYMENT_KEYS[name])
        return _json(error.status_code, error.code, error.message)
    field = TENANT_KEYS.get(name)
    return _json(409, "conflict", f"{field}: already exists" if field else "already exists")


def _check_violation(exc: psycopg.Error) -> JSONResponse:
    column = exc.diag.column_name  # a column of the request, never a constraint's name
    return _json(422, "invalid_input", f"invalid {column}" if column else "invalid value")


async def _db_error(request: Request, exc: psycopg.Error) -> JSONResponse:
    if isinstance(exc, pg.UniqueViolation):
        return _unique_violation(exc)
    if isinstance(exc, pg.ForeignKeyViolation):
        return _json(
            422, "invalid_reference", "refers to an object that does not exist in this tenant"
        )
    if isinstance(exc, (pg.CheckViolation, pg.NotNullViolation, psycopg.DataError)):
        log.info("database refused a value on %s %s: %s", request.method, request.url.path, exc)
        return _check_violation(exc)
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
