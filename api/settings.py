"""The API's one settings class. Env prefix `API_`; the shared `DATABASE_URL` is plain.

`API_JWT_SECRET` has no default: the app refuses to start without it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="API_", env_file=".env", extra="ignore")

    database_url: str = Field(validation_alias=AliasChoices("DATABASE_URL", "API_DATABASE_URL"))
    jwt_secret: str = Field(min_length=32, description="HS256 signing key; at least 32 characters")
    jwt_ttl_s: int = Field(default=3600, ge=60, le=86_400)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    workers: int = Field(default=1, ge=1, le=64)
    pool_min_size: int = Field(default=2, ge=1)
    pool_max_size: int = Field(default=10, ge=1)
    # Login rate limit: at most this many failed attempts per username, and per client
    # address (x4), within the window; beyond it the login answers 429 with Retry-After.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    # Dead sensors: no reading for this long marks a sensor stale.
    stale_after_s: int = Field(default=6 * 3600, ge=60)
    low_battery_pct: float = Field(default=15.0, ge=0, le=100)
    max_import_rows: int = Field(default=20_000, ge=1)
    # Request size limits (api.limits): the body of most endpoints, of a stop-event batch, of
    # a container import; the request line and headers together.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_batch_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_import_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    # Trial reports (HTML from `wasteroute trial`): API_REPORTS_DIR/<tenant_id>/*.html are
    # offered to that tenant's planners at /v1/reports. None: no reports.
    reports_dir: Path | None = None
