"""Reading container lists from GeoJSON and CSV files."""

from __future__ import annotations

import json

import pytest

from domain import Fraction
from planning.container_files import ContainerFileError, parse_csv, parse_geojson


def test_geojson_with_dutch_fractions_gets_stable_ids():
    """Den Haag style features (afvalfractie 'Rest', 'Glas combi') parse, with ids that stay
    the same on a second read, and two containers at one spot get distinct ids."""
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.27, 52.08]},
         "properties": {"afvalfractie": "Rest", "buurt": "Bomenbuurt"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.27, 52.08]},
         "properties": {"afvalfractie": "Rest"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.28, 52.09]},
         "properties": {"afvalfractie": "Glas combi"}}]}
    first = parse_geojson(json.dumps(doc))
    assert [c.fraction for c in first] == [Fraction.RESIDUAL, Fraction.RESIDUAL, Fraction.GLASS]
    assert len({c.external_id for c in first}) == 3
    assert [c.external_id for c in parse_geojson(json.dumps(doc))] == [c.external_id for c in first]
    assert first[0].location.lat == 52.08 and first[0].address == "Bomenbuurt"


def test_a_bad_row_is_named():
    """A CSV row with an unknown fraction fails with its line number and field."""
    text = "external_id,lat,lon,fraction\na,52.0,4.3,rest\nb,52.0,4.3,lava\n"
    with pytest.raises(ContainerFileError, match=r"line 3: field 'fraction'"):
        parse_csv(text)
