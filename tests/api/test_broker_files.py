"""The generated Mosquitto password and ACL files on a real Mosquitto (a spare port): a device
publishes only to its own topic and reads nothing, a device named like the ingest cannot become
the ingest, a tenant's integration account publishes only its own applications' uplinks, and
the ingest account reads every format's topics with its own secret."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from api.broker_files import DeviceAccount, broker_files
from api.security import mosquitto_hash
from cli.main import main
from storage.ingest_applications import IngestApplication, add_application
from tests.api.helpers import new_container

INGEST = "wasteroute-ingest"
INGEST_PASSWORD = "ingest-secret-" + uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Session:
    client: mqtt.Client
    rc: int
    received: list[tuple[str, bytes]]
    granted: list[int]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _session(port: int, username: str, password: str) -> Session:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"t-{uuid.uuid4().hex[:10]}",
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set(username, password)
    out = Session(client, -1, [], [])

    def on_connect(c, u, flags, rc, props=None):
        out.rc = int(getattr(rc, "value", rc))

    def on_subscribe(c, u, mid, codes, props=None):
        out.granted.extend(int(getattr(code, "value", code)) for code in codes)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = lambda c, u, m: out.received.append((m.topic, m.payload))
    client.connect("127.0.0.1", port)
    client.loop_start()
    for _ in range(100):
        if out.rc != -1:
            break
        time.sleep(0.05)
    return out


def _subscribe(session: Session, topic: str) -> int:
    before = len(session.granted)
    session.client.subscribe(topic, qos=1)
    for _ in range(100):
        if len(session.granted) > before:
            break
        time.sleep(0.05)
    return session.granted[-1]


def _publish(session: Session, topic: str, payload: bytes) -> None:
    session.client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)


@pytest.fixture
def broker(tmp_path) -> Iterator[tuple[int, Path, Path]]:
    """A Mosquitto on a spare port with the files in tmp_path (written by the test first)."""
    if shutil.which("mosquitto") is None:
        pytest.fail(
            "mosquitto is not installed: apt-get install mosquitto (see scripts/services.sh)"
        )
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"user root\nlistener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n"
        f"acl_file {acl}\npersistence false\n"
    )
    log = tmp_path / "mosquitto.log"
    procs: list[subprocess.Popen] = []

    def start() -> None:
        procs.append(
            subprocess.Popen(
                ["mosquitto", "-c", str(conf)], stdout=log.open("w"), stderr=subprocess.STDOUT
            )
        )
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(log.read_text())

    yield port, passwd, acl, start  # type: ignore[misc]
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


def _write_files(database_url: str, passwd: Path, acl: Path, monkeypatch) -> None:
    monkeypatch.setenv("H4_INGEST_PW", INGEST_PASSWORD)
    args = ["devices", "broker-files", "--passwd", str(passwd), "--acl", str(acl)]
    args += ["--service-user", f"{INGEST}=H4_INGEST_PW", "--database-url", database_url]
    assert main(args) == 0


def _wait_for(session: Session, topic: str, timeout_s: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(t == topic for t, _ in session.received):
            return True
        time.sleep(0.05)
    return False


def test_devices_integrations_and_the_ingest_on_a_real_broker(
    client, planner, other_planner, db, database_url, broker, monkeypatch
):
    port, passwd, acl, start = broker
    c = new_container(client, planner.headers)
    r = client.post(
        "/v1/devices",
        json={"device_id": INGEST, "container_id": c["id"]},
        headers=planner.headers,
    )
    assert r.status_code == 201, r.text  # a device may have this name, not this account
    squatter = r.json()["credentials"]
    assert squatter["broker_username"] == f"dev.{planner.tenant_id}.{INGEST}"
    c2 = new_container(client, other_planner.headers)
    r = client.post(
        "/v1/devices",
        json={"device_id": f"b-{uuid.uuid4().hex[:8]}", "container_id": c2["id"]},
        headers=other_planner.headers,
    )
    other = r.json()["credentials"]
    tts_app = f"smart-waste-{uuid.uuid4().hex[:6]}@ttn"
    cs_app = str(uuid.uuid4())
    other_app = f"other-{uuid.uuid4().hex[:6]}@ttn"
    add_application(db, IngestApplication("tts-v3", tts_app, planner.tenant_id))
    add_application(db, IngestApplication("chirpstack-v4", cs_app, planner.tenant_id))
    add_application(db, IngestApplication("tts-v3", other_app, other_planner.tenant_id))
    r = client.post("/v1/broker/integration-credentials", headers=planner.headers)
    assert r.status_code == 200, r.text
    integration = r.json()
    assert integration["broker_username"] == f"int.{planner.tenant_id}"
    assert f"v3/{tts_app}/devices/+/up" in integration["publish_topics"]
    _write_files(database_url, passwd, acl, monkeypatch)
    start()

    ingest = _session(port, INGEST, INGEST_PASSWORD)
    assert ingest.rc == 0, "the ingest logs in with its own secret"
    for topic in ("wasteroute/v1/#", "v3/#", "application/#"):
        assert _subscribe(ingest, topic) == 1
    assert _session(port, INGEST, squatter["broker_password"]).rc != 0
    assert _session(port, squatter["broker_username"], "wrong").rc != 0

    device = _session(port, squatter["broker_username"], squatter["broker_password"])
    assert device.rc == 0
    own_topic = squatter["publish_topic"]
    others_topic = other["publish_topic"]
    # Mosquitto 2.0 may grant a subscription and filter each message by the read ACL: what
    # counts is that nothing arrives (checked below, after others have published)
    _subscribe(device, "#")
    _subscribe(device, others_topic)
    neighbour = _session(port, other["broker_username"], other["broker_password"])
    assert neighbour.rc == 0
    _publish(neighbour, others_topic, b'{"own": true}')
    assert _wait_for(ingest, others_topic)
    _publish(device, others_topic, b'{"forged": true}')
    _publish(device, f"v3/{other_app}/devices/x/up", b'{"forged": true}')
    _publish(device, own_topic, b'{"ok": true}')
    assert _wait_for(ingest, own_topic)

    lorawan = _session(port, integration["broker_username"], integration["broker_password"])
    assert lorawan.rc == 0
    tts_topic = f"v3/{tts_app}/devices/sensor-1/up"
    cs_topic = f"application/{cs_app}/device/0011223344556677/event/up"
    _publish(lorawan, f"v3/{other_app}/devices/y/up", b'{"forged": true}')
    _publish(lorawan, others_topic, b'{"forged": true}')
    _publish(lorawan, tts_topic, b"{}")
    _publish(lorawan, cs_topic, b"{}")
    assert _wait_for(ingest, tts_topic) and _wait_for(ingest, cs_topic)
    time.sleep(0.3)
    topics = [t for t, _ in ingest.received]
    assert [p for t, p in ingest.received if t == others_topic] == [b'{"own": true}']
    assert not any(t.startswith(f"v3/{other_app}/") for t in topics), topics
    assert device.received == [] and lorawan.received == []
    for s in (ingest, device, lorawan, neighbour):
        s.close()


@pytest.mark.parametrize(
    "device_id", ["a:b", "a/b", "a+b", "a#b", "a b", "a\x00b", "-a", "x" * 101, "ä"]
)
def test_device_ids_the_broker_cannot_take_are_422(client, planner, device_id):
    c = new_container(client, planner.headers)
    r = client.post(
        "/v1/devices",
        json={"device_id": device_id, "container_id": c["id"]},
        headers=planner.headers,
    )
    assert r.status_code == 422 and "device_id" in r.json()["message"], r.text


def test_service_accounts_cannot_take_a_device_namespace():
    with pytest.raises(ValueError, match="belong to sensors"):
        broker_files([], [], {"dev.t1.x": mosquitto_hash("p")})
    with pytest.raises(ValueError, match="no :"):
        broker_files([], [], {"svc:x": mosquitto_hash("p")})
    files = broker_files([DeviceAccount("t1", "bad:id", "$7$1$a$b")], [], {INGEST: None})
    assert files.skipped == ["dev.t1.bad:id"] and "bad:id" not in files.passwd + files.acl


def test_broker_files_cli_refuses_a_namespaced_service_user(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("H4_PW", "x")
    args = ["devices", "broker-files", "--passwd", str(tmp_path / "p"), "--acl"]
    args += [str(tmp_path / "a"), "--service-user", "dev.t.x=H4_PW", "--database-url", database_url]
    assert main(args) == 2
    assert not (tmp_path / "p").exists()
