"""The offline trial: run strategies side by side on the same seeded deposits, in-process.

Every strategy starts from the same state (after a warm-up shared by all), sees the same
deposits and the same sensor noise, and is routed by the same optimizer. Each day, for each
strategy: the morning view (readings up to 06:00) → the strategy's choice → one optimizer run
per fraction → the trucks empty what they reached at their arrival time → deposits, overflows
and readings of the day. Strategies step in lockstep so that one pool of worker processes
(both cores) solves every strategy's fractions of a day at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from domain.service_calendar import DEFAULT_CALENDAR, ServiceCalendar, shift_on
from simulator.calendar import collection_day, is_service_day
from simulator.calendar import next_service_day as _next_service_day
from simulator.city import City
from simulator.deposits import DepositModel, share_before
from simulator.trial.fixed import COLLECTION_TIME_S, FixedSchedule, fair_schedule
from simulator.trial.metrics import StrategyResult
from simulator.trial.routing import DayRoutes, SolverBudget, StopChoice, solve_day
from simulator.trial.strategies import FixedStrategy, MorningView, Strategy, ThresholdStrategy

log = logging.getLogger(__name__)

READING_HOURS = (0, 6, 12, 18)
STRATEGIES = ("fixed", "threshold", "forecast")
#: Not strategies a service could run; run on request beside them (`--strategy ...,perfect`).
REFERENCES = ("perfect",)
PRE_WARMUP_DAYS = 28


@dataclass(frozen=True)
class TrialConfig:
    """How to run a trial. Solver limits are per fraction and day."""

    days: int = 28
    start: date = date(2026, 4, 20)
    deposit_seed: int = 1
    strategies: tuple[str, ...] = STRATEGIES
    # the routing search: "solutions" (a count, repeatable: the same trial gives the same
    # figures on a busy machine) or "time" (the wall-clock seconds below; not repeatable)
    solver_budget: str = "solutions"
    solver_solutions_per_100_stops: float = 60.0
    solver_max_solutions: int = 100
    solver_s_per_100_stops: float = 1.0
    solver_cap_s: float = 5.0
    workers: int = 2
    threshold: float = 0.7
    must_level: float = 0.9  # the forecast strategy's selection policy (per tenant)
    skip_level: float = 0.6
    must_z: float = 1.65
    prize_m: int = 2000
    prize_lookahead_days: float | None = None  # None: to the chance after next
    area_days: bool = False
    gap_windows: bool = True  # the fixed schedule's windows for its tightest containers
    forecast_gap_windows: bool = False  # timing windows for the forecast strategy's stops
    cluster_radius_m: float = 250.0
    area_sweeps: bool = True  # forecast: area days (planning.areas)
    weekly_from_days: float = 9.0
    warmup_days: int = 21
    sensor_noise: float = 0.03
    sensor_dropout: float = 0.03
    # which days trucks drive, and their shifts (default Monday to Friday, catch-up Saturdays)
    calendar: ServiceCalendar = DEFAULT_CALENDAR
    # a municipality's own trial (simulator.history): its deposit model and extra strategies
    deposit_model: Callable[[City, int], DepositModel] = DepositModel
    extra_strategies: tuple[tuple[str, Callable[[City], Strategy]], ...] = ()


@dataclass
class _State:
    strategy: Strategy
    level_l: np.ndarray
    last_emptied: list
    result: StrategyResult


_CITY: City | None = None


def _init_worker(city: City) -> None:
    global _CITY
    _CITY = city


def _solve(fraction, choices, budget, seed, shift) -> DayRoutes:
    assert _CITY is not None
    return solve_day(_CITY, fraction, choices, budget, seed, shift)


def solver_budget(config: TrialConfig) -> SolverBudget:
    """The routing budget of a trial's configuration (`TrialConfig.solver_budget`)."""
    if config.solver_budget == "time":
        return SolverBudget(seconds_per_100_stops=config.solver_s_per_100_stops,
                            max_seconds=config.solver_cap_s)
    if config.solver_budget != "solutions":
        raise ValueError(f"solver budget {config.solver_budget!r}: expected solutions or time")
    return SolverBudget(solutions_per_100_stops=config.solver_solutions_per_100_stops,
                        max_solutions=config.solver_max_solutions)


