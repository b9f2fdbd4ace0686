"""A trial on a municipality's own history: replay, current practice, fixed and the
service's policy (and the perfect reference) over a period of its records, all facing the
same waste (the calibrated deposits, scaled to what it really collected)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import time as dt_time

from domain.service_calendar import DEFAULT_CALENDAR, ServiceCalendar, Shift
from optimizer import OsrmTableProvider
from optimizer.errors import MatrixProviderError
from simulator.errors import InputError
from simulator.history.calibrate import Calibration
from simulator.history.city import HistoryCity, Period, build_city, rescale, scale_to_recorded
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
    scale: bool = True  # deposits scaled so that a replay collects the period's recorded kg
    site_rates: str = "period"  # each site's rate: its recorded kg in the period, or "calibrated"
    scale_passes: int = 3  # at most this many replays to correct the scale
    scale_tolerance: float = 0.01  # until the replay collects the recorded kg within this
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
    hc = build_city(cal, setup, cfg.period, name=cfg.name, seed=cfg.seed,
                    site_rates=cfg.site_rates)
    if cfg.scale:
        hc = scale_to_recorded(hc, cal, cfg.period, cfg.seed)
    per_day = cfg.practice_per_day or max(1, round(recorded_per_service_day(hc.recorded_visits)))
    visits = hc.recorded_visits
    settings: dict = dict(
        days=cfg.period.days, start=cfg.period.start, deposit_seed=cfg.seed,
        strategies=cfg.strategies, workers=cfg.workers,
        solver_s_per_100_stops=cfg.solver_s_per_100_stops, solver_cap_s=cfg.solver_cap_s,
        warmup_days=cfg.warmup_days,
        deposit_model=deposit_model_for(cal.weekday_factor, cal.month_factor),
        extra_strategies=(("replay", lambda city: ReplayStrategy(visits)),
                          ("practice", lambda city: PracticeStrategy(per_day))))
    if "calendar" in {f.name for f in fields(TrialConfig)}:  # the trial's service calendar
        settings["calendar"] = service_calendar(setup)
    trial_cfg = TrialConfig(**(settings | cfg.trial_overrides))
    provider, distances = distance_provider(cfg.osrm_url, matrix_provider)
    if provider is not None:  # fail now, not after the warm-up
        try:
            provider.matrices([hc.city.depots[0].location,  # type: ignore[attr-defined]
                               hc.city.containers[0].location])
        except MatrixProviderError as exc:
            raise InputError(f"distances: {exc}") from exc
    previous = use_matrix_provider(provider) if provider is not None else None
    t0 = time.perf_counter()
    try:
        for _ in range(cfg.scale_passes if cfg.scale else 0):
            # deposits scaled, then corrected by what a replay really collects: the warm-up
            # (the fixed schedule, which depends on the rates) sets the levels at the start
            # the same routing budget as the trial: the routes are repeatable, so the
            # trial's replay collects what the last of these did
            replay = run_trial(hc.city, replace(trial_cfg, strategies=("replay",)), progress)
            ratio = hc.recorded_kg / max(1e-9, replay["replay"].collected_l
                                         * hc.density_kg_per_l)
            if abs(ratio - 1.0) <= cfg.scale_tolerance:
                break
            hc = rescale(hc, ratio)
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


def service_calendar(setup: MunicipalitySetup) -> ServiceCalendar:
    """calendar.json if given; else Monday to Friday with the fleet's shift (its earliest
    start to its latest end)."""
    if setup.calendar is not None:
        return setup.calendar
    start = min(t.shift_start_s for t in setup.fleet)
    end = max(t.shift_end_s for t in setup.fleet)
    return replace(DEFAULT_CALENDAR, default_shift=Shift(
        dt_time(start // 3600, start % 3600 // 60), dt_time(min(end, 86_399) // 3600,
                                                            min(end, 86_399) % 3600 // 60)))
