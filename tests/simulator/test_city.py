"""City generation, deposits and the fair fixed schedule."""

from __future__ import annotations

from datetime import date

import numpy as np

from domain import Fraction, haversine_m
from simulator.calendar import collection_day, dutch_holidays, is_service_day
from simulator.city import CitySpec, generate_city
from simulator.deposits import DepositModel
from simulator.trial.fixed import fair_schedule


def test_same_seed_same_city_other_seed_other_city():
    """Generation is deterministic by seed."""
    a, b = generate_city(CitySpec(n_containers=200, seed=7)), generate_city(
        CitySpec(n_containers=200, seed=7))
    c = generate_city(CitySpec(n_containers=200, seed=8))
    assert a.containers == b.containers and a.vehicles == b.vehicles
    assert a.containers != c.containers


def test_city_has_islands_fractions_and_a_fleet():
    """Containers cluster in islands near the centre, every main fraction has trucks."""
    city = generate_city(CitySpec(n_containers=600, seed=2))
    assert len(city.containers) == 600
    islands = {c.island for c in city.containers}
    assert len(islands) < 500  # several containers share an island
    assert {Fraction.RESIDUAL, Fraction.PAPER, Fraction.GLASS, Fraction.PLASTIC} <= set(
        city.fractions)
    assert {v.fraction for v in city.vehicles} == set(city.fractions)
    dist = [haversine_m(c.location, city.centre) for c in city.containers]
    assert np.median(dist) < 4000
    assert all(3000 <= c.volume_l <= 5000 for c in city.containers if c.fraction is not
               Fraction.TEXTILE)


def test_deposits_depend_only_on_seed_and_date():
    """A date's deposits are the same whatever window they are drawn in."""
    city = generate_city(CitySpec(n_containers=50, seed=1))
    m = DepositModel(city, 3)
    whole = m.daily_l(date(2026, 4, 20), 10)
    assert np.allclose(whole[5], m.day_l(date(2026, 4, 25)))
    assert whole.mean() == np.float64(whole.mean())  # finite
    assert 0.7 < whole.sum(axis=0).mean() / (city.rates().mean() * 10) < 1.3


def test_holidays_and_catch_up_days():
    """King's Day is no service day; a Monday holiday moves to the Saturday before."""
    assert date(2026, 4, 27) in dutch_holidays(2026)
    assert not is_service_day(date(2026, 4, 27))
    assert collection_day(date(2026, 4, 27)) == date(2026, 4, 25)
    assert not is_service_day(date(2026, 4, 19))  # an ordinary Sunday


def test_fixed_schedule_gives_fast_containers_more_visits():
    """The fair schedule: containers that fill faster are collected more often."""
    city = generate_city(CitySpec(n_containers=300, seed=1))
    s = fair_schedule(city, 1, date(2026, 4, 20))
    days_to_full = city.volumes() / city.rates()
    fast, slow = days_to_full < np.percentile(days_to_full, 20), days_to_full > np.percentile(
        days_to_full, 80)
    assert s.frequency[fast].mean() > s.frequency[slow].mean()
    assert set(np.unique(s.frequency)) <= {0.25, 0.5, 1, 2, 3, 4, 5}


def test_trucks_and_sites_are_those_of_a_dutch_town():
    """A residual truck takes some 90 m³ of loose waste (21 m³ body compacting about 4x) and
    the transfer station lies a few km from the centre, next to the depot; the incinerator
    further out."""
    city = generate_city(CitySpec(n_containers=300, seed=3))
    residual = next(v for v in city.vehicles if v.fraction is Fraction.RESIDUAL)
    assert 80_000 <= residual.capacity_l <= 100_000 and residual.capacity_kg <= 11_000
    to_centre = [haversine_m(s.location, city.centre) for s in city.disposal_sites]
    assert 2_000 <= to_centre[0] <= 5_000 and 8_000 <= to_centre[1] <= 12_000
    assert haversine_m(city.depots[0].location, city.disposal_sites[0].location) < 1_000


def test_fixed_schedule_checks_the_worst_interval_and_the_coming_calendar():
    """Checking the coming weeks (King's Day on a Monday) never lowers a frequency."""
    city = generate_city(CitySpec(n_containers=300, seed=1))
    past_only = fair_schedule(city, 1, date(2026, 4, 20), lookahead_days=0)
    careful = fair_schedule(city, 1, date(2026, 4, 20))
    assert (careful.frequency >= past_only.frequency).all()


def test_islands_are_sized_so_no_container_fills_in_under_five_days():
    """Busy spots get several containers of a fraction (sharing the deposits), so none fills
    faster than the sizing norm; the spread between spots stays wide."""
    from collections import Counter

    from simulator.city import MIN_DAYS_TO_FULL

    city = generate_city(CitySpec(n_containers=1500, seed=1))
    days_to_full = city.volumes() / city.rates()
    assert days_to_full.min() >= MIN_DAYS_TO_FULL - 0.05  # rates are rounded to 0.1 l/day
    per_spot = Counter((c.island, c.fraction) for c in city.containers)
    assert max(per_spot.values()) >= 2
    residual = days_to_full[[c.fraction is Fraction.RESIDUAL for c in city.containers]]
    assert np.percentile(residual, 90) > 1.5 * np.percentile(residual, 10)


def test_loaded_containers_follow_the_same_sizing_norm(tmp_path):
    """A municipality's own containers without rates get rates of the same norm."""
    import json

    from simulator.city import MIN_DAYS_TO_FULL
    from simulator.loading import load_containers

    features = [{"type": "Feature", "geometry": {"type": "Point",
                                                 "coordinates": [4.3 + k * 1e-3, 52.07]},
                 "properties": {"afvalfractie": "Rest"}} for k in range(200)]
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    city, _ = load_containers(path, seed=2)
    assert (city.volumes() / city.rates()).min() >= MIN_DAYS_TO_FULL - 0.05
