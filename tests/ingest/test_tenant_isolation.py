"""The topic decides the tenant and the device (issue 17 item 2): an uplink on tenant A's topic
can never touch tenant B's containers. Runs `BatchProcessor` (decode → validate → write) on the
real TimescaleDB, plus one end-to-end run through a real worker on the real Mosquitto."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from ingest.batch import BatchProcessor
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from storage import connect
from storage.ingest_applications import IngestApplication, add_application
from tests.ingest.conftest import count_rows, wait_for


def _iso(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def _tts(device_id: str | None, dev_eui: str | None, distance: float, temp: float) -> bytes:
    ids = {k: v for k, v in (("device_id", device_id), ("dev_eui", dev_eui)) if v}
    up = {
        "received_at": _iso(1),
        "decoded_payload": {"distance": distance, "temperature": temp},
    }
    return json.dumps({"end_device_ids": ids, "uplink_message": up}).encode()


def _cs_up(dev_eui: str, distance: float, temp: float) -> bytes:
    return json.dumps(
        {
            "deviceInfo": {"devEui": dev_eui},
            "time": _iso(1),
            "object": {"distance": distance, "temperature": temp},
        }
    ).encode()


def _cs_status(dev_eui: str, battery: float) -> bytes:
    return json.dumps({"deviceInfo": {"devEui": dev_eui}, "batteryLevel": battery}).encode()


class Tenants:
    """Tenant A (ours) and tenant B (the victim), one device each; B's container full."""

    def __init__(self, db: psycopg.Connection, add_device: Callable[..., str], a: str) -> None:
        self.db = db
        self.a = a
        self.b = f"t-{uuid.uuid4().hex[:12]}"
        db.execute("INSERT INTO tenants (id, name) VALUES (%s, 'victim')", (self.b,))
        self.eui_a = f"a0{uuid.uuid4().hex[:14]}"
        self.eui_b = f"b0{uuid.uuid4().hex[:14]}"
        self.dev_a = add_device(dev_eui=self.eui_a)
        self.dev_b = add_device(dev_eui=self.eui_b, tenant=self.b)

    def state(self, tenant: str) -> dict:
        row = self.db.execute(
            "SELECT fill_fraction, temperature_c, battery_pct, fire_alarm, measured_at"
            " FROM container_state WHERE tenant_id = %s",
            (tenant,),
        ).fetchone()
        return dict(row) if row else {}


@pytest.fixture
def tenants(db, add_device, tenant_id) -> Tenants:
    return Tenants(db, add_device, tenant_id)


@pytest.fixture
def process(database_url: str, db) -> Iterator[Callable[[str, bytes], dict[str, int]]]:
    """Process one message; returns the rejected_messages rows it added, by reason."""
    settings = IngestSettings(
        database_url=database_url, mqtt_url="mqtt://unused:1883", device_cache_ttl_s=0
    )
    proc = BatchProcessor(settings, Metrics())
    with connect(database_url, autocommit=True) as conn:

        def run(topic: str, payload: bytes) -> dict[str, int]:
            before = db.execute("SELECT coalesce(max(id), 0) AS m FROM rejected_messages")
            first = before.fetchone()["m"]
            proc.process(conn, [(topic, payload)])
            rows = db.execute(
                "SELECT reason, count(*) AS n FROM rejected_messages WHERE id > %s GROUP BY reason",
                (first,),
            ).fetchall()
            return {r["reason"]: r["n"] for r in rows}

        yield run


@pytest.fixture
def full_b(tenants: Tenants, process) -> dict:
    """B's container reported full and cool, and B's battery at 80%: the state to protect."""
    assert (
        process(f"application/b-app/device/{tenants.eui_b}/event/up", _cs_up(tenants.eui_b, 0, 20))
        == {}
    )
    assert (
        process(
            f"application/b-app/device/{tenants.eui_b}/event/status", _cs_status(tenants.eui_b, 80)
        )
        == {}
    )
    state = tenants.state(tenants.b)
    assert state["fill_fraction"] == 1.0 and not state["fire_alarm"] and state["battery_pct"] == 80
    return state


def test_tts_payload_naming_another_tenants_device_is_rejected(tenants, process, full_b):
    """Tenant A's TTS topic with B's device id in the payload: `device_mismatch`; B's fill,
    temperature and alarms unchanged, no reading for either tenant (was: B reset to 2% full
    with a false fire alarm)."""
    topic = f"v3/a-app@ttn/devices/{tenants.dev_a}/up"
    assert process(topic, _tts(tenants.dev_b, None, 980, 95)) == {"device_mismatch": 1}
    assert process(topic, _tts(None, tenants.eui_b.upper(), 980, 95)) == {"device_mismatch": 1}
    assert tenants.state(tenants.b) == full_b
    assert count_rows(tenants.db, tenants.b) == 1 and count_rows(tenants.db, tenants.a) == 0


