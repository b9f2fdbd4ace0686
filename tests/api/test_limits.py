"""Limits before work (issue 17 item 5): credentials are checked before a body is read, the
body is cut off at the endpoint's limit while it streams, and oversized headers are refused,
both by the middleware and by the HTTP server while the headers arrive."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn

from api.http_limits import LimitedHttpToolsProtocol

CHUNK_BYTES = 64 * 1024


@dataclass
class Exchange:
    """What the app pulled from the client and what it answered."""

    chunks_read: int = 0
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> dict:
        return json.loads(self.body)


def _asgi(
    app,
    method: str,
    path: str,
    headers: dict[str, str],
    *,
    chunks: int,
    declare_length: bool = True,
    prefix: bytes = b"",
) -> Exchange:
    """Send `chunks` chunks of CHUNK_BYTES to the ASGI app, counting how many it reads."""
    out = Exchange()
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if declare_length:
        raw_headers.append((b"content-length", str(chunks * CHUNK_BYTES).encode()))
    else:
        raw_headers.append((b"transfer-encoding", b"chunked"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    async def receive():
        if out.chunks_read >= chunks:
            await asyncio.sleep(3600)  # the client has nothing more to send
        out.chunks_read += 1
        return {
            "type": "http.request",
            "body": (prefix if out.chunks_read == 1 else b"") + b"x" * CHUNK_BYTES,
            "more_body": out.chunks_read < chunks,
        }

    async def send(message):
        if message["type"] == "http.response.start":
            out.status = message["status"]
            out.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out.body += message.get("body", b"")

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=30))
    return out


def test_a_body_without_credentials_is_refused_unread(client):
    """1,400 chunks (90 MB) to a protected endpoint without a token: 401 before one byte of
    the body is read (it used to be read and parsed first)."""
    r = _asgi(client.app, "POST", "/v1/containers", {}, chunks=1400)
    assert r.status == 401 and r.json()["code"] == "unauthorized"
    assert r.chunks_read == 0
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}
    r = _asgi(client.app, "POST", "/v1/containers/import", forged, chunks=1400)
    assert r.status == 401 and r.chunks_read == 0
    r = _asgi(client.app, "POST", "/v1/stop-events", {"X-API-Key": "not-a-key"}, chunks=10)
    assert r.status == 401 and r.chunks_read == 0


def test_a_declared_length_over_the_limit_is_413_before_reading(client, planner, api_settings):
    r = _asgi(client.app, "POST", "/v1/containers", planner.headers, chunks=2)
    assert 2 * CHUNK_BYTES > api_settings.max_body_bytes
    assert r.status == 413 and r.json()["code"] == "too_large" and r.chunks_read == 0


def test_a_streamed_body_is_cut_off_at_the_limit(client, planner, api_settings):
    """Chunked, with no length: the app stops reading as soon as the limit is passed."""
    r = _asgi(
        client.app, "POST", "/v1/containers", planner.headers, chunks=1400, declare_length=False
    )
    assert r.status == 413 and r.json()["code"] == "too_large"
    assert r.chunks_read <= api_settings.max_body_bytes // CHUNK_BYTES + 1
    r = _asgi(
        client.app,
        "POST",
        "/v1/containers/import",
        {**planner.headers, "Content-Type": "multipart/form-data; boundary=b"},
        chunks=1400,
        declare_length=False,
        prefix=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n',
    )
    assert r.status == 413, r.body
    assert r.chunks_read <= api_settings.max_import_bytes // CHUNK_BYTES + 1


def test_imports_and_batches_have_larger_limits(client, planner, api_settings):
    """A 200 KB import is parsed (and refused for its content, not its size)."""
    assert api_settings.max_import_bytes > 200_000 > api_settings.max_body_bytes
    text = "external_id,lat,lon,fraction,volume_l\n" + "X,91,4,residual,100\n" * 10_000
    assert len(text) > 200_000
    r = client.post(
        "/v1/containers/import",
        files={"file": ("c.csv", text.encode(), "text/csv")},
        headers=planner.headers,
    )
    assert r.status_code == 422 and "CSV line 2" in r.json()["message"], r.text
    events = [
        {
            "event_id": f"00000000-0000-4000-8000-{i:012d}",
            "kind": "disposal",
            "occurred_at": "2026-11-25T10:02:00+01:00",
            "weight_kg": 1,
            "note": "n" * 300,
        }
        for i in range(500)
    ]
    body = json.dumps({"events": events})
    assert len(body) > api_settings.max_body_bytes
    r = client.post(
        "/v1/stop-events",
        content=body,
        headers={**planner.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["created"] == 500, r.text[:300]


def test_headers_over_the_limit_are_431(client, planner, api_settings):
    big = {**planner.headers, "X-Padding": "p" * api_settings.max_header_bytes}
    r = client.get("/v1/containers", headers=big)
    assert r.status_code == 431 and r.json()["code"] == "headers_too_large"
    assert client.get("/v1/containers", headers=planner.headers).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_http_server_refuses_huge_headers_while_they_arrive():
    """uvicorn with httptools has no header limit of its own; ours answers 431 once the
    headers pass the limit, without waiting for them to end."""

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            http=LimitedHttpToolsProtocol,
            log_level="error",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
            answer = b""
            try:
                for _ in range(200):  # 12.8 MB of one header value, never finished
                    s.sendall(b"a" * 65536)
            except OSError:
                pass  # the server closed the connection
            s.settimeout(5)
            try:
                while chunk := s.recv(4096):
                    answer += chunk
            except OSError:
                pass
            assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
