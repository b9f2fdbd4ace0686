"""Which tenant a LoRaWAN uplink's topic belongs to: the registered network-server
applications (storage.ingest_applications), reloaded at most every `ttl_s`.

The rule (ingest.validate.check_application), for The Things Stack and ChirpStack uplinks:
- an application registered to tenant A only reaches A's devices: a topic of A's application
  that names a device of B is rejected (`wrong_tenant`);
- a tenant that has registered any application is reached only through its own applications:
  an uplink for one of its devices on another or an unregistered application is rejected;
- a tenant that registered none (the demo, a single-tenant deployment) is reached through any
  application, the device named by the topic deciding the tenant.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

from storage.ingest_applications import all_applications

Clock = Callable[[], float]


class ApplicationRegistry:
    """The registered applications, cached for `ttl_s` (one small query per refresh)."""

    def __init__(self, ttl_s: float = 60.0, clock: Clock = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._expires = float("-inf")
        self._owner: dict[tuple[str, str], str] = {}
        self._guarded: frozenset[str] = frozenset()

    def refresh(self, conn: psycopg.Connection) -> None:
        """Reload the registry if it is older than `ttl_s`."""
        now = self._clock()
        if now < self._expires:
            return
        apps = all_applications(conn)
        self._owner = {(a.source_format, a.application): a.tenant_id for a in apps}
        self._guarded = frozenset(a.tenant_id for a in apps)
        self._expires = now + self._ttl_s

    def owner(self, source_format: str, application: str) -> str | None:
        """The tenant the application is registered to, if any."""
        return self._owner.get((source_format, application))

    def guarded(self, tenant_id: str) -> bool:
        """True if the tenant registered any application (then only those reach it)."""
        return tenant_id in self._guarded
