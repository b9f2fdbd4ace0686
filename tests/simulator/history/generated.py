"""A generated history with known rates, cluster sizes and density, and the faults of the
real Amsterdam file: zero and negative weights, implausibly heavy weighings, days without any
data, ids that change when a site is rebuilt, sites recorded only every few weeks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from simulator.deposits import share_before

WEEKDAY = np.array([1.25, 1.0, 0.95, 0.9, 0.9, 0.95, 1.05])
WEEKDAY = WEEKDAY / WEEKDAY.mean()
VOLUME_L, DENSITY = 5000.0, 0.15


@dataclass
class Truth:
    rate_kg_per_day: dict[str, float] = field(default_factory=dict)
    containers: dict[str, int] = field(default_factory=dict)
    capped: set[str] = field(default_factory=set)  # sites that overflowed (rate not knowable)
    rebuilt: dict[str, str] = field(default_factory=dict)  # new id -> old id
    sparse: set[str] = field(default_factory=set)
    no_data_days: list[date] = field(default_factory=list)
    zero_rows: int = 0
    negative_rows: int = 0
    heavy_rows: int = 0


def generate(seed: int = 3, sites: int = 40, days: int = 210,
             start: date = date(2021, 1, 4)) -> tuple[str, Truth]:
    rng = np.random.default_rng(seed)
    truth = Truth()
    truth.no_data_days = [start + timedelta(days=d) for d in (40, 95, 96)]
    rows: list[tuple[datetime, str, float, float, float]] = []
    for s in range(sites):
        sid = f"S{s:03d}"
        n = int(rng.choice([1, 2, 3], p=[0.3, 0.5, 0.2]))
        every = int(rng.choice([2, 3, 4, 7]))
        phase = int(rng.integers(0, every))
        per_container = float(rng.lognormal(np.log(45), 0.4))
        rate = per_container * n
        if s % 7 == 0:
            rate = n * VOLUME_L * DENSITY / every * 1.6  # overflows before each visit
            truth.capped.add(sid)
        truth.rate_kg_per_day[sid], truth.containers[sid] = rate, n
        lat, lon = 52.34 + rng.uniform(0, 0.03), 4.88 + rng.uniform(0, 0.05)
        rebuilt_on = int(rng.integers(80, 150)) if s % 11 == 5 else None
        sparse = s % 13 == 7
        if sparse:
            truth.sparse.add(sid)
        level, k, pending = 0.0, 0, False
        for d in range(days):
            day = start + timedelta(days=d)
            deposit = rate * WEEKDAY[day.weekday()] * rng.gamma(25, 1 / 25)
            pending = pending or (d + phase) % every == 0
            if not pending or day.weekday() == 6:  # no service on Sundays: on Monday
                level += deposit
                continue
            pending = False
            when = datetime(day.year, day.month, day.day, 7) + timedelta(
                minutes=int(rng.integers(0, 360)))
            before = float(share_before(when.hour * 3600 + when.minute * 60))
            level += before * deposit
            after = (1 - before) * deposit
            ident, shift = sid, 0.0
            if rebuilt_on is not None and d >= rebuilt_on:
                ident, shift = f"{sid}-new", 0.00004
                truth.rebuilt[ident] = sid
            per = min(level / n, VOLUME_L * DENSITY)
            if level / n > VOLUME_L * DENSITY:
                truth.capped.add(sid)  # it overflowed: its full rate cannot be seen
            level = after
            k += 1
            if day in truth.no_data_days or (sparse and k % 10):  # sparse: 3+ weeks
                continue
            for c in range(n):
                rows.append((when + timedelta(minutes=2 * c), ident, per, lat + shift, lon))
    kg = np.array([r[2] for r in rows])
    u = rng.random(len(rows))
    kg = np.where(u < 0.01, 0.0, np.where(u > 0.998, -kg, kg))
    truth.zero_rows, truth.negative_rows = int((u < 0.01).sum()), int((u > 0.998).sum())
    heavy = rng.choice(len(rows), 3, replace=False)
    kg[heavy] = [4200.0, 8800.0, 25_000.0]
    truth.heavy_rows = 3
    lines = ["time,site,kg,lat,lon"] + [
        f"{r[0]:%Y-%m-%d %H:%M:%S},{r[1]},{w:.1f},{r[3]:.6f},{r[4]:.6f}"
        for r, w in zip(rows, kg, strict=True)]
    return "\n".join(lines) + "\n", truth
