"""All SQL lives here (psycopg 3). Imports only `domain` first-party.

Public API:
- `connect`, `open_pool`, `has_timescaledb`, `redact`: connections (storage.db).
- `migrate`, `applied_versions`, `available_migrations`: schema migrations (storage.migrate).
- Query modules, one per concept: `storage.tenants`, `storage.containers`, `storage.readings`,
  ... each with functions that take a connection and a `tenant_id` first.
- Errors: `StorageError`, `DatabaseUnavailable`, `MigrationError`, `NotFound` (storage.errors).
"""

from storage.db import connect, has_timescaledb, open_pool, redact
from storage.errors import DatabaseUnavailable, MigrationError, NotFound, StorageError
from storage.migrate import applied_versions, available_migrations, migrate

__all__ = [
    "DatabaseUnavailable",
    "MigrationError",
    "NotFound",
    "StorageError",
    "applied_versions",
    "available_migrations",
    "connect",
    "has_timescaledb",
    "migrate",
    "open_pool",
    "redact",
]
