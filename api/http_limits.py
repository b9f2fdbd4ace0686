"""The HTTP server's own header size limit, enforced while the headers arrive.

uvicorn's h11 parser has one (`h11_max_incomplete_event_size`, set by `wasteroute api`);
its httptools parser has none: httptools gathers a header of any length in memory before
uvicorn sees it. `LimitedHttpToolsProtocol` counts the bytes received while a request's
headers are incomplete and answers 431 (and closes the connection) beyond API_MAX_HEADER_BYTES.
`api.limits.RequestLimits` checks the complete headers again for any server.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_limit: list[int] = []


def max_header_bytes() -> int:
    """API_MAX_HEADER_BYTES, read once per process (uvicorn's workers are new processes)."""
    if not _limit:
        from api.settings import ApiSettings

        _limit.append(ApiSettings.model_fields["max_header_bytes"].default)
        try:
            _limit[0] = ApiSettings().max_header_bytes  # type: ignore[call-arg]
        except ValueError:  # settings incomplete: the app itself will refuse to start
            pass
    return _limit[0]


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes: int | None = 0  # None while a body is being read
        self._max_header_bytes = max_header_bytes()

    def on_headers_complete(self) -> None:
        self._header_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._header_bytes = 0
        super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        counting = self._header_bytes is not None
        super().data_received(data)
        if counting and self._header_bytes is not None:
            self._header_bytes += len(data)
            if self._header_bytes > self._max_header_bytes:
                self._refuse()

    def _refuse(self) -> None:
        body = b'{"code":"headers_too_large","message":"request headers too large"}'
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
        self._header_bytes = None
