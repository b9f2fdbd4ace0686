"""A trial on a municipality's own history: replay, current practice, fixed and the
service's policy (and the perfect reference) over a period of its records, all facing the
same waste (the calibrated deposits, scaled to what it really collected)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.service_calendar import DEFAULT_CALENDAR
from optimizer import OsrmTableProvider
from simulator.history.calibrate import Calibration
from simulator.history.city import HistoryCity, Period, build_city, scale_to_recorded
from simulator.history.deposits import deposit_model_for
from simulator.history.setup import MunicipalitySetup
from simulator.trial.engine import TrialConfig, run_trial
from simulator.trial.metrics import StrategyResult
from simulator.trial.practice import PracticeStrategy
from simulator.trial.replay import ReplayStrategy, recorded_per_service_day
from simulator.trial.routing import use_matrix_provider

HISTORY_STRATEGIES = ("replay", "practice", "fixed", "forecast")
STRAIGHT_LINES = "straight lines × 1.35 at 25 km/h (no road network given)"


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
    osrm_url: str | None = None  # road distances from this OSRM server; None: straight lines
    trial_overrides: dict = field(default_factory=dict)  # other TrialConfig fields


@dataclass
class HistoryTrialResult:
    config: HistoryTrialConfig
    history: HistoryCity
    results: dict[str, StrategyResult]
    practice_per_day: int
    wall_s: float
    distances: str = ""


def run_history_trial(cal: Calibration, setup: MunicipalitySetup, cfg: HistoryTrialConfig,
                      progress: Callable[[str], None] | None = None,
                      matrix_provider=None) -> HistoryTrialResult:
    """Run the trial; `matrix_provider` (tests: a fake) overrides `cfg.osrm_url`."""
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
        calendar=setup.calendar or DEFAULT_CALENDAR, **cfg.trial_overrides)
    provider, distances = distance_provider(cfg.osrm_url, matrix_provider)
    previous = use_matrix_provider(provider) if provider is not None else None
    t0 = time.perf_counter()
    try:
        results = run_trial(hc.city, trial_cfg, progress)
    finally:
        if previous is not None:
            use_matrix_provider(previous)
    return HistoryTrialResult(cfg, hc, results, per_day, time.perf_counter() - t0, distances)


def distance_provider(osrm_url: str | None, provider=None) -> tuple[object | None, str]:
    """(the matrix provider to route with, or None for the default; what the report says)."""
    if provider is not None:
        return provider, getattr(provider, "description", type(provider).__name__)
    if osrm_url:
        return OsrmTableProvider(osrm_url), f"road distances from OSRM at {osrm_url}"
    return None, STRAIGHT_LINES