class _InlineExecutor(Executor):
    """Run jobs in this process (workers=1): simpler to debug, no pickling."""

    def submit(self, fn, *args, **kwargs):
        from concurrent.futures import Future

        f: Future = Future()
        f.set_result(fn(*args, **kwargs))
        return f


def make_strategy(name: str, city: City, schedule: FixedSchedule, config: TrialConfig) -> Strategy:
    extra = dict(config.extra_strategies)
    if name in extra:
        return extra[name](city)
    if name == "fixed":
        return FixedStrategy(schedule, config.gap_windows)
    if name == "threshold":
        return ThresholdStrategy(config.threshold)
    if name == "forecast":
        from simulator.trial.forecast import ForecastStrategy, SelectionPolicy

        return ForecastStrategy(SelectionPolicy(
            must_level=config.must_level, skip_level=config.skip_level,
            max_prize_m=config.prize_m, must_z=config.must_z,
            prize_lookahead_days=config.prize_lookahead_days, area_days=config.area_days,
            gap_windows=config.forecast_gap_windows,
            cluster_radius_m=config.cluster_radius_m, area_sweeps=config.area_sweeps,
            weekly_from_days=config.weekly_from_days))
    if name == "perfect":
        from simulator.trial.perfect import PerfectStrategy

        return PerfectStrategy(city, config.deposit_model(city, config.deposit_seed),
                               area_sweeps=config.area_sweeps,
                               weekly_from_days=config.weekly_from_days)
    raise ValueError(f"unknown strategy {name!r}; expected one of "
                     f"{', '.join(STRATEGIES + REFERENCES)}")


