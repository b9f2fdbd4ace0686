"""Loading Den Haag's containers and calibrating on Edinburgh's Enevo records (real data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import Fraction
from simulator.calibration import ENEVO_EDINBURGH, EmptyingColumns, calibrate_rates
from simulator.errors import InputError
from simulator.loading import load_containers
from tests.shared_data import needs_shared

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
DENHAAG = REALDATA / "denhaag-containers" / "afvalcontainers.geojson"
ENEVO = REALDATA / "edinburgh-enevo" / "edinburgh_enevo_collections_2016.csv"

needs_realdata = needs_shared(REALDATA)


@needs_realdata
def test_den_haag_geojson_loads_all_8025_containers():
    """Every feature becomes a container with a parsed fraction and filled-in volume and rate."""
    city, report = load_containers(DENHAAG)
    assert len(city.containers) == 8025 and report.skipped == {}
    counts = {f: sum(c.fraction is f for c in city.containers) for f in Fraction}
    assert counts[Fraction.RESIDUAL] == 7269
    assert counts[Fraction.GLASS] == 115 + 31 + 3
    assert counts[Fraction.PLASTIC] == 96 and counts[Fraction.ORGANIC] == 142
    assert report.filled["volume_l"] == 8025
    assert all(4.2 < c.location.lon < 4.42 and 52.0 < c.location.lat < 52.12
               for c in city.containers)
    assert city.vehicles and len(city.disposal_sites) == 2


def test_csv_with_a_bad_row_names_the_line(tmp_path):
    """A row without coordinates is an error naming its line, or skipped when asked."""
    f = tmp_path / "c.csv"
    f.write_text("id,lat,lon,fraction,volume_l\na,52.0,4.3,Rest,5000\nb,,4.3,Papier,\n")
    with pytest.raises(InputError, match="line 3: no coordinates"):
        load_containers(f)
    city, report = load_containers(f, skip_bad=True)
    assert [c.external_id for c in city.containers] == ["a"]
    assert city.containers[0].volume_l == 5000 and report.skipped == {"no coordinates": 1}


@needs_realdata
def test_enevo_calibration_scales_percent_to_physical_fill():
    """Rates per site from fill % at each collection; 100% means 80% physically full."""
    rates = calibrate_rates(ENEVO, ENEVO_EDINBURGH)
    assert 300 <= len(rates) <= 334
    per_day = sorted(r.fill_fraction_per_day for r in rates.values())
    median = per_day[len(per_day) // 2]
    assert 0.05 < median < 0.8
    unscaled = calibrate_rates(ENEVO, EmptyingColumns(**{**ENEVO_EDINBURGH.__dict__,
                                                        "percent_full_scale": 1.0}))
    site = next(iter(rates))
    assert unscaled[site].rate_l_per_day == pytest.approx(rates[site].rate_l_per_day / 0.8)


@needs_realdata
def test_calibration_names_a_missing_column(tmp_path):
    """A column mapping that does not match the file says which column is missing."""
    with pytest.raises(InputError, match="no column 'Weight'"):
        calibrate_rates(ENEVO, EmptyingColumns(container="Site", time="Weight",
                                               fill_percent="Fill level after"))


ZUID = REALDATA / "amsterdam-weging-zuid" / "ams-rest-weging-zuid-2020-2021.csv.gz"


def test_zuid_weighings_read_and_calibrate():
    """The full two-year Zuid file: every row read in its Snap4Waste layout; calibration finds
    the gaps SOURCES.md lists on service days, joins rebuilt ids, and a plausible density."""
    from simulator.history import calibrate, read_weighings

    w = read_weighings(ZUID)
    assert len(w) == 194_735 and len(set(w.site)) == 1_290
    cal = calibrate(w)
    gaps = cal.report["days_without_data"]
    assert "2020-10-23" in gaps and "2021-12-14" in gaps and "2021-12-21" in gaps
    assert len(gaps) == 8  # 2021-12-19 is a Sunday: no service, no gap
    assert cal.report["rows_dropped"]["zero kg"] == 1_952
    assert 0 < cal.report["ids_joined_as_rebuilt"] < 1_290 - 1_000
    assert 0.1 < cal.density_kg_per_l < 0.3
    assert set(cal.report["containers_per_site"]) >= {"1", "2", "3"}
