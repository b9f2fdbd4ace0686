"""A trial on a municipality's own history: replay, current practice, fixed and the
service's policy (and the perfect reference) over a period of its records, all facing the
same waste (the calibrated deposits, scaled to what it really collected)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.history.calibrate import Calibration
from simulator.history.city import HistoryCity, Period, build_city, scale_to_recorded
from simulator.history.deposits import deposit_model_for
from simulator.history.setup import MunicipalitySetup
from simulator.trial.engine import TrialConfig, run_trial
from simulator.trial.metrics import StrategyResult
from simulator.trial.practice import PracticeStrategy
from simulator.trial.replay import ReplayStrategy, recorded_per_service_day

HISTORY_STRATEGIES = ("replay", "practice", "fixed", "forecast")


@dataclass(frozen=True)
class HistoryTrialConfig:
    period: Period
    strategies: tuple[str, ...] = HISTORY_STRATEGIES
    seed: int = 1
    scale: bool = True  # deposits scaled to the recorded kg of the period
    practice_per_day: int | None = None  # None: the recorded visits per day with visits
    workers: int = 2
    solver_s_per_100_stops: float = 1.0
    solver_cap_s: float = 5.0
    warmup_days: int = 21
    name: str = "municipality"
    trial_overrides: dict = field(default_factory=dict)  # other TrialConfig fields


@dataclass
class HistoryTrialResult:
    config: HistoryTrialConfig
    history: HistoryCity
    results: dict[str, StrategyResult]
    practice_per_day: int
    wall_s: float
    distances: str = "straight lines × 1.35 at 25 km/h"


def run_history_trial(cal: Calibration, setup: MunicipalitySetup, cfg: HistoryTrialConfig,
                      progress: Callable[[str], None] | None = None) -> HistoryTrialResult:
    hc = build_city(cal, setup, cfg.period, name=cfg.name, seed=cfg.seed)
    if cfg.scale:
        hc = scale_to_recorded(hc, cal, cfg.period, cfg.seed)
    per_day = cfg.practice_per_day or max(1, round(recorded_per_service_day(hc.recorded_visits)))
    visits = hc.recorded_visits
    trial_cfg = TrialConfig(
        days=cfg.period.days, start=cfg.period.start, deposit_seed=cfg.seed,
        strategies=cfg.strategies, workers=cfg.workers,
        solver_s_per_100_stops=cfg.solver_s_per_100_stops, solver_cap_s=cfg.solver_cap_s,
        warmup_days=cfg.warmup_days,
        deposit_model=deposit_model_for(cal.weekday_factor, cal.month_factor),
        extra_strategies=(("replay", lambda city: ReplayStrategy(visits)),
                          ("practice", lambda city: PracticeStrategy(per_day))),
        **cfg.trial_overrides)
    t0 = time.perf_counter()
    results = run_trial(hc.city, trial_cfg, progress)
    return HistoryTrialResult(cfg, hc, results, per_day, time.perf_counter() - t0)
