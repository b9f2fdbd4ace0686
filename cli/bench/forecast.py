"""`wasteroute bench forecast`: forecast accuracy against a deterministic ground truth.

Until the simulator provides one, this module carries a small generator of simulator-like
ground truth: containers filling by discrete bags (Poisson, daytime only, weekday pattern,
day-to-day variation), emptied by a collection round when they pass a level, read hourly by
noisy sensors with outliers (a bag across the beam), dropouts, and 5% faulty sensors (half
stuck, half stale). The score is the mean absolute error, in percentage points, of the fill
predicted 24 h ahead at 05:00 local time, against the true fill had nobody emptied it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

HOUR_S = 3600.0
WEEKDAY_FACTORS = np.array([1.25, 1.0, 0.95, 0.95, 1.05, 1.15, 0.65])  # Monday first
DAYTIME = np.array([0, 0, 0, 0, 0, 0, 0.2, 0.6, 1.0, 1.2, 1.2, 1.2, 1.3, 1.2, 1.1, 1.1,
                    1.2, 1.4, 1.5, 1.4, 1.2, 0.9, 0.5, 0.2])


@dataclass
class GroundTruth:
    containers: list  # domain.Container
    hours_s: np.ndarray  # (H,) epoch seconds at the end of each hour
    fill: np.ndarray  # (n, H) true fill after each hour (collections applied)
    deposits: np.ndarray  # (n, H) fill added in each hour (before the 100% cap)
    emptied: list[list[float]]  # per container: times of emptyings
    readings: list[tuple[np.ndarray, np.ndarray]]  # per container: (times_s, fill)
    battery: np.ndarray
    faulty: dict[int, str]  # container index -> "stuck" | "stale"


def generate(n: int = 400, days: int = 42, seed: int = 7, start: datetime | None = None,
             noise: float = 0.02, outlier_share: float = 0.01, dropout_share: float = 0.03,
             faulty_share: float = 0.05) -> GroundTruth:
    from domain import Container, Fraction, GeoPoint

    rng = np.random.default_rng(seed)
    start = start or datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
    hours = days * 24
    hours_s = start.timestamp() + HOUR_S * (np.arange(hours) + 1)
    local_hour = ((np.arange(hours) + 2) % 24).astype(int)  # Amsterdam, summer time
    weekday = ((np.arange(hours) + 2) // 24 + start.weekday()) % 7
    volume = rng.uniform(3000, 5000, n)
    rate = np.clip(rng.lognormal(np.log(0.12), 0.5, n), 0.03, 0.45)  # per day
    own_week = WEEKDAY_FACTORS[None, :] * rng.lognormal(0, 0.1, (n, 7))
    bag = 40.0 / volume
    daily = rng.lognormal(0, 0.15, (n, days + 1))
    shape = DAYTIME / DAYTIME.mean()
    lam = (rate[:, None] * own_week[:, weekday] * daily[:, np.arange(hours) // 24]
           * shape[local_hour][None, :] / 24.0) / bag[:, None]
    deposits = rng.poisson(lam) * bag[:, None]
    fill = np.zeros((n, hours))
    level = rng.uniform(0, 0.6, n)
    emptied: list[list[float]] = [[] for _ in range(n)]
    collect_at = rng.integers(7, 14, n)  # local hour of the round
    for h in range(hours):
        level = np.minimum(1.0, level + deposits[:, h])
        if weekday[h] < 5:
            hit = (local_hour[h] == collect_at) & (level >= 0.75)
            for i in np.flatnonzero(hit):
                emptied[i].append(float(hours_s[h]))
            level = np.where(hit, rng.uniform(0, 0.03, n), level)
        fill[:, h] = level
    faulty_idx = rng.choice(n, int(round(faulty_share * n)), replace=False)
    faulty = {int(i): ("stuck" if k % 2 == 0 else "stale") for k, i in enumerate(faulty_idx)}
    readings = []
    end_s = hours_s[-1]
    for i in range(n):
        t = hours_s - rng.uniform(0, 600, hours)
        f = np.clip(fill[i] + rng.normal(0, noise, hours), 0, 1)
        out = rng.random(hours) < outlier_share
        f[out] = rng.uniform(0.85, 1.0, out.sum())
        keep = rng.random(hours) >= dropout_share
        kind = faulty.get(i)
        if kind is not None:
            broke = end_s - rng.uniform(2, 5) * 86400 * (days / 42 if days < 42 else 1)
            if kind == "stale":
                keep &= t < broke
            else:
                k = int(np.searchsorted(t, broke))
                f[k:] = f[max(0, k - 1)]
        readings.append((t[keep], f[keep]))
    battery = np.where(rng.random(n) < 0.02, rng.uniform(3, 12, n), rng.uniform(40, 100, n))
    containers = [Container(id=i + 1, tenant_id="bench", external_id=f"gt-{i}",
                            location=GeoPoint(52.07 + rng.uniform(-0.03, 0.03),
                                              4.30 + rng.uniform(-0.05, 0.05)),
                            fraction=Fraction.RESIDUAL, volume_l=float(volume[i]))
                  for i in range(n)]
    return GroundTruth(containers, hours_s, fill, deposits, emptied, readings, battery, faulty)


def evaluate(gt: GroundTruth, origins_s: list[float], horizon_h: int = 24) -> dict:
    """MAE (percentage points) of the fill predicted `horizon_h` ahead at each origin."""
    from planning import ContainerHistory, forecast_fleet

    errors, faulty_err, seconds = [], [], 0.0
    for t0 in origins_s:
        h0 = int(np.searchsorted(gt.hours_s, t0, side="right")) - 1
        histories = {}
        for i, c in enumerate(gt.containers):
            t, f = gt.readings[i]
            keep = t <= t0
            emptied = [e for e in gt.emptied[i] if e <= t0]
            histories[c.id] = ContainerHistory(c.id, t[keep], f[keep], float(gt.battery[i]),
                                               emptied[-1] if emptied else None)
        began = time.perf_counter()
        forecasts = forecast_fleet(gt.containers, histories, t0)
        seconds += time.perf_counter() - began
        truth = np.minimum(1.0, gt.fill[:, h0] + gt.deposits[:, h0 + 1:h0 + 1 + horizon_h].sum(1))
        for i, c in enumerate(gt.containers):
            err = abs(min(1.0, forecasts[c.id].fill_at(t0 + horizon_h * HOUR_S)) - truth[i])
            errors.append(err)
            if i in gt.faulty:
                faulty_err.append(err)
    return {"mae_pp": 100 * float(np.mean(errors)),
            "faulty_mae_pp": 100 * float(np.mean(faulty_err)),
            "p90_pp": 100 * float(np.percentile(errors, 90)), "n": len(errors),
            "forecast_s_per_run": seconds / len(origins_s)}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("forecast", help="forecast MAE 24 h ahead on generated ground truth")
    p.add_argument("--containers", type=int, default=400)
    p.add_argument("--days", type=int, default=42, help="days simulated (28 of history + tests)")
    p.add_argument("--origins", type=int, default=7, help="forecast origins (one per day, 05:00)")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    gt = generate(n=args.containers, days=args.days, seed=args.seed)
    start = datetime.fromtimestamp(gt.hours_s[0] - HOUR_S, UTC)
    first = args.days - args.origins - 1
    origins = [(start + timedelta(days=first + k, hours=3)).timestamp()
               for k in range(args.origins)]
    result = evaluate(gt, origins)
    stuck = sum(1 for v in gt.faulty.values() if v == "stuck")
    print(f"containers {args.containers}, faulty sensors {len(gt.faulty)} "
          f"({stuck} stuck, {len(gt.faulty) - stuck} stale), origins {args.origins} x 05:00 local")
    print(f"MAE 24 h ahead: {result['mae_pp']:.2f} pp (p90 {result['p90_pp']:.2f} pp; "
          f"faulty sensors only {result['faulty_mae_pp']:.2f} pp) over {result['n']} forecasts")
    print(f"forecast time per run: {result['forecast_s_per_run']:.2f} s for "
          f"{args.containers} containers; total {time.perf_counter() - began:.1f} s")
    return 0
