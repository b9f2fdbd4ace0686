"""The publishing side of `wasteroute bench ingest`: one process, QoS 1, as fast as the
broker acknowledges (a bounded window of unacknowledged messages).

Each payload is native JSON whose `measured_at` is the publish time (epoch seconds, µs), so
the database's `received_at - measured_at` is the publish-to-write latency.
"""

from __future__ import annotations

import select
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt

# Unacknowledged publishes in flight: below the broker's Receive Maximum (mosquitto
# max_inflight_messages, 1000 here). paho itself is told "unlimited" (0) because its own
# inflight accounting rescans every queued message on each PUBACK.
WINDOW = 900


def publish_main(mqtt_url: str, tenant_id: str, device_ids: list[str], n: int, published: Any,
                 go: Any) -> None:
    """Publish n readings round-robin over device_ids; count them in `published` (a shared int)."""
    from ingest.mqtt_client import BufferedClient, parse_mqtt_url

    address = parse_mqtt_url(mqtt_url)
    acked = [0]
    client = BufferedClient(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:8]}",
                            protocol=mqtt.MQTTv5)
    client.on_publish = lambda *args: acked.__setitem__(0, acked[0] + 1)
    client.on_socket_register_write = lambda *args: None  # we write in our own loop
    client.max_inflight_messages_set(0)
    client.max_queued_messages_set(0)
    client.connect(address.host, address.port, keepalive=60)
    while not client.is_connected():
        _pump(client, 0.05)
    topics = [f"wasteroute/v1/{tenant_id}/devices/{d}/up" for d in device_ids]
    go.wait()
    for i in range(n):
        while i - acked[0] >= WINDOW:
            _pump(client, 0.01)
        payload = '{"measured_at":%.6f,"fill_fraction":%.2f}' % (time.time(), (i % 100) / 100)
        client.publish(topics[i % len(topics)], payload, qos=1)
        if i % 200 == 199:
            _pump(client, 0)
            with published.get_lock():
                published.value += 200
    while acked[0] < n:
        _pump(client, 0.05)
    with published.get_lock():
        published.value += n % 200
    client.disconnect()
    client.loop_write()


def _pump(client: Any, timeout_s: float) -> None:
    sock = client.socket()
    if client.has_buffered():
        ready = True
    else:
        r, _, _ = select.select([sock], [sock] if client.want_write() else [], [], timeout_s)
        ready = bool(r)
    if ready:
        for _ in range(5000):
            if client.loop_read() != mqtt.MQTT_ERR_SUCCESS or not client.has_buffered():
                break
    if client.want_write():
        client.loop_write()
    client.loop_misc()
