"""Against amqtt (the demo's in-process broker: MQTT 3.1.1 only, no shared subscriptions) the
worker falls back to 3.1.1 and a plain subscription, and still stores readings."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest

from ingest import IngestSettings, Worker, native_payload, native_topic
from tests.ingest.conftest import count_rows, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def amqtt_url():
    """An amqtt broker in a thread, on a free port."""
    from amqtt.broker import Broker

    port = _free_port()
    loop = asyncio.new_event_loop()
    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    ready = threading.Event()
    made: list = []

    def serve() -> None:
        # amqtt's Broker makes futures on the current loop, so build it in its own thread.
        asyncio.set_event_loop(loop)
        made.append(Broker(config, loop=loop))
        loop.run_until_complete(made[0].start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10), "amqtt did not start"
    broker = made[0]
    logging.getLogger("amqtt").setLevel(logging.WARNING)
    yield f"mqtt://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_worker_falls_back_to_mqtt_311_on_amqtt(db, database_url, tenant_id, add_device, amqtt_url):
    """run in-process (as the demo does): v5 is refused, 3.1.1 works, readings are stored."""
    device = add_device()
    settings = IngestSettings(
        database_url=database_url,
        mqtt_url=amqtt_url,
        topics=[f"wasteroute/v1/{tenant_id}/devices/+/up"],
        client_id=f"fallback-{tenant_id}",
        flush_interval_s=0.05,
    )
    stop = threading.Event()
    worker = Worker(settings, stop)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        assert worker.subscribed.wait(20), "the worker did not subscribe on amqtt"
        assert not worker.v5
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        pub.connect("127.0.0.1", int(amqtt_url.rsplit(":", 1)[1]))
        pub.loop_start()
        now = datetime.now(UTC).replace(microsecond=0)
        for i in range(20):
            pub.publish(
                native_topic(tenant_id, device),
                native_payload(now.replace(second=i), fill_fraction=i / 20),
                qos=1,
            ).wait_for_publish(5)
        wait_for(lambda: count_rows(db, tenant_id) == 20, 20, "20 readings via amqtt")
        pub.disconnect()
        pub.loop_stop()
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    time.sleep(0)
