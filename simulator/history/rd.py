"""Dutch national grid (RD New, EPSG:28992) to WGS84, and back, by the published polynomial
approximation (Schreutelkamp and Strang van Hees, 2001); better than a metre inside the
Netherlands, which is what routing and maps need. Amsterdam's open data gives container and
cluster positions in RD (its cluster ids are `x_y` in RD)."""

from __future__ import annotations

import numpy as np

_X0, _Y0 = 155_000.0, 463_000.0
_LAT0, _LON0 = 52.15517440, 5.38720621
#: (power of dX, power of dY, coefficient) of the latitude and longitude series (arc seconds).
_LAT_TERMS = ((0, 1, 3235.65389), (2, 0, -32.58297), (0, 2, -0.24750), (2, 1, -0.84978),
              (0, 3, -0.06550), (2, 2, -0.01709), (1, 0, -0.00738), (4, 0, 0.00530),
              (2, 3, -0.00039), (4, 1, 0.00033), (1, 1, -0.00012))
_LON_TERMS = ((1, 0, 5260.52916), (1, 1, 105.94684), (1, 2, 2.45656), (3, 0, -0.81885),
              (1, 3, 0.05594), (3, 1, -0.05607), (0, 1, 0.01199), (3, 2, -0.00256),
              (1, 4, 0.00128), (0, 2, 0.00022), (2, 0, -0.00022), (5, 0, 0.00026))
#: Where RD coordinates lie (metres); anything else is not RD.
RD_X_RANGE, RD_Y_RANGE = (-7_000.0, 300_000.0), (289_000.0, 629_000.0)


def is_rd(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray | bool:
    """Could these be RD New coordinates (metres inside the Dutch grid)?"""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return ((x >= RD_X_RANGE[0]) & (x <= RD_X_RANGE[1])
            & (y >= RD_Y_RANGE[0]) & (y <= RD_Y_RANGE[1]))


def rd_to_wgs84(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) in degrees of RD New (x, y) in metres; arrays in, arrays out."""
    dx = (np.asarray(x, dtype=float) - _X0) * 1e-5
    dy = (np.asarray(y, dtype=float) - _Y0) * 1e-5
    lat = sum(c * dx**p * dy**q for p, q, c in _LAT_TERMS)
    lon = sum(c * dx**p * dy**q for p, q, c in _LON_TERMS)
    return np.asarray(_LAT0 + lat / 3600.0), np.asarray(_LON0 + lon / 3600.0)
