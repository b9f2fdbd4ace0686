"""Shared field types and the error body."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

MAX_ID = 9_223_372_036_854_775_807


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


#: Numbers are numbers: pydantic would take `true`/`false` as 1/0 (`{"lat": false}` stored as
#: 0.0). Every numeric input type below, and in the other models, carries this.
NotBool = BeforeValidator(_not_bool)
#: Plan and route days: a sane range (a typo like 1819 or 20260 is an error, not a plan).
FIRST_PLAN_DATE, LAST_PLAN_DATE = date(2000, 1, 1), date(2100, 12, 31)
PlanDate = Annotated[
    date,
    Field(ge=FIRST_PLAN_DATE, le=LAST_PLAN_DATE, description="a day between 2000 and 2100"),
]

#: One line of text: no control characters (they are never meaningful here and NUL breaks SQL).
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]
LongText = Annotated[
    str, StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Id = Annotated[int, NotBool, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="object id")]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
Lat = Annotated[float, NotBool, Field(ge=-90, le=90, description="WGS84 latitude")]
Lon = Annotated[float, NotBool, Field(ge=-180, le=180, description="WGS84 longitude")]
Fill = Annotated[
    float,
    NotBool,
    Field(ge=0, le=2, description="fill fraction, 1.0 = full (FIWARE fillingLevel)"),
]


class ErrorPublic(BaseModel):
    """Every error answer: a stable code and a message that names what was wrong."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"code": "not_found", "message": "no container 42"},
                {
                    "code": "validation_error",
                    "message": "invalid lat: Input should be less than or equal to 90",
                    "details": [
                        {"field": "lat", "message": "Input should be less than or equal to 90"}
                    ],
                },
            ]
        }
    )

    code: str
    message: str
    details: list[dict[str, Any]] | None = None


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Bad request",
        401: "Not authenticated",
        403: "Your role may not do this",
        404: "Not found (in your tenant)",
        409: "Conflict with an existing object",
        413: "Too large",
        415: "Unsupported media type",
        422: "Invalid input",
        429: "Too many attempts",
        503: "Database unavailable",
    }
    return {c: {"model": ErrorPublic, "description": text.get(c, "Error")} for c in codes}


#: What every authenticated endpoint may answer besides success.
AUTHED = error_responses(401, 403, 404, 422, 503)


def _local_time(value: Any) -> Any:
    if isinstance(value, str):
        if not _TIME_RE.fullmatch(value):
            raise ValueError("expected a local time HH:MM or HH:MM:SS")
        return time.fromisoformat(value)
    return value


_TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")
#: A local wall-clock time without zone, as "HH:MM:SS" (input also "HH:MM").
LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    PlainSerializer(lambda t: t.strftime("%H:%M:%S"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
            "examples": ["07:00:00"],
        }
    ),
]
