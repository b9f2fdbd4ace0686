"""The perfect-information reference: empties a container on the last service day before it
would be full, from the true fill and the deposits ahead."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cli.commands.trial import parse_strategies
from cli.errors import UserError
from simulator.city import CitySpec, generate_city
from simulator.deposits import share_before
from simulator.trial import TrialConfig, run_trial
from simulator.trial.perfect import PerfectStrategy
from simulator.trial.strategies import MorningView

DAILY_L = 100.0
MONDAY, TUESDAY, FRIDAY = date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 5)


class _SteadyDeposits:
    """Our own seam: every container gets the same litres every day."""

    def day_l(self, day: date) -> np.ndarray:
        return np.full(_CITY_SIZE, DAILY_L)


_CITY_SIZE = 40


@pytest.fixture(scope="module")
def city():
    return generate_city(CitySpec(n_containers=_CITY_SIZE, seed=4, radius_m=1500))


def _view(day: date, next_day: date, level_l: np.ndarray) -> MorningView:
    n = len(level_l)
    return MorningView(day, next_day, [], np.zeros((0, n)), [None] * n, np.zeros(n, bool),
                       level_l)


def _rise(days_between: int) -> float:
    """Litres from 06:00 today to 15:30 on the next service day, `days_between` full days
    in between."""
    return DAILY_L * (1 - share_before(6 * 3600) + days_between + share_before(15.5 * 3600))


def test_must_exactly_when_it_would_be_full_by_the_next_chance(city):
    volumes = city.volumes()
    strategy = PerfectStrategy(city, _SteadyDeposits(), area_sweeps=False)
    headroom = volumes - _rise(0)
    level = np.where(np.arange(len(volumes)) % 2 == 0, headroom + 1.0, headroom - 1.0)
    chosen = {c.container for c in strategy.choose(city, _view(MONDAY, TUESDAY, level))}
    assert chosen == set(range(0, len(volumes), 2))


def test_a_friday_looks_over_the_weekend(city):
    """From Friday the next chance is Monday: Saturday and Sunday fill it too."""
    volumes = city.volumes()
    strategy = PerfectStrategy(city, _SteadyDeposits(), area_sweeps=False)
    level = volumes - _rise(0) - 1.0  # would wait from a Monday
    assert strategy.choose(city, _view(MONDAY, TUESDAY, level)) == []
    friday = strategy.choose(city, _view(FRIDAY, date(2026, 6, 8), level))
    assert len(friday) == len(volumes)
    assert volumes[0] - _rise(2) < level[0] < volumes[0] - _rise(0)


def test_on_its_area_day_a_container_that_cannot_wait_for_the_next_sweep_is_a_must(city):
    volumes = city.volumes()
    swept = PerfectStrategy(city, _SteadyDeposits(), area_sweeps=True)
    lazy = PerfectStrategy(city, _SteadyDeposits(), area_sweeps=False)
    level = volumes - _rise(2) + 1.0  # full by Thursday's 15:30, not by Tuesday's
    view = _view(MONDAY, TUESDAY, level)
    assert lazy.choose(city, view) == []
    chosen = {c.container for c in swept.choose(city, view)}
    on_monday = {i for i, days in enumerate(swept._area_days) if 1 in days}
    assert chosen and chosen == on_monday  # Monday's areas: next on Thursday or Monday
    level = volumes - _rise(2) - 1.0  # waits until Thursday: only weekly areas take it now
    weekly = {i for i, days in enumerate(swept._area_days) if days == frozenset({1})}
    assert weekly
    assert {c.container for c in swept.choose(city, _view(MONDAY, TUESDAY, level))} == weekly


def test_needs_the_true_fill(city):
    view = _view(MONDAY, TUESDAY, city.volumes())
    view.true_level_l = None
    with pytest.raises(ValueError, match="true fill"):
        PerfectStrategy(city, _SteadyDeposits()).choose(city, view)


def test_runs_in_the_trial_beside_the_strategies():
    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    config = TrialConfig(days=5, start=date(2026, 4, 20), deposit_seed=4, workers=1,
                         strategies=("fixed", "perfect"), solver_s_per_100_stops=0.3,
                         solver_cap_s=0.5, warmup_days=14)
    results = run_trial(city, config)
    perfect, fixed = results["perfect"], results["fixed"]
    assert 0 < perfect.collections < fixed.collections
    assert perfect.unserved_required == 0
    assert perfect.avg_fill_at_emptying > fixed.avg_fill_at_emptying


def test_the_cli_accepts_the_reference_beside_all():
    assert parse_strategies("all,perfect") == ("fixed", "threshold", "forecast", "perfect")
    assert parse_strategies("fixed, perfect") == ("fixed", "perfect")
    with pytest.raises(UserError, match="unknown strategy 'oracle'"):
        parse_strategies("fixed,oracle")
