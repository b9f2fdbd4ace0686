"""A trial on a slice of Amsterdam-Zuid's own records: replay routes exactly the recorded
visits, scaled deposits make the period collect the recorded kg, a fake road network is used
and said, and the reports hold the per-day figures (import, calibrate, trial, report)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from domain.service_calendar import DEFAULT_CALENDAR, is_service_day
from optimizer import HaversineProvider
from simulator.history import calibrate, read_setup, read_weighings
from simulator.history.city import Period
from simulator.history.trial import STRAIGHT_LINES, HistoryTrialConfig, run_history_trial

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SETUP = FIXTURES / "zuid-setup"
SLICE = FIXTURES / "zuid-slice-2021q1.csv.gz"
PERIOD = Period(date(2021, 3, 1), 14)
FAST = {"solver_cap_s": 1.0}


@pytest.fixture(scope="module")
def inputs():
    return calibrate(read_weighings(SLICE)), read_setup(SETUP)


@pytest.fixture(scope="module")
def replay(inputs):
    cal, setup = inputs
    cfg = HistoryTrialConfig(PERIOD, strategies=("replay",), workers=1, trial_overrides=FAST)
    return run_history_trial(cal, setup, cfg)


def _served_points(result, day_index: int) -> set[tuple[float, float]]:
    city = result.history.city
    hubs = {(s.location.lat, s.location.lon) for s in city.depots + city.disposal_sites}
    return {p for path in result.results["replay"].paths_by_day.get(day_index, [])
            for p in path} - hubs


def test_replay_routes_exactly_the_recorded_visits(replay, inputs):
    """Each service day's routes visit exactly the clusters recorded that day (and those
    recorded since the last service day, e.g. on a Sunday), no more and no fewer."""
    _, setup = inputs
    city = replay.history.city
    visits = replay.history.recorded_visits
    pending: set[int] = set()
    checked = expected_collections = 0
    for d in range(PERIOD.days):
        day = PERIOD.start + timedelta(days=d)
        pending |= set(visits.get(day, []))
        if not is_service_day(setup.calendar or DEFAULT_CALENDAR, day):
            assert not _served_points(replay, d)
            continue
        expected = {(city.containers[i].location.lat, city.containers[i].location.lon)
                    for i in pending}
        assert _served_points(replay, d) == expected, day
        checked += bool(expected)
        expected_collections += len(pending)
        pending = set()
    assert checked >= 5
    assert replay.results["replay"].collections == expected_collections


def test_scaled_deposits_collect_the_recorded_kg(replay):
    """With scaling on, what the replay collects in the period is the recorded kg within 2%."""
    collected = replay.results["replay"].collected_l * replay.history.density_kg_per_l
    assert replay.history.scale != 1.0
    assert collected == pytest.approx(replay.history.recorded_kg, rel=0.02)


class FakeRoads:
    """A fake road network: twice the straight-line distance at 20 km/h."""

    description = "fake roads (test)"

    def matrices(self, points):
        d, _ = HaversineProvider(detour_factor=2.0, speed_kmh=20.0).matrices(points)
        return d, np.ceil(d / (20 / 3.6)).astype(np.int64)


def test_road_distances_are_used_and_said(inputs, replay):
    """A distance provider routes the trial and the report says which one was used."""
    cal, setup = inputs
    cfg = HistoryTrialConfig(PERIOD, strategies=("replay",), workers=1, trial_overrides=FAST)
    roads = run_history_trial(cal, setup, cfg, matrix_provider=FakeRoads())
    assert roads.distances == "fake roads (test)" and replay.distances == STRAIGHT_LINES
    assert roads.results["replay"].km > 1.3 * replay.results["replay"].km


def test_containers_file_sets_the_sites(inputs, tmp_path):
    """A containers file in the set-up gives a cluster its containers and volume, matched to
    the records by the cluster id (Amsterdam's `x|y` and the export's `x_y` both match)."""
    import dataclasses

    from simulator.history.city import build_city
    from simulator.history.setup import read_containers

    cal, setup = inputs
    site = str(cal.site_ids[0])
    f = tmp_path / "containers.csv"
    f.write_text("id,cluster,lat,lon,fraction,volume_l\n"
                 + "".join(f"c{k},{site.replace('_', '|')},52.34,4.87,Rest,3000\n"
                           for k in range(4)))
    with_file = dataclasses.replace(setup, sites=read_containers(f))
    hc = build_city(cal, with_file, PERIOD)
    by_id = {c.external_id: c for c in hc.city.containers}
    assert by_id[site].volume_l == 12_000 and by_id[site].model == "4x3m3"
    assert by_id[site].location.lat == pytest.approx(52.34)
    other = str(cal.site_ids[1])
    if other in by_id:
        assert by_id[other].volume_l == cal.containers[1] * cal.container_volume_l


def test_unreachable_osrm_is_a_clear_error_before_the_trial(inputs):
    """An OSRM address that does not answer is an error naming it, raised before any day."""
    from simulator.errors import InputError

    cal, setup = inputs
    cfg = HistoryTrialConfig(PERIOD, strategies=("replay",), workers=1,
                             osrm_url="http://127.0.0.1:9")
    with pytest.raises(InputError, match=r"OSRM at http://127.0.0.1:9 unreachable"):
        run_history_trial(cal, setup, cfg)


def test_disposal_site_hours_and_unload_time_reach_the_router(inputs):
    """The set-up's disposal site opening hours and unload time are the routing problem's."""
    from domain import Fraction
    from simulator.history.city import build_city
    from simulator.trial.routing import StopChoice, build_problem

    cal, setup = inputs
    site = setup.disposal_sites[0]
    city = build_city(cal, setup, PERIOD).city
    problem = build_problem(city, Fraction.RESIDUAL, [StopChoice(0, 1000.0)])
    (routed,) = problem.disposal_sites
    assert (routed.unload_s, routed.open_s, routed.close_s) == (
        site.unload_s, site.opens_s, site.closes_s) == (1200, 6 * 3600, 18 * 3600)


def test_without_calendar_the_fleet_sets_the_shift(inputs):
    """No calendar.json: Monday to Friday, with the fleet's own shift times."""
    import dataclasses

    from simulator.history.setup import TruckSpec
    from simulator.history.trial import service_calendar

    _, setup = inputs
    truck = TruckSpec("k", setup.depots[0].name, setup.fleet[0].fraction, 10_000, 90_000,
                      6 * 3600, 14 * 3600 + 1800)
    calendar = service_calendar(dataclasses.replace(setup, calendar=None, fleet=(truck,)))
    assert calendar.weekdays == frozenset({1, 2, 3, 4, 5})
    assert (calendar.default_shift.start_s, calendar.default_shift.end_s) == (21_600, 52_200)
    assert service_calendar(setup) is setup.calendar
