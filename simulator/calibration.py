"""Calibrate deposit rates from historic emptying records.

Many municipalities have weighing or fill data at each emptying long before they have
sensors. Each record says: this container was emptied at this time with this much in it
(kg, litres or fill %). Between two emptyings of the same container the waste grew from
(about) empty to the recorded amount, so the rate is amount / time since the previous
emptying. The container's rate is the median of those (robust to a missed record), in litres
per day, and its fill time in days.

`EmptyingColumns` maps the file's columns: the container id, the time (with its format), and
one of kg, litres or fill %. Fill % is scaled by `percent_full_scale` (Enevo reports 100 when
a bin is 80% physically full, so 0.8) and multiplied by the container's volume (a column, or
`default_volume_l`); kg is divided by `density_kg_per_l`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from simulator.errors import InputError


@dataclass(frozen=True)
class EmptyingColumns:
    """Which column is which. Exactly one of `kg`, `litres`, `fill_percent` is needed."""

    container: str
    time: str
    time_format: str = "%Y-%m-%d %H:%M:%S"
    kg: str | None = None
    litres: str | None = None
    fill_percent: str | None = None
    volume_l: str | None = None  # a column with the container volume, if any
    percent_full_scale: float = 1.0  # physical fill at a reported 100%
    density_kg_per_l: float = 0.12
    default_volume_l: float = 240.0


#: The Edinburgh Enevo export (edinburgh_enevo_collections_2016.csv): 100% means 80% full.
ENEVO_EDINBURGH = EmptyingColumns(
    container="Site", time="Date & Time of bin collection (Europe/London)",
    fill_percent="Fill level before collection (%) [Nb 100% is actually a bin that's 80% full]",
    percent_full_scale=0.8, default_volume_l=240.0)


@dataclass(frozen=True)
class CalibratedRate:
    container: str
    rate_l_per_day: float
    fill_fraction_per_day: float | None  # when a volume is known
    intervals: int  # usable intervals between emptyings
    emptyings: int


def _amount_l(row: dict, cols: EmptyingColumns, volume_l: float) -> float:
    if cols.litres:
        return float(row[cols.litres])
    if cols.kg:
        return float(row[cols.kg]) / cols.density_kg_per_l
    pct = float(row[cols.fill_percent])
    return pct / 100.0 * cols.percent_full_scale * volume_l


def read_emptyings(path: str | Path, cols: EmptyingColumns):
    """Per container: sorted (time, litres, volume) of each emptying."""
    path = Path(path)
    if sum(x is not None for x in (cols.kg, cols.litres, cols.fill_percent)) != 1:
        raise InputError("the column mapping needs exactly one of kg, litres or fill_percent")
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc}") from exc
    out: dict[str, list] = defaultdict(list)
    with fh:
        reader = csv.DictReader(fh)
        needed = [c for c in (cols.container, cols.time, cols.kg, cols.litres,
                              cols.fill_percent, cols.volume_l) if c]
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: no column {missing[0]!r}; columns are "
                             f"{', '.join(reader.fieldnames or [])}")
        for n, row in enumerate(reader, start=2):
            try:
                when = datetime.strptime(row[cols.time].strip(), cols.time_format)
                volume = float(row[cols.volume_l]) if cols.volume_l else cols.default_volume_l
                out[row[cols.container].strip()].append((when, _amount_l(row, cols, volume),
                                                         volume))
            except (ValueError, TypeError) as exc:
                raise InputError(f"{path}: line {n}: {exc}") from exc
    for records in out.values():
        records.sort(key=lambda r: r[0])
    return out


def calibrate_rates(path: str | Path, cols: EmptyingColumns, min_interval_h: float = 6.0,
                    max_interval_days: float = 30.0) -> dict[str, CalibratedRate]:
    """The median fill rate of each container between consecutive emptyings."""
    result = {}
    for container, records in read_emptyings(path, cols).items():
        rates = []
        for (t0, _, _), (t1, litres, _) in zip(records, records[1:], strict=False):
            days = (t1 - t0).total_seconds() / 86400
            if min_interval_h / 24 <= days <= max_interval_days:
                rates.append(litres / days)
        if not rates:
            continue
        rate = float(np.median(rates))
        volume = records[-1][2]
        result[container] = CalibratedRate(container, rate, rate / volume if volume else None,
                                           len(rates), len(records))
    return result
