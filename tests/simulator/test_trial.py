"""The offline trial on a tiny city: every strategy runs and its metrics are consistent."""

from __future__ import annotations

from datetime import date

import pytest

from simulator.city import CitySpec, generate_city
from simulator.trial import TrialConfig, run_trial
from simulator.trial.report import render_html, render_table


@pytest.fixture(scope="module")
def results():
    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    config = TrialConfig(days=5, start=date(2026, 4, 20), deposit_seed=4, workers=1,
                         solver_s_per_100_stops=0.3, solver_cap_s=0.5, warmup_days=14)
    return run_trial(city, config)


def test_every_strategy_reports_consistent_metrics(results):
    """km per day adds up, service level matches overflow days, fills are fractions."""
    assert set(results) == {"fixed", "threshold", "forecast"}
    for r in results.values():
        s = r.summary()
        assert len(r.km_per_day) == 5
        assert s["km"] == pytest.approx(sum(r.km_per_day), abs=0.1)
        assert 0 <= s["haul_km"] <= s["km"] and (s["haul_km"] > 0) == (r.collections > 0)
        assert r.container_days == 60 * 5
        assert s["service_level"] == pytest.approx(1 - r.overflow_container_days / 300, abs=1e-5)
        assert all(0 <= f <= 1 for f in r.fills_at_emptying)
        assert (r.km > 0) == (r.collections > 0)
        if r.collections:
            assert r.routes >= 1 and r.disposal_trips >= r.routes


def test_reports_render(results):
    """The table names every strategy; the HTML has the three plots."""
    table = render_table(results)
    assert "fixed" in table and "forecast" in table and "service level" in table
    page = render_html(results, "t")
    assert page.count("<svg") == 3 and "Fill at emptying" in page


def test_timing_windows_late_when_it_would_fill_again_early_when_nearly_full():
    from simulator.trial.routing import EARLY_WINDOW_END_S, LATE_WINDOW_START_S
    from simulator.trial.strategies import timing_window

    assert timing_window(rise_to_next_chance=0.9, level_at_service=0.3) == (
        LATE_WINDOW_START_S, None)
    assert timing_window(rise_to_next_chance=0.3, level_at_service=0.97) == (
        0, EARLY_WINDOW_END_S)
    assert timing_window(rise_to_next_chance=0.3, level_at_service=0.5) == (0, None)


def test_windows_reach_the_optimizer_problem():
    from domain import Fraction
    from simulator.trial.routing import StopChoice, build_problem

    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    i, j = [k for k, c in enumerate(city.containers) if c.fraction is Fraction.RESIDUAL][:2]
    problem = build_problem(city, Fraction.RESIDUAL,
                            [StopChoice(i, 100.0, window_start_s=13 * 3600),
                             StopChoice(j, 100.0, window_end_s=9 * 3600)])
    assert problem.stops[0].window_start_s == 13 * 3600
    assert problem.stops[1].window_end_s == 9 * 3600


def test_every_day_reference_counts_overflow_days():
    from simulator.trial.engine import every_day_reference

    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    ref = every_day_reference(city, TrialConfig(days=5, deposit_seed=4, warmup_days=14))
    assert set(ref) == {"07:30", "11:00", "15:30", "gaps"}
    assert all(0 <= v <= 60 * 5 for v in ref.values())


def test_the_morning_view_holds_this_mornings_readings():
    """At 06:00 the service sees the 00:00 and 06:00 readings of the day, not only
    yesterday's."""
    from datetime import datetime, timedelta

    from simulator.trial.engine import Trial, _State
    from simulator.trial.metrics import StrategyResult
    from simulator.trial.strategies import ThresholdStrategy

    city = generate_city(CitySpec(n_containers=60, seed=4, radius_m=1500))
    trial = Trial(city, TrialConfig(days=1, deposit_seed=4, workers=1, warmup_days=7,
                                    strategies=()))
    level, last, times, rows = trial._warm_up()
    day = date(2026, 4, 20)
    state = _State(ThresholdStrategy(), level, last, StrategyResult("threshold"))
    view = trial._view(day, state, times, rows, trial.deposits.day_l(day))
    six = datetime(2026, 4, 20, 6, tzinfo=view.reading_times[0].tzinfo)
    assert view.reading_times[-1] == six
    assert view.reading_times[-2] == six - timedelta(hours=6)
    assert view.readings.shape == (len(times) + 2, 60)


def test_the_forecast_sees_the_rate_of_a_container_emptied_almost_daily():
    """Short fill cycles (18:00 to noon) still count their rise: a container filling 20% a day,
    emptied every afternoon and read four times a day, is not forecast much slower."""
    import numpy as np

    from planning.forecast import fit_history

    rng = np.random.default_rng(3)
    times, fill, level = [], [], 0.0
    for d in range(14):
        for hour in (0, 6, 12, 18):
            times.append(d * 86_400 + hour * 3600)
            fill.append(level + 0.2 * hour / 24 + rng.normal(0, 0.01))
        level = 0.2 * (24 - 15.5) / 24 if d % 7 < 5 else level + 0.2  # emptied at 15:30
        fill[-1] = 0.2 * (18 - 15.5) / 24 if d % 7 < 5 else fill[-1]
    fit = fit_history(np.array(times, float), np.clip(np.array(fill), 0, 1), 0.0)
    assert fit is not None and fit.mean_rate_per_day == pytest.approx(0.2, rel=0.1)
