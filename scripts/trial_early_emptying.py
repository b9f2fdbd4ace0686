"""Where does the forecast strategy empty containers early? A diagnostic trial run.

Runs the trial (fixed and forecast) and records, for every container the forecast strategy
emptied, why it was chosen (must by its rule, area day, optional near a must, optional) and
its true fill at emptying; prints the fill at emptying by category, by weekday and on the
last service day before a day without service, and the share of musts emptied below 60%.

    .venv/bin/python scripts/trial_early_emptying.py --days 14 --containers 1500 \
        [--rule risk|level] [--must-z 1.65] [--no-areas] [--must-level 0.9]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import numpy as np

from simulator import CitySpec, generate_city
from simulator.calendar import is_service_day
from simulator.trial import engine
from simulator.trial.engine import Trial, TrialConfig


def category(decision, near: bool) -> str:
    if decision.decision == "must":
        if decision.reason.startswith("area day"):
            return "must: area day"
        return "must: risk" if "risk" in decision.reason else "must: forecast/bound"
    return "optional near a must" if near else "optional"


class DiagnosticTrial(Trial):
    """Records the forecast strategy's category and true fill of each emptying (its day loop
    is `Trial._run_day`'s, with the records added)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[dict] = []

    def _run_day(self, d, day, states, history, pool) -> None:
        dep = self.deposits.day_l(day)
        jobs = {}
        cats: dict[str, dict[int, str]] = {}
        if is_service_day(day, self.cal):
            for name, state in states.items():
                times, rows = history[name]
                view = self._view(day, state, times, rows, dep)
                choices = state.strategy.choose(self.city, view)
                decisions = getattr(state.strategy, "last_decisions", None)
                if decisions:
                    req = {c.container: c for c in choices}
                    cats[name] = {
                        dd.container_id: category(dd, dd.decision == "optional"
                                                  and req[dd.container_id].prize
                                                  > dd.prize_m)
                        for dd in decisions if dd.container_id in req}
                jobs[name] = self._submit(pool, choices, d, day)
        nxt_closed = not is_service_day(day + timedelta(days=1), self.cal)
        for name, state in states.items():
            routes = [f.result() for f in jobs.get(name, [])]
            served = {c: s for r in routes for c, s in r.served.items()}
            times, rows = history[name]
            level, fills, overflow, emptied = self._advance(
                day, state.level_l, dep, served, state.last_emptied, times, rows)
            if name in cats:
                for i, fill in zip(np.nonzero(emptied)[0], fills, strict=True):
                    self.rows.append(dict(strategy=name, day=day.isoformat(),
                                          weekday=day.strftime("%a"), before_gap=nxt_closed,
                                          category=cats[name].get(int(i), "?"),
                                          fill=float(fill)))
            state.level_l = level
            state.result.collected_l += float(fills @ self.volumes[emptied])
            state.result.add_day(d, day, is_service_day(day, self.cal), routes, fills, overflow)


def summarise(rows: list[dict], key: str) -> dict[str, tuple[int, float]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        groups[str(r[key])].append(r["fill"])
    return {k: (len(v), round(float(np.mean(v)), 3)) for k, v in sorted(groups.items())}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--days", type=int, default=14)
    p.add_argument("--containers", type=int, default=1500)
    p.add_argument("--must-z", type=float, default=1.65)
    p.add_argument("--must-level", type=float, default=0.9)
    p.add_argument("--no-areas", action="store_true")
    p.add_argument("--prize", type=int, default=2000)
    p.add_argument("--cluster-radius-m", type=float, default=250.0)
    p.add_argument("--strategies", default="fixed,forecast")
    p.add_argument("--rule", default="risk", choices=("risk", "level"))
    p.add_argument("--risk-threshold", type=float, default=0.01)
    p.add_argument("--overflow-cost-m", type=int, default=50_000)
    p.add_argument("--horizon", type=int, default=5)
    p.add_argument("--json")
    a = p.parse_args()
    city = generate_city(CitySpec(n_containers=a.containers, seed=1))
    config = replace(TrialConfig(), days=a.days, strategies=tuple(a.strategies.split(",")),
                     must_z=a.must_z, must_level=a.must_level, area_sweeps=not a.no_areas,
                     prize_m=a.prize, cluster_radius_m=a.cluster_radius_m)
    make = engine.make_strategy

    def make_strategy(name, *args):
        strategy = make(name, *args)
        if name == "forecast":
            strategy.policy = replace(strategy.policy, rule=a.rule,
                                      risk_threshold=a.risk_threshold,
                                      overflow_cost_m=a.overflow_cost_m,
                                      horizon_chances=a.horizon)
        return strategy

    engine.make_strategy = make_strategy  # the trial builds its strategies through it
    trial = DiagnosticTrial(city, config, lambda line: print(line, file=sys.stderr, flush=True))
    results = trial.run()
    out = {"config": {k: str(v) for k, v in vars(a).items()},
           "results": {n: r.summary() for n, r in results.items()}}
    for name in {r["strategy"] for r in trial.rows}:
        rows = [r for r in trial.rows if r["strategy"] == name]
        musts = [r for r in rows if r["category"].startswith("must")]
        out[name] = {
            "by_category": summarise(rows, "category"),
            "by_weekday": summarise(rows, "weekday"),
            "before_a_day_without_service": summarise(rows, "before_gap"),
            "musts_below_60pct": round(sum(r["fill"] < 0.6 for r in musts)
                                       / max(1, len(musts)), 3),
        }
    text = json.dumps(out, indent=1)
    print(text)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
