"""Containers: CRUD, import/export, NGSI-LD; validation errors are clear 4xx."""

from __future__ import annotations

import csv
import io
import json

from tests.api.conftest import container_body
from tests.api.helpers import new_container


def test_container_crud_round_trip(client, planner):
    """Create, read, list, patch and delete a container."""
    c = new_container(client, planner.headers, external_id="A-1")
    assert c["external_id"] == "A-1" and c["fraction"] == "residual"
    assert client.get(f"/v1/containers/{c['id']}", headers=planner.headers).json() == c
    listed = client.get("/v1/containers", headers=planner.headers).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == c["id"]
    r = client.patch(f"/v1/containers/{c['id']}", json={"volume_l": 3000}, headers=planner.headers)
    assert r.status_code == 200 and r.json()["volume_l"] == 3000
    assert client.delete(f"/v1/containers/{c['id']}", headers=planner.headers).status_code == 204
    assert client.get(f"/v1/containers/{c['id']}", headers=planner.headers).status_code == 404


def test_bad_input_is_422_naming_the_field(client, planner):
    """Latitude out of range, unknown fraction, extra field, null required: 422 with the field
    name."""
    r = client.post("/v1/containers", json=container_body(lat=91), headers=planner.headers)
    assert r.status_code == 422 and "lat" in r.json()["message"]
    r = client.post(
        "/v1/containers", json=container_body(fraction="uranium"), headers=planner.headers
    )
    assert r.status_code == 422 and "fraction" in r.json()["message"]
    r = client.post("/v1/containers", json=container_body(colour="red"), headers=planner.headers)
    assert r.status_code == 422
    c = new_container(client, planner.headers)
    r = client.patch(f"/v1/containers/{c['id']}", json={"lat": None}, headers=planner.headers)
    assert r.status_code == 422 and "lat" in r.json()["message"]
    r = client.post(
        "/v1/containers",
        content=b"{not json",
        headers={**planner.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_duplicate_external_id_is_409(client, planner):
    """Two containers with one external id in a tenant: the second is 409."""
    new_container(client, planner.headers, external_id="DUP")
    r = client.post("/v1/containers", json=container_body("DUP"), headers=planner.headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_csv_import_then_export_round_trips(client, planner):
    """A CSV with Dutch fraction names imports; re-importing updates; the export has every row."""
    text = (
        "external_id,lat,lon,fraction,volume_l,depth_mm,address\n"
        "K1,51.91,4.39,Rest,5000,2400,Broersvest 1\n"
        "K2,51.92,4.40,PMD,3000,,\n"
    )
    files = {"file": ("c.csv", text.encode(), "text/csv")}
    r = client.post("/v1/containers/import", files=files, headers=planner.headers)
    assert r.json() == {"created": 2, "updated": 0, "format": "csv"}
    r = client.post("/v1/containers/import", files=files, headers=planner.headers)
    assert r.json() == {"created": 0, "updated": 2, "format": "csv"}
    r = client.get("/v1/containers/export?format=csv", headers=planner.headers)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {(row["external_id"], row["fraction"]) for row in rows} == {
        ("K1", "residual"),
        ("K2", "plastic"),
    }


def test_geojson_import_and_export(client, planner):
    """A GeoJSON FeatureCollection imports; the export is GeoJSON with [lon, lat] points."""
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [4.41, 51.93]},
                "properties": {"id": "G1", "fraction": "glass", "volume_l": 3000},
            }
        ],
    }
    files = {"file": ("c.geojson", json.dumps(doc).encode(), "application/geo+json")}
    r = client.post("/v1/containers/import", files=files, headers=planner.headers)
    assert r.json() == {"created": 1, "updated": 0, "format": "geojson"}
    out = client.get("/v1/containers/export", headers=planner.headers)
    assert out.headers["content-type"].startswith("application/geo+json")
    feature = out.json()["features"][0]
    assert feature["geometry"]["coordinates"] == [4.41, 51.93]
    assert feature["properties"]["external_id"] == "G1"


def test_bad_import_names_the_line_and_stores_nothing(client, planner):
    """A bad row names its line; the rows before it are not stored either."""
    text = "external_id,lat,lon,fraction,volume_l\nOK,51.9,4.4,rest,100\nBAD,951.9,4.4,rest,100\n"
    r = client.post(
        "/v1/containers/import",
        files={"file": ("c.csv", text.encode(), "text/csv")},
        headers=planner.headers,
    )
    assert r.status_code == 422 and "line 3" in r.json()["message"] and "lat" in r.json()["message"]
    assert client.get("/v1/containers", headers=planner.headers).json()["count"] == 0


def test_ngsi_ld_waste_container(client, planner, db):
    """The NGSI-LD view carries FIWARE names: fillingLevel 0..1, storedWasteKind, location."""
    c = new_container(client, planner.headers, fraction="paper")
    db.execute(
        "INSERT INTO container_state (tenant_id, container_id, measured_at, fill_fraction)"
        " VALUES (%s, %s, now(), 0.48)",
        (planner.tenant_id, c["id"]),
    )
    r = client.get(f"/v1/containers/{c['id']}/ngsi-ld", headers=planner.headers)
    assert r.headers["content-type"].startswith("application/ld+json")
    e = r.json()
    assert e["type"] == "WasteContainer" and e["id"].startswith("urn:ngsi-ld:WasteContainer:")
    assert e["fillingLevel"]["value"] == 0.48 and e["fillingLevel"]["type"] == "Property"
    assert e["storedWasteKind"]["value"] == "paper" and e["status"]["value"] == "ok"
    assert e["location"]["value"]["coordinates"] == [c["lon"], c["lat"]]
    listed = client.get("/v1/ngsi-ld/WasteContainer", headers=planner.headers).json()
    assert [x["id"] for x in listed] == [e["id"]]


def test_driver_reads_but_cannot_write_containers(client, db, planner):
    """A driver may list containers but creating one is 403."""
    from tests.api.conftest import make_user

    driver = make_user(client, db, planner.tenant_id, "driver")
    assert client.get("/v1/containers", headers=driver.headers).status_code == 200
    assert (
        client.post("/v1/containers", json=container_body(), headers=driver.headers).status_code
        == 403
    )
