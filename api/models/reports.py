"""Trial reports (HTML files written by `wasteroute trial`) offered to a tenant's planners."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ReportPublic(BaseModel):
    name: str = Field(description="the file name; GET /v1/reports/{name} serves it")
    title: str | None = Field(description="the report's <title>, if it has one")
    size_bytes: int
    modified_at: datetime
    url: str


class ReportsPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "name": "trial-2026-11.html",
                            "title": "wasteroute trial: Schiedam, 28 days",
                            "size_bytes": 184_233,
                            "modified_at": "2026-11-25T16:00:00Z",
                            "url": "/v1/reports/trial-2026-11.html",
                        }
                    ],
                    "count": 1,
                    "configured": True,
                }
            ]
        }
    )

    data: list[ReportPublic]
    count: int
    configured: bool = Field(description="false when the server has no API_REPORTS_DIR")
