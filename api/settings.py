"""The API's one settings class. Env prefix `API_`; the shared `DATABASE_URL` is plain.

`API_JWT_SECRET` has no default: the app refuses to start without it.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    # Login rate limit (api.login_limiter): at most this many failed attempts per username
    # from one client address, 4x that per client address, and 20x that per username from
    # addresses it never logged in from, within the window; beyond it 429 with Retry-After.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated,
    # e.g. "10.0.0.0/8,192.0.2.7"). Empty: the direct peer is the client (not even loopback is
    # trusted). See api.client_address.
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()
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

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> tuple[IPv4Network | IPv6Network, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("a comma-separated list of addresses or networks")
        networks = []
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            try:
                networks.append(ip_network(text))
            except ValueError as exc:
                raise ValueError(
                    f"{text!r} is no address or network (like 10.0.0.0/8 or 192.0.2.7)"
                ) from exc
        return tuple(networks)
