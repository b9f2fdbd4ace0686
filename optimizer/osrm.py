"""`OsrmTableProvider`: travel matrices from an OSRM server's table service, over urllib.

The HTTP call is one seam (`fetch`, a function from URL to response bytes) so that tests can
give a fake server's answer; request building and response parsing are plain functions.
OSRM answers durations in seconds and distances in metres; unreachable pairs come back as
null and are replaced by `unreachable_value`.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from domain import GeoPoint
from optimizer.errors import MatrixProviderError


def _fetch_url(url: str, timeout_s: float = 60.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
        return response.read()


def build_table_url(base_url: str, points: Sequence[GeoPoint], profile: str = "driving") -> str:
    """The OSRM /table/v1 URL asking for durations and distances between all points."""
    coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
    return f"{base_url.rstrip('/')}/table/v1/{profile}/{coords}?annotations=duration,distance"


def parse_table_response(body: bytes, n: int, unreachable_value: int) -> tuple[np.ndarray, ...]:
    """(distance_m, duration_s) from an OSRM table response, or MatrixProviderError."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise MatrixProviderError(f"OSRM answer is not JSON: {exc}") from None
    if data.get("code") != "Ok":
        raise MatrixProviderError(f"OSRM answered {data.get('code')}: {data.get('message', '')}")
    out = []
    for key in ("distances", "durations"):
        rows = data.get(key)
        if rows is None or len(rows) != n or any(len(r) != n for r in rows):
            raise MatrixProviderError(f"OSRM answer has no {n}x{n} '{key}' matrix")
        arr = np.array(
            [[unreachable_value if v is None else v for v in r] for r in rows], dtype=np.float64
        )
        out.append(
            np.ceil(arr - 1e-9).astype(np.int64)
            if key == "durations"
            else np.rint(arr).astype(np.int64)
        )
    return out[0], out[1]


@dataclass(frozen=True)
class OsrmTableProvider:
    """Road-network matrices from an OSRM server at `url` (e.g. http://localhost:5000)."""

    url: str
    profile: str = "driving"
    unreachable_value: int = 10_000_000
    fetch: Callable[[str], bytes] = field(default=_fetch_url)

    def matrices(self, points: Sequence[GeoPoint]) -> tuple[np.ndarray, np.ndarray]:
        request_url = build_table_url(self.url, points, self.profile)
        try:
            body = self.fetch(request_url)
        except OSError as exc:
            raise MatrixProviderError(f"OSRM at {self.url} unreachable: {exc}") from None
        return parse_table_response(body, len(points), self.unreachable_value)
