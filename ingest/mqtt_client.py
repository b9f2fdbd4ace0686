"""The paho-mqtt client of a worker: MQTT v5 (or 3.1.1), persistent session, manual acks.

`BufferedClient` is paho's `Client` with one change: the socket is read in 64 KiB chunks.
paho reads each packet with several tiny `recv` calls (1 byte of header, then the length
byte by byte, then the body); at 10,000 messages/s those system calls dominate. The chunk
buffer keeps paho's packet parser and state machine untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.errors import ConfigError
from ingest.settings import IngestSettings

READ_CHUNK = 65536


class BufferedClient(mqtt.Client):
    """paho Client reading the socket in chunks (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rbuf = b""
        self._rpos = 0

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._rpos >= len(self._rbuf):
            data = super()._sock_recv(READ_CHUNK)  # raises BlockingIOError when nothing waits
            if not data:
                return data
            self._rbuf, self._rpos = data, 0
        start = self._rpos
        self._rpos = min(start + bufsize, len(self._rbuf))
        return self._rbuf[start:self._rpos]

    def has_buffered(self) -> bool:
        """Bytes already read from the socket but not yet parsed."""
        return self._rpos < len(self._rbuf)

    def reconnect(self) -> mqtt.MQTTErrorCode:
        self._rbuf, self._rpos = b"", 0  # bytes of the old connection mean nothing now
        return super().reconnect()


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def parse_mqtt_url(url: str | None) -> BrokerAddress:
    """mqtt://[user[:password]@]host[:port] or mqtts://... (TLS)."""
    if not url:
        raise ConfigError("no broker: set MQTT_URL (e.g. mqtt://127.0.0.1:1883)")
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parsed.hostname:
        raise ConfigError(f"MQTT_URL must look like mqtt://host:port, got scheme {parsed.scheme!r}")
    tls = parsed.scheme in ("mqtts", "ssl")
    return BrokerAddress(parsed.hostname, parsed.port or (8883 if tls else 1883), tls,
                         unquote(parsed.username) if parsed.username else None,
                         unquote(parsed.password) if parsed.password else None)


def make_client(settings: IngestSettings, client_id: str, v5: bool) -> BufferedClient:
    """A client with manual acks and a persistent session, not yet connected (connect_async)."""
    address = parse_mqtt_url(settings.mqtt_url)
    client = BufferedClient(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
                            clean_session=None if v5 else False, manual_ack=True)
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.max_queued_messages_set(0)
    if v5:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = settings.session_expiry_s
        props.ReceiveMaximum = max(1, min(settings.queue_size, 65535))
        client.connect_async(address.host, address.port, settings.keepalive_s,
                             clean_start=False, properties=props)
    else:
        client.connect_async(address.host, address.port, settings.keepalive_s)
    return client


def subscriptions(settings: IngestSettings, shared: bool) -> list[tuple[str, int]]:
    """The topic filters to subscribe to at QoS 1; `$share/<group>/...` when shared."""
    if shared and settings.share_group:
        return [(f"$share/{settings.share_group}/{t}", 1) for t in settings.topics]
    return [(t, 1) for t in settings.topics]
