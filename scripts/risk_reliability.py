"""Is the overflow risk calibrated on the simulator's ground truth? A reliability table.

On the trial's city, after the shared warm-up, the fixed schedule runs on (as in the
warm-up); every service morning the forecast strategy's error model (`planning.risk`) gives
each container P(overflow by the end of the next service day's shift, 15:30, if not emptied
before); the truth is whether its true level at 06:00 plus the deposits until then reaches
its volume. Prints, per bin of predicted probability, the count, the mean prediction, the
observed frequency and its binomial standard error.

    .venv/bin/python scripts/risk_reliability.py --days 10 [--containers 1500]
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import timedelta
from types import SimpleNamespace

import numpy as np

from planning.risk import learn_uncertainties, overflow_probability, past_forecasts
from simulator import CitySpec, generate_city
from simulator.calendar import is_service_day
from simulator.deposits import share_before
from simulator.trial.engine import Trial, TrialConfig
from simulator.trial.fixed import COLLECTION_TIME_S
from simulator.trial.forecast import ForecastStrategy, _epoch

EDGES = (0, .003, .01, .03, .1, .3, .5, .7, .9, 1.0001)
END_S = 15.5 * 3600


def truth_full_by(trial: Trial, view, day, nxt) -> np.ndarray:
    """True level at 06:00 plus the deposits from then to 15:30 of `nxt` >= volume."""
    total = view.true_level_l + trial.deposits.day_l(day) * (1 - share_before(6 * 3600))
    d = day + timedelta(days=1)
    while d < nxt:
        total = total + trial.deposits.day_l(d)
        d += timedelta(days=1)
    total = total + trial.deposits.day_l(nxt) * share_before(END_S)
    return total >= trial.volumes - 1e-9


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--days", type=int, default=10)
    p.add_argument("--containers", type=int, default=1500)
    p.add_argument("--json")
    a = p.parse_args()
    city = generate_city(CitySpec(n_containers=a.containers, seed=1))
    trial = Trial(city, TrialConfig(days=a.days, strategies=()))
    level, last, times, rows = trial._warm_up()
    strategy = ForecastStrategy()
    fractions = {i: c.fraction.value for i, c in enumerate(city.containers)}
    preds, obs = [], []
    for k in range(a.days):
        day = trial.config.start + timedelta(days=k)
        dep = trial.deposits.day_l(day)
        served = {}
        if is_service_day(day):
            view = trial._view(day, SimpleNamespace(level_l=level, last_emptied=last),
                               times, rows, dep)
            forecasts, histories = strategy._forecasts(city, view)
            past = strategy._past_forecasts(day)
            if past is None:
                past = past_forecasts(strategy._domain(city), histories,
                                      _epoch(day, 6 * 3600), "UTC")
            unc = learn_uncertainties(forecasts, histories, fractions, past=past)
            strategy._past[day] = forecasts
            end = _epoch(view.next_service_day, END_S)
            preds.extend(overflow_probability(forecasts[i], unc[i], end)
                         for i in range(len(city.containers)))
            obs.extend(truth_full_by(trial, view, day, view.next_service_day).tolist())
            served = {int(i): COLLECTION_TIME_S for i in np.nonzero(trial._due(day))[0]}
        level, _, _, _ = trial._advance(day, level, dep, served, last, times, rows)
    pr, ob = np.array(preds), np.array(obs, dtype=float)
    table = []
    for lo, hi in zip(EDGES[:-1], EDGES[1:], strict=True):
        sel = (pr >= lo) & (pr < hi)
        if sel.any():
            n, mp, fo = int(sel.sum()), float(pr[sel].mean()), float(ob[sel].mean())
            table.append({"bin": f"[{lo:.3f}, {min(hi, 1):.3f})", "n": n,
                          "predicted": round(mp, 4), "observed": round(fo, 4),
                          "se": round(math.sqrt(max(mp * (1 - mp), 1e-4) / n), 4)})
    out = {"days": a.days, "containers": a.containers, "predictions": len(pr),
           "mean_predicted": round(float(pr.mean()), 5), "observed": round(float(ob.mean()), 5),
           "table": table}
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
