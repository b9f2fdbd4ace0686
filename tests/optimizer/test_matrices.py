"""Matrix providers on hand-checkable points, and the OSRM client through a fake server."""

from __future__ import annotations

import json

import pytest

from domain import GeoPoint, haversine_m
from optimizer import (
    EuclideanRoundedProvider,
    HaversineProvider,
    ManhattanProvider,
    MatrixProviderError,
    OsrmTableProvider,
)


def test_euclidean_rounds_like_tsplib():
    """(0,0)-(3,4) is 5; (0,0)-(1,1) is nint(1.414) = 1; (0,0)-(1,2) is nint(2.236) = 2."""
    dist, dur = EuclideanRoundedProvider().matrices([(0, 0), (3, 4), (1, 1), (1, 2)])
    assert dist[0].tolist() == [0, 5, 1, 2]
    assert (dist == dur).all()


def test_manhattan_in_feet_at_40_mph():
    """15387 ft at 40 mph is 262.3 s, rounded up to 263 s; 4690 m."""
    dist, dur = ManhattanProvider(40 * 1.609344, 0.3048).matrices([(0, 0), (14096, 1291)])
    assert dur[0, 1] == 263 and dist[0, 1] == 4690


def test_haversine_with_detour_and_speed():
    """Matches domain.haversine_m times the detour factor, at 36 km/h (10 m/s)."""
    a, b = GeoPoint(52.0907, 5.1214), GeoPoint(52.3676, 4.9041)
    dist, dur = HaversineProvider(detour_factor=1.5, speed_kmh=36).matrices([a, b])
    expected = 1.5 * haversine_m(a, b)
    assert abs(dist[0, 1] - expected) <= 1
    assert abs(dur[0, 1] - expected / 10) <= 1
    assert dist[0, 0] == 0


def test_osrm_request_and_response():
    """The table URL lists lon,lat pairs; null (unreachable) becomes the configured value."""
    seen = []
    body = {"code": "Ok", "durations": [[0, 61.2], [None, 0]], "distances": [[0, 700.4], [650, 0]]}

    def fake(url: str) -> bytes:
        seen.append(url)
        return json.dumps(body).encode()

    provider = OsrmTableProvider("http://osrm:5000/", fetch=fake, unreachable_value=99999)
    dist, dur = provider.matrices([GeoPoint(52.0, 5.0), GeoPoint(52.1, 5.1)])
    assert seen == [
        "http://osrm:5000/table/v1/driving/5.000000,52.000000;5.100000,52.100000"
        "?annotations=duration,distance"
    ]
    assert dur.tolist() == [[0, 62], [99999, 0]]
    assert dist.tolist() == [[0, 700], [650, 0]]


def test_osrm_error_answer_is_a_provider_error():
    """An OSRM error code becomes MatrixProviderError with OSRM's message."""
    provider = OsrmTableProvider(
        "http://osrm", fetch=lambda url: b'{"code": "InvalidQuery", "message": "bad coordinates"}'
    )
    with pytest.raises(MatrixProviderError, match="InvalidQuery: bad coordinates"):
        provider.matrices([GeoPoint(0, 0)])


def test_osrm_unreachable_server_is_a_provider_error():
    """A connection failure becomes MatrixProviderError naming the server."""

    def refuse(url: str) -> bytes:
        raise ConnectionRefusedError("refused")

    with pytest.raises(MatrixProviderError, match="http://osrm unreachable"):
        OsrmTableProvider("http://osrm", fetch=refuse).matrices([GeoPoint(0, 0)])
