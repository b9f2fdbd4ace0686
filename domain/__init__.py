"""Pure domain types shared by every package. Imports nothing first-party.

Public API:
- `Fraction`: the waste fractions (residual, paper, glass, plastic, organic, textile).
- `Reading`: one normalised fill-level reading, whatever format it arrived in.
- `Tenant`, `Container`, `Device`, `Vehicle`, `Depot`, `DisposalSite`: the things we route.
- `GeoPoint` and `haversine_m`: locations in WGS84.
"""

from domain.entities import Container, Depot, Device, DisposalSite, Tenant, Vehicle
from domain.geo import GeoPoint, haversine_m
from domain.readings import Reading
from domain.units import Fraction

__all__ = [
    "Container",
    "Depot",
    "Device",
    "DisposalSite",
    "Fraction",
    "GeoPoint",
    "Reading",
    "Tenant",
    "Vehicle",
    "haversine_m",
]
