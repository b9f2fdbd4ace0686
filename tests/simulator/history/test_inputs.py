"""The municipality's files: each layout is read, and each kind of bad file is an error that
names the file, the row and the field, with nothing half-imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from domain import Fraction
from simulator.errors import InputError
from simulator.history.setup import read_containers, read_setup
from simulator.history.weighings import AMSTERDAM_WEGING, OURS, SNAP4WASTE, read_weighings
from simulator.history.workspace import import_history

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SETUP = FIXTURES / "zuid-setup"
SLICE = FIXTURES / "zuid-slice-2021q1.csv.gz"


def _setup(tmp_path: Path, **files: str) -> Path:
    d = tmp_path / "setup"
    shutil.copytree(SETUP, d)
    for name, text in files.items():
        (d / name).write_text(text)
    return d


def test_three_weighing_layouts(tmp_path):
    """Ours, Amsterdam's weging table and the Snap4Waste export read to the same fields."""
    ours = tmp_path / "ours.csv"
    ours.write_text("time,site,kg,lat,lon\n2021-03-01 07:02:32,A,120.5,52.35,4.9\n")
    ams = tmp_path / "weging.csv"
    ams.write_text("id,clusterId,datumWeging,tijdstipWeging,nettoGewicht\n"
                   "1,122126.295|484553.423,2021-03-01,07:02:32,120.5\n")
    w1, w2, w3 = read_weighings(ours), read_weighings(ams), read_weighings(SLICE)
    assert (w1.layout, w2.layout, w3.layout) == (OURS, AMSTERDAM_WEGING, SNAP4WASTE)
    assert str(w1.time[0]) == str(w2.time[0]) == "2021-03-01T07:02:32"
    assert w2.lat[0] == pytest.approx(52.3479, abs=2e-4) and w2.lon[0] == pytest.approx(
        4.9047, abs=2e-4)
    assert len(w3) == 913 and not str(w3.site[0]).endswith("-Rest")


@pytest.mark.parametrize("text, where", [
    ("time,site,kg\n2021-03-01 07:00:00,A,12\n2021-13-01 07:00:00,A,12\n", "line 3: field 'time'"),
    ("time,site,kg\n2021-03-01 07:00:00,A,twelve\n", "line 2: field 'kg'"),
    ("time,site,kg\n2021-03-01 07:00:00,,12\n", "line 2: field 'site'"),
    ("when,where,weight_kg\n2021-03-01 07:00:00,A,12\n", "not a known emptying-records layout"),
])
def test_bad_weighings_name_file_line_and_field(tmp_path, text, where):
    """A bad time, kg or site, or an unknown layout, is an error naming the file and where."""
    f = tmp_path / "w.csv"
    f.write_text(text)
    with pytest.raises(InputError, match=f"{f}: .*{where}" if "line" in where else where):
        read_weighings(f)