class _Sensors:
    """Noisy readings of the true fill, with dropouts; the same noise for every strategy."""

    def __init__(self, seed: int, noise: float, dropout: float) -> None:
        self.seed, self.noise, self.dropout = seed, noise, dropout

    def read(self, day: date, hour: int, true_fill: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([self.seed, 7, day.toordinal(), hour])
        value = np.clip(true_fill + rng.normal(0.0, self.noise, true_fill.shape), 0.0, 1.0)
        value[rng.random(true_fill.shape) < self.dropout] = np.nan
        return value


def _at(day: date, seconds: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=float(seconds))


def next_service_day(day: date, calendar: ServiceCalendar = DEFAULT_CALENDAR) -> date:
    """The next chance after `day` (`domain.service_calendar.next_chance`)."""
    return _next_service_day(day, calendar)


class Trial:
    """One run of several strategies over the same days. Call `run()`."""

    def __init__(self, city: City, config: TrialConfig,
                 progress: Callable[[str], None] | None = None) -> None:
        self.city, self.config = city, config
        self.progress = progress or (lambda line: None)
        self.volumes = city.volumes()
        self.deposits = config.deposit_model(city, config.deposit_seed)
        self.sensors = _Sensors(config.deposit_seed, config.sensor_noise, config.sensor_dropout)
        self.cal = config.calendar
        self.schedule = fair_schedule(city, config.deposit_seed, config.start,
                                      calendar=config.calendar)
        self.reading_times: list[datetime] = []
        self.readings: dict[str, list[np.ndarray]] = {}

    # -- the shared warm-up ---------------------------------------------------------------
    def _warm_up(self) -> tuple[np.ndarray, list, list[datetime], list[np.ndarray]]:
        """Weeks before the trial (history for the sensors), run as the municipality runs
        today: every container emptied on its fixed schedule. Every strategy starts from
        that state, as a real trial would."""
        n = len(self.city.containers)
        level = np.zeros(n)
        last: list = [None] * n
        times: list[datetime] = []
        rows: list[np.ndarray] = []
        # four unrecorded weeks first, so that even a four-weekly container is in its rhythm
        total = self.config.warmup_days + PRE_WARMUP_DAYS
        first = self.config.start - timedelta(days=total)
        for d in range(total):
            day = first + timedelta(days=d)
            dep = self.deposits.day_l(day)
            served = {}
            if is_service_day(day, self.cal):
                served = {int(i): COLLECTION_TIME_S for i in np.nonzero(self._due(day))[0]}
            recorded = d >= PRE_WARMUP_DAYS
            level, _, _, _ = self._advance(day, level, dep, served, last,
                                           times if recorded else [], rows if recorded else [])
        return level, last, times, rows

    def _due(self, day: date) -> np.ndarray:
        """Containers the fixed schedule collects on this date (holiday moves included)."""
        due = np.zeros(len(self.city.containers), dtype=bool)
        for back in range(-2, 7):  # a Monday holiday moves back to Saturday
            cand = day - timedelta(days=back)
            if collection_day(cand, self.cal) == day:
                due |= self.schedule.due(cand)
        return due

    # -- one day of one strategy ------------------------------------------------------------
    def _advance(self, day, level, dep, served, last, times, rows):
        """Apply a day: emptyings at their times, deposits, overflow; append readings."""
        t = np.full(len(level), np.inf)
        for i, start_s in served.items():
            t[i] = start_s
        emptied = np.isfinite(t)
        s = np.where(emptied, share_before(np.where(emptied, t, 0.0)), 1.0)
        pre = level + s * dep
        fill_at_empty = np.minimum(pre, self.volumes)[emptied] / self.volumes[emptied]
        overflow = np.maximum(0.0, pre - self.volumes)
        after = np.where(emptied, (1 - s) * dep, np.minimum(pre, self.volumes))
        overflow += np.where(emptied, np.maximum(0.0, after - self.volumes), 0.0)
        for hour in READING_HOURS:
            share = share_before(hour * 3600)
            true = np.where(emptied & (hour * 3600 >= t), np.maximum(0, share - s) * dep,
                            np.minimum(level + share * dep, self.volumes))
            times.append(_at(day, hour * 3600))
            rows.append(self.sensors.read(day, hour, true / self.volumes))
        for i in np.nonzero(emptied)[0]:
            last[i] = _at(day, t[i])
        return np.minimum(after, self.volumes), fill_at_empty, overflow, emptied

    def _view(self, day: date, state: _State, times, rows, dep: np.ndarray) -> MorningView:
        """What the service knows at 06:00: the readings so far, including today's 00:00 and
        06:00 ones (no truck empties anything before the shift starts at 07:00, so they are
        the readings `_advance` will record for this day)."""
        times, rows = list(times), list(rows)
        for hour in (h for h in READING_HOURS if h <= 6):
            true = np.minimum(state.level_l + share_before(hour * 3600) * dep, self.volumes)
            times.append(_at(day, hour * 3600))
            rows.append(self.sensors.read(day, hour, true / self.volumes))
        due = self._due(day)
        truth = np.minimum(state.level_l + share_before(6 * 3600) * dep, self.volumes)
        return MorningView(day, next_service_day(day, self.cal), times, np.array(rows),
                           list(state.last_emptied), due, truth, calendar=self.cal)

    def run(self) -> dict[str, StrategyResult]:
        """Run every configured strategy; return their results by name."""
        cfg = self.config
        level, last, times0, rows0 = self._warm_up()
        states = {name: _State(make_strategy(name, self.city, self.schedule, cfg), level.copy(),
                               list(last), StrategyResult(name)) for name in cfg.strategies}
        history = {name: (list(times0), list(rows0)) for name in cfg.strategies}
        pool: Executor = (ProcessPoolExecutor(cfg.workers, initializer=_init_worker,
                                              initargs=(self.city,))
                          if cfg.workers > 1 else _InlineExecutor())
        if cfg.workers <= 1:
            _init_worker(self.city)
        t_start = time.perf_counter()
        try:
            for d in range(cfg.days):
                day = cfg.start + timedelta(days=d)
                self._run_day(d, day, states, history, pool)
                self._report_progress(d, day, states, t_start)
        finally:
            pool.shutdown(cancel_futures=True)
        return {name: s.result for name, s in states.items()}

    def _run_day(self, d, day, states, history, pool) -> None:
        dep = self.deposits.day_l(day)
        jobs: dict[str, list] = {}
        if is_service_day(day, self.cal):
            for name, state in states.items():
                times, rows = history[name]
                t0 = time.perf_counter()
                view = self._view(day, state, times, rows, dep)
                choices = state.strategy.choose(self.city, view)
                state.result.select_s += time.perf_counter() - t0
                jobs[name] = self._submit(pool, choices, d, day)
        for name, state in states.items():
            routes = [f.result() for f in jobs.get(name, [])]
            served = {c: s for r in routes for c, s in r.served.items()}
            times, rows = history[name]
            level, fills, overflow, emptied = self._advance(
                day, state.level_l, dep, served, state.last_emptied, times, rows)
            state.level_l = level
            state.result.collected_l += float(fills @ self.volumes[emptied])
            state.result.add_day(d, day, is_service_day(day, self.cal), routes, fills, overflow)

    def _submit(self, pool: Executor, choices: list[StopChoice], d: int, day: date) -> list:
        by_fraction: dict = {}
        for c in choices:
            by_fraction.setdefault(self.city.containers[c.container].fraction, []).append(c)
        order = sorted(by_fraction.items(), key=lambda kv: -len(kv[1]))  # biggest first
        shift = shift_on(self.cal, day)
        budget = solver_budget(self.config)
        return [pool.submit(_solve, fraction, mine, budget, d, shift)
                for fraction, mine in order]

    def _report_progress(self, d: int, day: date, states, t_start: float) -> None:
        parts = [f"{name} {s.result.km_per_day[-1]:6.1f} km" for name, s in states.items()]
        elapsed = time.perf_counter() - t_start
        done = (d + 1) / self.config.days
        bar = "#" * int(20 * done) + "." * (20 - int(20 * done))
        self.progress(f"[{bar}] day {d + 1}/{self.config.days} {day} {day:%a}: "
                      + ", ".join(parts)
                      + f"  ({elapsed:.0f} s, eta {elapsed / done - elapsed:.0f} s)")


def every_day_reference(city: City, config: TrialConfig,
                        times_s: tuple[float, ...] = (7.5 * 3600, 11 * 3600, COLLECTION_TIME_S)
                        ) -> dict[str, int]:
    """What no strategy can beat by much: overflow container-days if every container were
    emptied on every service day, all at one time of day (per time; and "gaps": at the end of
    the shift before a day without service, at its start after one, else at 11:00), after the
    same warm-up and with the same deposits as the trial. A reference for the service level
    target."""
    trial = Trial(city, replace(config, strategies=()))
    cal = config.calendar
    level0, last0, _, _ = trial._warm_up()
    n = len(city.containers)
    out = {}
    for t in (*times_s, None):
        level, last, count = level0.copy(), list(last0), 0
        for d in range(config.days):
            day = config.start + timedelta(days=d)
            at = t
            if t is None:
                at = (COLLECTION_TIME_S if not is_service_day(day + timedelta(days=1), cal) else
                      7 * 3600 if not is_service_day(day - timedelta(days=1), cal) else 11 * 3600)
            served = {i: at for i in range(n)} if is_service_day(day, cal) else {}
            level, _, overflow, _ = trial._advance(day, level, trial.deposits.day_l(day),
                                                   served, last, [], [])
            count += int(np.count_nonzero(overflow > 1e-6))
        key = "gaps" if t is None else f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"
        out[key] = count
    return out


def run_trial(city: City, config: TrialConfig,
              progress: Callable[[str], None] | None = None) -> dict[str, StrategyResult]:
    """Run the trial and return each strategy's result."""
    return Trial(city, config, progress).run()
