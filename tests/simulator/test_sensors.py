"""Simulated sensors publish to the real Mosquitto in each format, faults included."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import numpy as np
import paho.mqtt.client as mqtt

from simulator.city import CitySpec, generate_city
from simulator.formats import CHIRPSTACK_V4, FORMATS, NATIVE, TTS_V3
from simulator.publisher import MqttPublisher
from simulator.sensors import FaultProfile, SensorFleet


def _subscriber(url: str, topics: list[str]):
    """A real paho subscriber collecting (topic, payload) until stopped."""
    got: list[tuple[str, bytes]] = []
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)

    def on_connect(c, _u, _f, _rc, _p=None):
        for t in topics:
            c.subscribe(t, qos=1)
        ready.set()

    client.on_connect = on_connect
    client.on_message = lambda _c, _u, msg: got.append((msg.topic, msg.payload))
    host, port = url.split("//")[1].split(":")
    client.connect(host, int(port))
    client.loop_start()
    assert ready.wait(5)
    time.sleep(0.3)
    return client, got


def _wait_for(got: list, n: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while len(got) < n and time.monotonic() < deadline:
        time.sleep(0.05)


def test_each_format_arrives_at_a_real_subscriber(mqtt_url, topic_prefix):
    """Native, TTS v3 and ChirpStack v4 uplinks reach a subscriber with the right fields."""
    city = generate_city(CitySpec(n_containers=9, seed=3))
    fleet = SensorFleet(city, topic_prefix, seed=1, faults=FaultProfile.none(),
                        tts_app=f"app-{topic_prefix}", chirpstack_app=f"cs-{topic_prefix}")
    topics = [f"wasteroute/v1/{topic_prefix}/devices/+/up",
              f"v3/app-{topic_prefix}@ttn/devices/+/up",
              f"application/cs-{topic_prefix}/device/+/event/up"]
    client, got = _subscriber(mqtt_url, topics)
    try:
        when = datetime(2026, 4, 20, 6, tzinfo=UTC)
        with MqttPublisher(mqtt_url) as pub:
            assert pub.publish_all(fleet.uplinks(when, np.full(9, 0.5))) == 9
        _wait_for(got, 9)
    finally:
        client.loop_stop()
        client.disconnect()
    assert len(got) == 9
    kinds = {}
    for topic, payload in got:
        body = json.loads(payload)
        if topic.startswith("wasteroute/"):
            kinds.setdefault(NATIVE, body)
            assert body["measured_at"].startswith("2026-04-20T06:00")
        elif topic.startswith("v3/"):
            kinds.setdefault(TTS_V3, body)
            assert "distance" in body["uplink_message"]["decoded_payload"] or \
                "fill_percent" in body["uplink_message"]["decoded_payload"]
        else:
            kinds.setdefault(CHIRPSTACK_V4, body)
            assert body["deviceInfo"]["devEui"] == topic.split("/")[3]
    assert set(kinds) == set(FORMATS)


def test_ultrasonic_distance_encodes_the_fill():
    """An ultrasonic sensor sends (1 - fill) × depth in mm, without noise when faults are off."""
    city = generate_city(CitySpec(n_containers=30, seed=3))
    fleet = SensorFleet(city, "t1", faults=FaultProfile.none(), formats=(NATIVE,),
                        ultrasonic_share=1.0)
    ups = fleet.uplinks(datetime(2026, 4, 20, tzinfo=UTC), np.full(30, 0.25))
    body = json.loads(ups[0].payload)
    assert body["distance_mm"] == round(0.75 * city.containers[0].depth_mm, 1)


def test_faults_produce_duplicates_garbage_late_and_dropouts():
    """With a heavy fault profile every kind of bad delivery shows up, deterministically."""
    city = generate_city(CitySpec(n_containers=200, seed=3))
    heavy = FaultProfile(noise_sd=0.02, outlier_p=0.05, dropout_p=0.1, stuck_share=0.1,
                         dead_battery_share=0.1, duplicate_p=0.1, out_of_order_p=0.1,
                         garbage_p=0.05, fire_p=0.01, tilt_p=0.01)

    def run():
        fleet = SensorFleet(city, "t1", seed=5, faults=heavy)
        rounds = [fleet.uplinks(datetime(2026, 4, 20, h, tzinfo=UTC), np.full(200, 0.4))
                  for h in range(6)]
        return [u for r in rounds for u in r]

    ups = run()
    kinds = {u.kind for u in ups}
    assert kinds == {"reading", "duplicate", "garbage", "late"}
    assert len(ups) < 6 * 200 * 1.2  # dropouts and dead batteries remove readings
    assert [u.payload for u in run() if u.kind == "garbage"] == \
        [u.payload for u in ups if u.kind == "garbage"]