def test_chirpstack_events_naming_another_tenants_device_are_rejected(tenants, process, full_b):
    """Tenant A's ChirpStack topic with B's DevEUI in the payload, an `up` and a `status` event:
    `device_mismatch`; B's fill and battery unchanged (was: B's battery set to 3%)."""
    up = f"application/a-app/device/{tenants.eui_a}/event/up"
    status = f"application/a-app/device/{tenants.eui_a}/event/status"
    assert process(up, _cs_up(tenants.eui_b, 980, 95)) == {"device_mismatch": 1}
    assert process(status, _cs_status(tenants.eui_b, 3)) == {"device_mismatch": 1}
    assert tenants.state(tenants.b) == full_b
    assert tenants.state(tenants.a) == {}


def test_native_payload_naming_another_device_is_rejected(tenants, process, full_b):
    topic = f"wasteroute/v1/{tenants.a}/devices/{tenants.dev_a}/up"
    body = {"measured_at": _iso(1), "fill_fraction": 0.02, "device_id": tenants.dev_b}
    assert process(topic, json.dumps(body).encode()) == {"device_mismatch": 1}
    assert tenants.state(tenants.b) == full_b


def test_a_registered_application_reaches_only_its_tenants_devices(tenants, process, full_b):
    """With A's applications registered, a topic of A's application that itself names B's
    device (payload consistent) is rejected `wrong_tenant`; A's own device is written."""
    with connect(str(tenants.db.info.dsn), autocommit=True) as conn:
        add_application(conn, IngestApplication("tts-v3", "a-app@ttn", tenants.a))
        add_application(conn, IngestApplication("chirpstack-v4", "a-cs", tenants.a))
    tts_b = f"v3/a-app@ttn/devices/{tenants.dev_b}/up"
    assert process(tts_b, _tts(tenants.dev_b, None, 980, 95)) == {"wrong_tenant": 1}
    status_b = f"application/a-cs/device/{tenants.eui_b}/event/status"
    assert process(status_b, _cs_status(tenants.eui_b, 3)) == {"wrong_tenant": 1}
    assert tenants.state(tenants.b) == full_b
    tts_a = f"v3/a-app@ttn/devices/{tenants.dev_a}/up"
    assert process(tts_a, _tts(tenants.dev_a, tenants.eui_a, 500, 20)) == {}
    assert count_rows(tenants.db, tenants.a) == 1
    detail = tenants.db.execute(
        "SELECT detail FROM rejected_messages WHERE tenant_id = %s AND reason = 'wrong_tenant'",
        (tenants.a,),
    ).fetchall()
    assert detail and all(tenants.b not in r["detail"] for r in detail)


def test_a_tenant_with_applications_is_reached_only_through_them(tenants, process, full_b):
    """Once B registers an application, B's devices accept LoRaWAN uplinks only through it."""
    with connect(str(tenants.db.info.dsn), autocommit=True) as conn:
        add_application(conn, IngestApplication("chirpstack-v4", "b-cs", tenants.b))
    other = f"application/not-b/device/{tenants.eui_b}/event/up"
    assert process(other, _cs_up(tenants.eui_b, 980, 95)) == {"wrong_tenant": 1}
    assert tenants.state(tenants.b) == full_b
    own = f"application/b-cs/device/{tenants.eui_b}/event/up"
    assert process(own, _cs_up(tenants.eui_b, 500, 20)) == {}
    assert tenants.state(tenants.b)["fill_fraction"] == 0.5


def test_end_to_end_foreign_device_on_tenant_topic(
    db, tenants, start_worker, publisher, topic_prefix
):
    """Through a real worker: A's TTS topic carrying B's device id changes nothing of B and is
    rejected `device_mismatch`; a good uplink of A's device after it is stored."""
    app = f"a-{topic_prefix}@ttn"
    start_worker([f"v3/{app}/devices/+/up"])
    publisher.publish(f"v3/{app}/devices/{tenants.dev_a}/up", _tts(tenants.dev_b, None, 980, 95))
    good = _tts(tenants.dev_a, tenants.eui_a, 500, 20)
    publisher.publish(f"v3/{app}/devices/{tenants.dev_a}/up", good)
    wait_for(lambda: count_rows(db, tenants.a) == 1, 15, "A's good reading")
    reasons = [
        r["reason"]
        for r in db.execute(
            "SELECT reason FROM rejected_messages WHERE topic LIKE %s", (f"v3/{app}/%",)
        ).fetchall()
    ]
    assert reasons == ["device_mismatch"]
    assert count_rows(db, tenants.b) == 0 and tenants.state(tenants.b) == {}
