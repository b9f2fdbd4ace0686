"""Shared fixtures: a fresh, migrated database on the real TimescaleDB and the real Mosquitto.

A missing service fails the test with a message that says how to start it; it never skips.
Isolation: each test session gets its own database; each test its own tenant and MQTT topic
prefix, so tests can commit for real (the ingest runs in other processes) without interfering.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import psycopg
import pytest

from storage import connect, migrate

ADMIN_URL = os.environ.get(
    "WASTEROUTE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres"
)
MQTT_URL = os.environ.get("WASTEROUTE_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
HOW_TO_START = "start the real services with `scripts/services.sh up` (or `make services`)"


def _url_for(database: str) -> str:
    parsed = urlparse(ADMIN_URL)
    return parsed._replace(path=f"/{database}").geturl()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A new database on the test TimescaleDB, migrated, dropped after the session."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"TimescaleDB is not reachable at {ADMIN_URL}: {exc}\n{HOW_TO_START}", pytrace=False
        )
    name = f"wasteroute_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = _url_for(name)
    with connect(url, autocommit=True) as conn:
        migrate(conn)
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection (dict rows) to the session's test database."""
    with connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def tenant_id(db: psycopg.Connection) -> str:
    """A fresh tenant, unique to this test."""
    tid = f"t-{uuid.uuid4().hex[:12]}"
    db.execute("INSERT INTO tenants (id, name) VALUES (%s, %s)", (tid, f"Test {tid}"))
    return tid


@pytest.fixture(scope="session")
def mqtt_url() -> str:
    """The real Mosquitto; fails with how-to-start if it is not listening."""
    parsed = urlparse(MQTT_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 1883), timeout=3).close()
    except OSError as exc:
        pytest.fail(
            f"Mosquitto is not reachable at {MQTT_URL}: {exc}\n{HOW_TO_START}", pytrace=False
        )
    return MQTT_URL


@pytest.fixture
def topic_prefix() -> str:
    """A unique MQTT tenant/topic segment for this test."""
    return f"t{uuid.uuid4().hex[:10]}"
