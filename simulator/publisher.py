"""Publish simulated uplinks to an MQTT broker with paho-mqtt 2 (QoS 1).

MQTT v5 first; if the broker refuses it (amqtt speaks 3.1.1 only), MQTT 3.1.1.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

from simulator.errors import ServiceUnavailable

log = logging.getLogger(__name__)


class MqttPublisher:
    """A connected publisher. Use as a context manager; `publish_all` waits for the acks."""

    def __init__(self, url: str, client_id: str | None = None, max_inflight: int = 200) -> None:
        self.url = urlparse(url)
        if self.url.scheme not in ("mqtt", "tcp", ""):
            raise ServiceUnavailable(f"unsupported MQTT URL {url!r}: use mqtt://host:port")
        self.client_id = client_id or f"wasteroute-sim-{uuid.uuid4().hex[:8]}"
        self.max_inflight = max_inflight
        self.client: mqtt.Client | None = None
        self.published = 0

    def _connect(self, protocol) -> tuple[mqtt.Client, str | None]:
        """Connect and wait for the CONNACK; return the client and an error, if refused."""
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             protocol=protocol)
        client.max_inflight_messages_set(self.max_inflight)
        if self.url.username:
            client.username_pw_set(self.url.username, self.url.password)
        answered = threading.Event()
        outcome: list[str | None] = [None]

        def on_connect(_c, _u, _flags, reason, _props=None) -> None:
            outcome[0] = None if not reason.is_failure else str(reason)
            answered.set()

        def on_disconnect(_c, _u, _flags, reason, _props=None) -> None:
            if not answered.is_set():
                outcome[0] = f"disconnected before CONNACK ({reason})"
                answered.set()

        client.on_connect, client.on_disconnect = on_connect, on_disconnect
        client.connect(self.url.hostname or "127.0.0.1", self.url.port or 1883, keepalive=30)
        client.loop_start()
        if not answered.wait(5):
            outcome[0] = "no CONNACK within 5 s"
        return client, outcome[0]

    def __enter__(self) -> MqttPublisher:
        errors = []
        for protocol in (mqtt.MQTTv5, mqtt.MQTTv311):
            try:
                client, error = self._connect(protocol)
            except OSError as exc:
                raise ServiceUnavailable(f"MQTT broker not reachable at {self.url.geturl()}: "
                                         f"{exc}") from exc
            if error is None:
                client.on_disconnect = None
                self.client = client
                return self
            errors.append(f"MQTT {'5' if protocol == mqtt.MQTTv5 else '3.1.1'}: {error}")
            client.loop_stop()
            client.disconnect()
        raise ServiceUnavailable(f"MQTT broker at {self.url.geturl()} refused the simulator: "
                                 + "; ".join(errors))

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None

    def publish_all(self, messages: Iterable, timeout_s: float = 60.0) -> int:
        """Publish (topic, payload) pairs or `Uplink`s at QoS 1; wait for every ack."""
        assert self.client is not None, "use MqttPublisher as a context manager"
        infos = []
        for m in messages:
            topic, payload = (m.topic, m.payload) if hasattr(m, "topic") else m
            infos.append(self.client.publish(topic, payload, qos=1))
        for info in infos:
            info.wait_for_publish(timeout=timeout_s)
        self.published += len(infos)
        return len(infos)
