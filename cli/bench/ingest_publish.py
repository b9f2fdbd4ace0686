"""The publishing side of `wasteroute bench ingest`: one process, QoS 1, MQTT 3.1.1.

A load generator must not compete for the CPU it measures, and paho costs 70-90 µs of CPU
per QoS 1 publish (message-info objects, a condition variable, callbacks per PUBACK). So this
speaks the few MQTT 3.1.1 packets it needs directly on a socket: CONNECT, PUBLISH (QoS 1,
written 100 at a time) and counting PUBACKs, with at most `WINDOW` unacknowledged.

Each payload is native JSON whose `measured_at` is the publish time (epoch seconds, µs), so
the database's `received_at - measured_at` is the publish-to-write latency.
"""

from __future__ import annotations

import select
import socket
import struct
import time
import uuid
from typing import Any

# Unacknowledged publishes in flight: below the broker's limit for one client
# (mosquitto max_inflight_messages, 1000 here).
WINDOW = 900
CHUNK = 100


def publish_main(
    mqtt_url: str,
    tenant_id: str,
    device_ids: list[str],
    n: int,
    published: Any,
    go: Any,
    rate: float = 0.0,
) -> None:
    """Publish n readings round-robin over device_ids, at most `rate` per second (0: as fast as
    the broker acknowledges); count them in `published` (a shared int)."""
    from ingest.mqtt_client import parse_mqtt_url

    address = parse_mqtt_url(mqtt_url)
    sock = socket.create_connection((address.host, address.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(_connect_packet(f"bench-pub-{uuid.uuid4().hex[:8]}"))
    if _read_exactly(sock, 4)[:2] != b"\x20\x02":
        raise RuntimeError("broker refused the benchmark publisher")
    topics = [f"wasteroute/v1/{tenant_id}/devices/{d}/up".encode() for d in device_ids]
    heads = [struct.pack("!H", len(t)) + t for t in topics]
    go.wait()
    acked, sent, rest = 0, 0, b""
    t0 = time.monotonic()
    while sent < n:
        if rate:
            ahead = sent / rate - (time.monotonic() - t0)
            if ahead > 0:
                acked, rest = _read_acks(sock, acked, rest, ahead)
                continue
        while sent - acked > WINDOW - CHUNK:
            acked, rest = _read_acks(sock, acked, rest, 1.0)
        parts = []
        for i in range(sent, min(n, sent + CHUNK)):
            body = b'{"measured_at":%.6f,"fill_fraction":%.2f}' % (time.time(), (i % 100) / 100)
            head = heads[i % len(heads)]
            parts.append(_publish_packet(head, i % 65535 + 1, body))
        sock.sendall(b"".join(parts))
        with published.get_lock():
            published.value += len(parts)
        sent += len(parts)
        acked, rest = _read_acks(sock, acked, rest, 0)
    while acked < n:
        acked, rest = _read_acks(sock, acked, rest, 1.0)
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()


def _publish_packet(head: bytes, mid: int, body: bytes) -> bytes:
    rest = head + struct.pack("!H", mid) + body
    return b"\x32" + _varint(len(rest)) + rest


def _read_acks(sock: socket.socket, acked: int, rest: bytes, timeout_s: float) -> tuple[int, bytes]:
    """Count PUBACKs (4 bytes each: the broker sends us nothing else)."""
    r, _, _ = select.select([sock], [], [], timeout_s)
    if not r:
        return acked, rest
    data = rest + sock.recv(65536)
    if not data:
        raise ConnectionError("broker closed the benchmark publisher's connection")
    whole = len(data) // 4
    return acked + whole, data[whole * 4 :]


def _connect_packet(client_id: str) -> bytes:
    cid = client_id.encode()
    variable = b"\x00\x04MQTT\x04\x02" + struct.pack("!H", 60)  # 3.1.1, clean session, keepalive
    payload = struct.pack("!H", len(cid)) + cid
    return b"\x10" + _varint(len(variable) + len(payload)) + variable + payload


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        data += chunk
    return data
