"""A municipality's history of emptyings: one row per container emptied, with its net kg.

Three layouts are recognised by their columns (docs/municipality.md):

- ours: `time`, `site`, `kg`, optionally `container`, `lat`, `lon` (`time` is local time,
  ISO 8601, e.g. `2021-03-01 07:02:32`);
- Amsterdam's `huishoudelijkafval` `weging` table: `clusterId`, `datumWeging`,
  `tijdstipWeging`, `nettoGewicht` (cluster ids are `x|y` or `x_y` in RD New);
- the Snap4Waste daily exports of that table (`../shared/realdata/amsterdam-weging-zuid`):
  `id`, `dateObserved`, `lat`, `long`, `weight`; `id` is the cluster id with `_` and a
  `-Rest` suffix, and `dateObserved` ends in a `Z` although it is Amsterdam local time.

Values that are wrong in form (a time that is not a time, a weight that is not a number) are
errors naming the file, line and field. Values that are plausible in form but not in fact
(0 kg, negative kg, 8 tonnes for one container) are kept: calibration decides what to use and
reports what it dropped and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.history.rd import is_rd, rd_to_wgs84
from simulator.history.tables import Table, read_table

OURS, AMSTERDAM_WEGING, SNAP4WASTE = "wasteroute", "amsterdam-weging", "snap4waste"
_RD_ID = re.compile(r"^\s*(-?\d+(?:\.\d+)?)[|_](-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Weighings:
    """Emptying records, one per row of the file, in file order. Times are local (naive)."""

    path: Path
    layout: str
    site: np.ndarray  # str: the cluster or site id as the file gives it
    time: np.ndarray  # datetime64[s], local time
    kg: np.ndarray  # float: net weight; not cleaned
    lat: np.ndarray  # float: the site's position (NaN where unknown)
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.kg)


def _column_values(table: Table, field: str) -> list[str]:
    return [(r.get(field) or "").strip() for r in table.rows]


def parse_floats(table: Table, field: str, values: list[str]) -> np.ndarray:
    try:
        return np.array(values, dtype=float)
    except ValueError:
        for k, v in enumerate(values):
            try:
                float(v)
            except ValueError:
                raise table.error(k, field, f"{v!r} is not a number" if v else "is empty") \
                    from None
        raise


def parse_times(table: Table, field: str, values: list[str]) -> np.ndarray:
    cleaned = [v.replace("T", " ").rstrip("Zz").split(".")[0].split("+")[0] for v in values]
    try:
        return np.array([c.replace(" ", "T") for c in cleaned], dtype="datetime64[s]")
    except ValueError:
        for k, v in enumerate(cleaned):
            try:
                np.datetime64(v.replace(" ", "T"), "s")
            except ValueError:
                raise table.error(k, field, f"{values[k]!r} is not a date and time "
                                  "(expected e.g. 2021-03-01 07:02:32)") from None
        raise


def site_positions_from_ids(sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) of Amsterdam cluster ids `x|y` / `x_y` in RD; NaN where an id is not one."""
    unique, inverse = np.unique(sites, return_inverse=True)
    xy = np.full((len(unique), 2), np.nan)
    for k, s in enumerate(unique):
        m = _RD_ID.match(str(s))
        if m and bool(is_rd(float(m.group(1)), float(m.group(2)))):
            xy[k] = float(m.group(1)), float(m.group(2))
    lat, lon = rd_to_wgs84(xy[:, 0], xy[:, 1])
    return np.asarray(lat)[inverse], np.asarray(lon)[inverse]


def detect_layout(table: Table) -> str:
    cols = {c.lower() for c in table.columns}
    if {"time", "site", "kg"} <= cols:
        return OURS
    if {"clusterid", "datumweging", "tijdstipweging", "nettogewicht"} <= cols:
        return AMSTERDAM_WEGING
    if {"id", "dateobserved", "weight"} <= cols:
        return SNAP4WASTE
    from simulator.errors import InputError

    raise InputError(f"{table.path}: not a known emptying-records layout: expected the columns "
                     "time,site,kg (ours), clusterId,datumWeging,tijdstipWeging,nettoGewicht "
                     "(Amsterdam weging) or id,dateObserved,weight (Snap4Waste); the columns "
                     f"are {', '.join(table.columns)}")


def _col(table: Table, name: str) -> str:
    return next(c for c in table.columns if c.lower() == name.lower())


def read_weighings(path: str | Path) -> Weighings:
    """Emptying records from a CSV (optionally gzipped) in one of the layouts above."""
    table = read_table(path)
    layout = detect_layout(table)
    if layout == OURS:
        site_f, time_f, kg_f = _col(table, "site"), _col(table, "time"), _col(table, "kg")
        times = parse_times(table, time_f, _column_values(table, time_f))
    elif layout == AMSTERDAM_WEGING:
        site_f, kg_f = _col(table, "clusterId"), _col(table, "nettoGewicht")
        day_f, clock_f = _col(table, "datumWeging"), _col(table, "tijdstipWeging")
        joined = [f"{d} {c}" for d, c in zip(_column_values(table, day_f),
                                             _column_values(table, clock_f), strict=True)]
        times = parse_times(table, day_f, joined)
    else:
        site_f, time_f, kg_f = _col(table, "id"), _col(table, "dateObserved"), _col(table, "weight")
        times = parse_times(table, time_f, _column_values(table, time_f))
    sites = np.array(_column_values(table, site_f), dtype=object)
    for k in np.nonzero(sites == "")[0][:1]:
        raise table.error(int(k), site_f, "is empty")
    if layout == SNAP4WASTE:
        sites = np.array([s.rsplit("-", 1)[0] if "-" in s[1:] else s for s in sites],
                         dtype=object)
    kg = parse_floats(table, kg_f, _column_values(table, kg_f))
    lat = np.full(len(kg), np.nan)
    lon = np.full(len(kg), np.nan)
    if layout == OURS and {"lat", "lon"} <= {c.lower() for c in table.columns}:
        lat_f, lon_f = _col(table, "lat"), _col(table, "lon")
        lat = parse_floats(table, lat_f, [v or "nan" for v in _column_values(table, lat_f)])
        lon = parse_floats(table, lon_f, [v or "nan" for v in _column_values(table, lon_f)])
    else:
        lat, lon = site_positions_from_ids(sites)
    return Weighings(Path(path), layout, sites, times, kg, lat, lon)
