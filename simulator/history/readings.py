"""Fill-level readings a municipality may have beside its weighings (sensors, or a fill %
noted at each emptying). Two layouts, recognised by their columns:

- ours: `time`, `site`, and `fill_percent` (0-100) or `fill_fraction` (0-1);
- the Edinburgh Enevo export (`simulator.calibration.ENEVO_EDINBURGH`): `Site`, the
  collection time, and the fill % before it, where 100 means 80% physically full.

Calibration uses them for the density: a visit's kg over the fill read just before it times
the site's volume (`simulator.history.calibrate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.calibration import ENEVO_EDINBURGH
from simulator.errors import InputError
from simulator.history.tables import read_table
from simulator.history.weighings import parse_floats, parse_times


@dataclass(frozen=True)
class FillReadings:
    path: Path
    site: np.ndarray  # str
    time: np.ndarray  # datetime64[s], local
    fill_fraction: np.ndarray  # physical fill, 0..1


def read_fill_readings(path: str | Path) -> FillReadings:
    table = read_table(path)
    cols = {c.lower(): c for c in table.columns}
    scale = 1.0
    if "time" in cols and "site" in cols and ("fill_percent" in cols or "fill_fraction" in cols):
        site_f, time_f = cols["site"], cols["time"]
        fill_f = cols.get("fill_percent") or cols["fill_fraction"]
        per = 100.0 if "fill_percent" in cols else 1.0
    elif {ENEVO_EDINBURGH.container, ENEVO_EDINBURGH.time} <= set(table.columns) and \
            ENEVO_EDINBURGH.fill_percent in table.columns:
        site_f, time_f = ENEVO_EDINBURGH.container, ENEVO_EDINBURGH.time
        fill_f, per, scale = str(ENEVO_EDINBURGH.fill_percent), 100.0, \
            ENEVO_EDINBURGH.percent_full_scale
    else:
        raise InputError(f"{table.path}: not a known readings layout: expected time, site and "
                         f"fill_percent or fill_fraction (or the Enevo export); the columns "
                         f"are {', '.join(table.columns)}")
    values = [(r.get(fill_f) or "").strip() for r in table.rows]
    fill = parse_floats(table, fill_f, values) / per * scale
    bad = np.nonzero((fill < 0) | (fill > 1.5))[0]
    if bad.size:
        raise table.error(int(bad[0]), fill_f, f"{values[bad[0]]} is not a fill level")
    times = parse_times(table, time_f, [(r.get(time_f) or "").strip() for r in table.rows])
    sites = np.array([(r.get(site_f) or "").strip() for r in table.rows], dtype=object)
    return FillReadings(Path(path), sites, times, np.clip(fill, 0.0, 1.0))
