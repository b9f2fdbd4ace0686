"""Calibration recovers known rates, cluster sizes and density from a generated history with
the faults of the real Amsterdam file."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.history import calibrate, read_weighings
from tests.simulator.history.generated import DENSITY, VOLUME_L, WEEKDAY, generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    text, truth = generate()
    path = tmp_path_factory.mktemp("history") / "weighings.csv"
    path.write_text(text)
    return calibrate(read_weighings(path)), truth


def _by_id(cal):
    return {str(s): k for k, s in enumerate(cal.site_ids)}


def test_cluster_sizes_recovered(generated):
    """Every site's number of containers is the number weighed minutes apart on a visit."""
    cal, truth = generated
    idx = _by_id(cal)
    wrong = [s for s, n in truth.containers.items() if cal.containers[idx[s]] != n]
    assert wrong == []


def test_rates_recovered_where_knowable(generated):
    """Sites that never overflowed and are recorded regularly: rate within 5% (the day-to-day
    noise over ~200 days); the median error under 2%."""
    cal, truth = generated
    idx = _by_id(cal)
    regular = [s for s in truth.rate_kg_per_day if s not in truth.capped | truth.sparse]
    errors = np.array([cal.rate_kg_per_day[idx[s]] / truth.rate_kg_per_day[s] - 1
                       for s in regular])
    assert len(regular) >= 25
    assert np.abs(errors).max() < 0.05, errors
    assert np.median(np.abs(errors)) < 0.02
    assert not cal.estimated[[idx[s] for s in regular]].any()


def test_sparse_sites_are_estimated_not_dropped(generated):
    """A site recorded only every few weeks gets a rate estimated from its visits' kg and the
    typical interval of sites of its size, flagged; within a factor 2.5 (its own interval is
    unknown, so no better can be promised)."""
    cal, truth = generated
    idx = _by_id(cal)
    assert truth.sparse - truth.capped
    for s in truth.sparse - truth.capped:
        assert cal.estimated[idx[s]]
        ratio = cal.rate_kg_per_day[idx[s]] / truth.rate_kg_per_day[s]
        assert 0.4 < ratio < 2.5, (s, ratio)


def test_density_from_nearly_full_containers(generated):
    """The heaviest weighings are of full containers: density within 3%."""
    cal, _ = generated
    assert cal.density_kg_per_l == pytest.approx(DENSITY, rel=0.03)
    assert cal.container_volume_l == VOLUME_L


def test_faults_reported(generated):
    """Zero, negative and heavy rows, days without data and rebuilt ids are all reported."""
    cal, truth = generated
    report = cal.report
    assert report["rows_dropped"]["zero kg"] == truth.zero_rows
    assert report["rows_dropped"]["negative kg"] == truth.negative_rows
    assert report["rows_whole_cluster"] + report["rows_dropped"]["above 20000 kg"] == 3
    assert report["days_without_data"] == [str(d) for d in truth.no_data_days]
    assert report["intervals_dropped"]["interval spans a day without any data"] > 0
    assert cal.visits.aliases == truth.rebuilt
    assert report["sites"] == len(truth.rate_kg_per_day)


def test_weekday_pattern(generated):
    """The weekday pattern of deposits is recovered within 0.1 on every day (day-to-day noise
    of 20% and overflowing sites, whose intervals are in the fit, leave about that)."""
    cal, _ = generated
    assert np.abs(cal.weekday_factor - WEEKDAY).max() < 0.1, cal.weekday_factor


def test_density_from_fill_readings(tmp_path):
    """Where fill readings come shortly before the visits, the density is each visit's kg
    over the litres read: exact on a history where the heaviest weighings are not full."""
    from simulator.history.readings import read_fill_readings

    text, _ = generate(seed=5)
    lines = text.splitlines()[1:]
    readings = ["time,site,fill_percent"]
    for line in lines:
        when, site, kg, _, _ = line.split(",")
        if 0 < float(kg) <= VOLUME_L * DENSITY:
            t = np.datetime64(when.replace(" ", "T")) - np.timedelta64(20, "m")
            readings.append(f"{str(t).replace('T', ' ')},{site},"
                            f"{100 * float(kg) / (VOLUME_L * DENSITY):.3f}")
    light = "\n".join(["time,site,kg,lat,lon"] + [  # nothing near full: the quantile is low
        ",".join(p[:2] + [f"{float(p[2]) * 0.5:.1f}"] + p[3:]) for p in
        (line.split(",") for line in lines)]) + "\n"
    (tmp_path / "w.csv").write_text(light)
    (tmp_path / "r.csv").write_text("\n".join(readings) + "\n")
    w = read_weighings(tmp_path / "w.csv")
    assert calibrate(w).density_kg_per_l < 0.6 * DENSITY
    cal = calibrate(w, readings=read_fill_readings(tmp_path / "r.csv"))
    assert cal.density_kg_per_l == pytest.approx(DENSITY / 2, rel=0.02)
    assert "fill reading" in cal.report["density_from"]


def test_enevo_readings_scale_to_physical_fill():
    """The Edinburgh Enevo export reads as fill readings, 100% meaning 80% full."""
    from simulator.history.readings import read_fill_readings
    from tests.simulator.test_realdata import ENEVO

    r = read_fill_readings(ENEVO)
    assert len(r.fill_fraction) == 10_000 and r.fill_fraction.max() == pytest.approx(0.8)