@pytest.mark.parametrize("name, text, where", [
    ("depots.csv", "name,lat,lon\nWerf,52.3,north\n", "depots.csv: line 2: field 'lon'"),
    ("depots.csv", "name,lat,lon\nWerf,52.3,4.9\nWerf,52.4,4.9\n", "line 3: field 'name'"),
    ("depots.csv", "name,lat\nWerf,52.3\n", "depots.csv: no column 'lon'"),
    ("disposal_sites.csv", "name,lat,lon,fractions,opens,closes,unload_min\n"
     "AEB,52.4,4.83,Rest;Beton,06:00,18:00,20\n", "line 2: field 'fractions'"),
    ("disposal_sites.csv", "name,lat,lon,fractions,opens,closes,unload_min\n"
     "AEB,52.4,4.83,Rest,18:00,06:00,20\n", "line 2: field 'closes'"),
    ("disposal_sites.csv", "name,lat,lon,fractions,opens,closes,unload_min\n"
     "AEB,52.4,4.83,Rest,6 uur,18:00,20\n", "line 2: field 'opens'"),
    ("fleet.csv", "name,depot,fraction,capacity_kg,capacity_l,shift_start,shift_end,count\n"
     "k,Elders,Rest,10000,90000,07:00,15:30,2\n", "fleet.csv: line 2: field 'depot'"),
    ("fleet.csv", "name,depot,fraction,capacity_kg,capacity_l,shift_start,shift_end,count\n"
     "k,Werf Zuid (assumed location),Rest,-5,90000,07:00,15:30,2\n", "field 'capacity_kg'"),
    ("fleet.csv", "name,depot,fraction,capacity_kg,capacity_l,shift_start,shift_end,count\n"
     "k,Werf Zuid (assumed location),Rest,10000,90000,07:00,15:30,1.5\n", "field 'count'"),
    ("calendar.json", '{"weekdays": ["mon", "funday"]}', "calendar.json: field"),
])
def test_bad_setup_files_name_file_row_and_field(tmp_path, name, text, where):
    """Each kind of bad set-up file is an error naming the file, the row and the field."""
    with pytest.raises(InputError, match=where.replace("(", r"\(").replace(")", r"\)")):
        read_setup(_setup(tmp_path, **{name: text}))


def test_import_is_all_or_nothing(tmp_path):
    """A bad file in the set-up leaves no workspace (and no half-written one) behind."""
    bad = _setup(tmp_path, **{"fleet.csv": "name,depot\nk,Werf\n"})
    out = tmp_path / "ws"
    with pytest.raises(InputError, match="fleet.csv: no column"):
        import_history(bad, SLICE, out)
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["setup"]
    good = import_history(SETUP, SLICE, out)
    assert good.manifest["weighings"]["rows"] == 913 and (out / "setup" / "fleet.csv").exists()
    with pytest.raises(InputError, match="exists already"):
        import_history(SETUP, SLICE, out)


def test_amsterdam_container_export_and_fiware(tmp_path):
    """Amsterdam's container table (RD WKT geometry) and FIWARE WasteContainer entities give
    sites grouped by cluster, with the positions in WGS84."""
    ams = tmp_path / "containers.csv"
    ams.write_text("idNummer,cluster,fractieOmschrijving,geometrie,volume_m3\n"
                   "R1,122126.295|484553.423,Rest,POINT (122126.3 484553.4),5\n"
                   "R2,122126.295|484553.423,Rest,POINT (122128.0 484555.0),3\n"
                   "P1,122126.295|484553.423,Papier,POINT (122127.0 484554.0),4\n")
    sites = {(s.id, s.fraction): s for s in read_containers(ams)}
    rest = sites[("122126.295|484553.423", Fraction.RESIDUAL)]
    assert rest.containers == 2 and rest.volume_l == 8000
    assert rest.location.lat == pytest.approx(52.3479, abs=2e-4)
    fiware = tmp_path / "containers.json"
    fiware.write_text(json.dumps([
        {"id": "urn:ngsi-ld:WasteContainer:1", "type": "WasteContainer",
         "location": {"type": "GeoProperty", "value": {"type": "Point",
                                                        "coordinates": [4.9, 52.35]}},
         "storedWasteKind": {"type": "Property", "value": "inorganic"},
         "refWasteContainerIsle": {"type": "Relationship", "value": "isle-7"}},
        {"id": "urn:ngsi-ld:WasteContainer:2", "type": "WasteContainer",
         "location": {"type": "Point", "coordinates": [4.9001, 52.3501]},
         "storedWasteKind": "inorganic", "refWasteContainerIsle": "isle-7"}]))
    (site,) = read_containers(fiware)
    assert site.id == "isle-7" and site.containers == 2 and site.fraction is Fraction.RESIDUAL
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lat,lon,fraction\nc1,52.3,4.9,Beton\n")
    with pytest.raises(InputError, match="bad.csv: line 2: field 'fraction'"):
        read_containers(bad)
