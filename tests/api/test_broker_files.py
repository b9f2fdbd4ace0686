"""The generated Mosquitto password and ACL files work on a real Mosquitto: a device publishes
to its own topic with its password, and is refused with a wrong one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from cli.main import main
from tests.api.helpers import new_container, new_device


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect(port: int, username: str, password: str) -> int:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(username, password)
    result = {}
    client.on_connect = lambda c, u, f, rc, p=None: result.setdefault("rc", rc)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for _ in range(50):
        if "rc" in result:
            break
        time.sleep(0.05)
    client.loop_stop()
    client.disconnect()
    return int(getattr(result.get("rc"), "value", result.get("rc", -1)))


def test_generated_broker_files_authenticate_devices(
    client, planner, database_url, tmp_path, monkeypatch
):
    """`wasteroute devices broker-files` output: the device's password is accepted, a wrong one
    refused."""
    if shutil.which("mosquitto") is None:
        pytest.fail(
            "mosquitto is not installed: apt-get install mosquitto (see scripts/services.sh)"
        )
    c = new_container(client, planner.headers)
    dev = new_device(client, planner.headers, c["id"])
    monkeypatch.setenv("INGEST_PW", "ingest-secret-1")
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    assert (
        main(
            [
                "devices",
                "broker-files",
                "--passwd",
                str(passwd),
                "--acl",
                str(acl),
                "--tenant",
                planner.tenant_id,
                "--service-user",
                "wasteroute-ingest=INGEST_PW",
                "--database-url",
                database_url,
            ]
        )
        == 0
    )
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"user root\nlistener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n"
        f"acl_file {acl}\npersistence false\n"
    )
    log = tmp_path / "mosquitto.log"
    broker = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        assert broker.poll() is None, log.read_text()
        creds = dev["credentials"]
        assert _connect(port, creds["broker_username"], creds["broker_password"]) == 0
        assert _connect(port, creds["broker_username"], "wrong-password") != 0
        assert _connect(port, "wasteroute-ingest", "ingest-secret-1") == 0
    finally:
        broker.terminate()
        broker.wait(timeout=10)
