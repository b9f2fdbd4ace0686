"""The paho-mqtt client of a worker: MQTT v5 (or 3.1.1), persistent session, manual acks.

`BufferedClient` is paho's `Client` with three changes for throughput, measured with
`wasteroute bench ingest` (docs/benchmarks.md); paho's state machine is otherwise untouched:
- the socket is read in 64 KiB chunks: paho reads each packet with several tiny `recv`
  calls (1 byte of header, the length byte by byte, then the body);
- a PUBLISH without MQTT v5 properties (QoS 0/1, what sensors and bridges send) is decoded
  here into a small `Message`: paho builds a v5 `Properties` object per message, which alone
  cost about 300 µs under the profiler, and a `threading.Condition` per message;
- `ack_many` sends the PUBACKs of a committed batch in one write instead of one each.
`ping` sends a PINGREQ on demand: a worker that stops waits for its answer, so the broker has
processed the last acknowledgements before the connection closes.
These override or call paho 2.x internals (`_sock_recv`, `_handle_publish`, `_packet_queue`,
`_send_pingreq`);
paho is pinned below 3 in pyproject.toml, and tests/ingest exercise them on a real broker.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.errors import ConfigError
from ingest.settings import IngestSettings

READ_CHUNK = 65536
_PUBACK = 0x40


class Message:
    """A received PUBLISH, as handed to `on_message` by the fast path (duck-types MQTTMessage)."""

    __slots__ = ("topic", "payload", "mid", "qos", "dup", "retain", "properties")

    def __init__(
        self, topic: str, payload: bytes, mid: int, qos: int, dup: bool, retain: bool
    ) -> None:
        self.topic = topic
        self.payload = payload
        self.mid = mid
        self.qos = qos
        self.dup = dup
        self.retain = retain
        self.properties = None


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
        return self._rbuf[start : self._rpos]

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        command, packet = self._in_packet["command"], self._in_packet["packet"]
        qos = (command & 0x06) >> 1
        topic_len = (packet[0] << 8) | packet[1]
        pos = 2 + topic_len
        mid = 0
        if qos == 1:
            mid = (packet[pos] << 8) | packet[pos + 1]
            pos += 2
        if (
            qos == 2
            or self.on_message is None
            or (self._protocol == mqtt.MQTTv5 and (pos >= len(packet) or packet[pos] != 0))
        ):
            return super()._handle_publish()  # QoS 2 or v5 properties: paho's full decoder
        if self._protocol == mqtt.MQTTv5:
            pos += 1  # property length 0
        topic = bytes(packet[2 : 2 + topic_len]).decode("utf-8", "replace")
        message = Message(
            topic, bytes(packet[pos:]), mid, qos, bool(command & 0x08), bool(command & 0x01)
        )
        with self._in_callback_mutex:
            self.on_message(self, self._userdata, message)  # type: ignore[arg-type]
        if qos == 1 and not self._manual_ack:
            return self._send_puback(mid)
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    def ack_many(self, mids: list[int]) -> None:
        """Queue one write holding the PUBACKs of `mids` (QoS 1; success, no properties)."""
        if mids:
            data = b"".join([struct.pack("!BBH", _PUBACK, 2, mid) for mid in mids])
            self._packet_queue(_PUBACK, data, 0, 0)

    def ping(self) -> None:
        """Queue a PINGREQ; `ping_answered()` turns true once its PINGRESP has been read.

        The broker handles a connection's packets in order, so the answer means every packet
        queued before the PINGREQ (acknowledgements above all) has been processed.
        """
        self._send_pingreq()

    def ping_answered(self) -> bool:
        return self._ping_t == 0

    def abort(self) -> None:
        """Drop the connection without a DISCONNECT (a broker that never answered CONNECT)."""
        self._sock_close()

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
    return BrokerAddress(
        parsed.hostname,
        parsed.port or (8883 if tls else 1883),
        tls,
        unquote(parsed.username) if parsed.username else None,
        unquote(parsed.password) if parsed.password else None,
    )


def make_client(settings: IngestSettings, client_id: str, v5: bool) -> BufferedClient:
    """A client with manual acks and a persistent session, not yet connected (connect_async)."""
    address = parse_mqtt_url(settings.mqtt_url)
    client = BufferedClient(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        clean_session=None if v5 else False,
        manual_ack=True,
    )
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.max_queued_messages_set(0)
    if v5:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = settings.session_expiry_s
        props.ReceiveMaximum = max(1, min(settings.queue_size, 65535))
        client.connect_async(
            address.host, address.port, settings.keepalive_s, clean_start=False, properties=props
        )
    else:
        client.connect_async(address.host, address.port, settings.keepalive_s)
    return client


def subscriptions(settings: IngestSettings, shared: bool) -> list[tuple[str, int]]:
    """The topic filters to subscribe to at QoS 1; `$share/<group>/...` when shared."""
    if shared and settings.share_group:
        return [(f"$share/{settings.share_group}/{t}", 1) for t in settings.topics]
    return [(t, 1) for t in settings.topics]
