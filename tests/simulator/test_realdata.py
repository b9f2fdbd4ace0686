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
