"""The demo's services, in this process: PostgreSQL, an MQTT broker, the ingest, the API.

Each `start_*` returns what the caller needs to use and stop it; none needs root or Docker.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.errors import UserError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_database(data_dir: Path) -> tuple[str, str]:
    """$DATABASE_URL if set, else the embedded PostgreSQL in `data_dir`; migrated.
    Returns (url, where it came from)."""
    from storage import connect, migrate
    from storage.settings import DatabaseSettings

    url, where = DatabaseSettings().database_url, "$DATABASE_URL"
    if not url:
        from storage.embedded import start_embedded_postgres

        url = start_embedded_postgres(data_dir / "pg")
        where = f"embedded PostgreSQL in {data_dir}"
    with connect(url, autocommit=True) as conn:
        migrate(conn)
    return url, where


def start_amqtt_broker(port: int) -> threading.Thread:
    """An amqtt broker on 127.0.0.1:`port` in a daemon thread (its own event loop)."""
    from amqtt.broker import Broker

    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    ready = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            broker = Broker(config, loop=loop)
            loop.run_until_complete(broker.start())
        except BaseException as exc:  # reported to the caller below
            errors.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="amqtt-broker", daemon=True)
    thread.start()
    if not ready.wait(15) or errors:
        why = errors[0] if errors else "timeout"
        raise UserError(f"the in-process MQTT broker did not start: {why}")
    return thread


def start_broker(mqtt_url: str | None) -> tuple[str, bool]:
    """`mqtt_url` if given, else an in-process amqtt broker. Returns (url, embedded)."""
    if mqtt_url:
        return mqtt_url, False
    port = free_port()
    start_amqtt_broker(port)
    return f"mqtt://127.0.0.1:{port}", True


@dataclass
class IngestHandle:
    worker: Any  # ingest.Worker (imported lazily)
    stop: threading.Event
    thread: threading.Thread

    def processed(self) -> int:
        """Messages the worker has finished with (stored, duplicate, rejected, status)."""
        reg = self.worker.metrics.registry
        names = (
            "ingest_readings_stored_total",
            "ingest_readings_duplicate_total",
            "ingest_status_updates_total",
        )
        done = sum(reg.get_sample_value(n) or 0.0 for n in names)
        for metric in reg.collect():
            if metric.name == "ingest_messages_rejected":
                done += sum(s.value for s in metric.samples if s.name.endswith("_total"))
        return int(done)

    def received(self) -> int:
        return int(
            self.worker.metrics.registry.get_sample_value("ingest_messages_received_total") or 0
        )

    def wait_for(self, published: int, timeout_s: float = 60.0) -> bool:
        """Wait until every published message is received and written; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.received() >= published and self.processed() >= self.received():
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        self.stop.set()
        self.thread.join(35)


def start_ingest(database_url: str, mqtt_url: str, embedded_broker: bool) -> IngestHandle:
    """An in-process ingest worker: one plain subscription (MQTT 3.1.1 on amqtt, which has
    neither MQTT 5 nor shared subscriptions)."""
    from ingest import IngestSettings, Worker

    urls: dict[str, Any] = {"INGEST_DATABASE_URL": database_url, "INGEST_MQTT_URL": mqtt_url}
    settings = IngestSettings(
        **urls,
        share_group="",
        client_id=f"wasteroute-demo-{uuid.uuid4().hex[:6]}",
        protocol="3.1.1" if embedded_broker else "auto",
        max_age_s=30 * 86400,
    )
    stop = threading.Event()
    worker = Worker(settings, stop)
    thread = threading.Thread(target=worker.run, name="ingest", daemon=True)
    thread.start()
    if not worker.subscribed.wait(30):
        stop.set()
        raise UserError(
            "the in-process ingest worker (ingest.Worker) did not subscribe to "
            f"{mqtt_url} within 30 s: the live ingest stage failed"
        )
    return IngestHandle(worker, stop, thread)


class ApiServer:
    """The HTTP API (uvicorn) in a daemon thread on 127.0.0.1 and a free port, signed with
    a JWT secret made up for this run."""

    def __init__(
        self, database_url: str, port: int | None = None, reports_dir: Path | None = None
    ) -> None:
        import uvicorn

        from api import ApiSettings, create_app

        self.port = port or free_port()
        settings = ApiSettings(
            database_url=database_url,
            jwt_secret=secrets.token_urlsafe(48),
            host="127.0.0.1",
            port=self.port,
            reports_dir=reports_dir,
        )
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            log_config=None,  # keep the CLI's logging set-up
            timeout_keep_alive=30,
            proxy_headers=False,  # whom to believe is API_TRUSTED_PROXIES' (api.client_address)
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="api", daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise UserError(f"the API did not start on {self.url} within {timeout_s:.0f} s")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
