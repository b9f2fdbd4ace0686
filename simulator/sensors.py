"""Simulated fill-level sensors with the faults real ones have.

`SensorFleet(city, tenant_id, seed, faults)` gives each container a device (id, DevEUI,
format, ultrasonic or fill-fraction kind). `fleet.uplinks(when, true_fill)` turns the true
fill of every container at one reading time into the MQTT messages the sensors would send:

- noise on every value, and outliers (a bag across the ultrasonic beam reads near-full);
- dropouts (a reading never arrives), stuck sensors (the same value forever), batteries that
  drain and die (the sensor goes quiet for good);
- duplicates (the network delivers twice) and out-of-order delivery (held back one round);
- a share of garbage payloads (truncated JSON, wrong types, negative distances);
- rare fire (temperature jump) and tilt events.

Everything is seeded; the same fleet and reading times give the same messages.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from simulator.city import City
from simulator.formats import FORMATS, Addressing, Measurement, encode_uplink


@dataclass(frozen=True, slots=True)
class FaultProfile:
    """How often each fault happens: per reading, or per device for the lasting ones."""

    noise_sd: float = 0.02  # fill fraction
    outlier_p: float = 0.01
    dropout_p: float = 0.03
    stuck_share: float = 0.02
    dead_battery_share: float = 0.01
    duplicate_p: float = 0.02
    out_of_order_p: float = 0.02
    garbage_p: float = 0.005
    fire_p: float = 0.0002
    tilt_p: float = 0.0005

    @classmethod
    def none(cls) -> FaultProfile:
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class SimDevice:
    container: int
    address: Addressing
    ultrasonic: bool
    depth_mm: float
    stuck: bool
    dies_after: int | None  # reading rounds until the battery is empty


@dataclass(frozen=True, slots=True)
class Uplink:
    """One MQTT message to publish, with what it carries (for tests and counters)."""

    topic: str
    payload: bytes
    device_id: str
    kind: str  # "reading" | "duplicate" | "garbage" | "late"


def _dev_eui(tenant_id: str, seed: int, i: int) -> str:
    """Unique across a deployment for distinct tenants (the network server's key)."""
    tag = zlib.crc32(f"{tenant_id}/{seed}".encode()) & 0xFFFFFF
    return f"{(0x70B3 << 48) | (tag << 24) | (i & 0xFFFFFF):016x}"


class SensorFleet:
    """The sensors of a city, one per container."""

    def __init__(self, city: City, tenant_id: str, seed: int = 0,
                 faults: FaultProfile | None = None, formats: tuple[str, ...] = FORMATS,
                 ultrasonic_share: float = 0.7, tts_tenant: str = "ttn",
                 tts_app: str = "wasteroute-sim",
                 chirpstack_app: str = "6f1d6c8e-0000-4000-8000-000000000001") -> None:
        self.city, self.faults = city, faults or FaultProfile()
        rng = np.random.default_rng([seed, 31])
        self.rng = np.random.default_rng([seed, 32])
        self.devices: list[SimDevice] = []
        for i, c in enumerate(city.containers):
            fmt = formats[i % len(formats)]
            eui = _dev_eui(tenant_id, seed, i)
            address = Addressing(tenant_id, f"{tenant_id}-{c.external_id}", eui,
                                 fmt, tts_app, tts_tenant, chirpstack_app)
            dies = int(rng.integers(5, 200)) if rng.random() < self.faults.dead_battery_share \
                else None
            ultrasonic = bool(rng.random() < ultrasonic_share)
            stuck = bool(rng.random() < self.faults.stuck_share)
            self.devices.append(SimDevice(i, address, ultrasonic, c.depth_mm, stuck, dies))
        self._stuck_value: dict[int, float] = {}
        self._held: list[Uplink] = []
        self._round = 0
        self._f_cnt = np.zeros(len(self.devices), dtype=int)
        self._battery = rng.uniform(60, 100, len(self.devices))

    def _measure(self, dev: SimDevice, when: datetime, fill: float) -> Measurement | None:
        f, rng = self.faults, self.rng
        if dev.dies_after is not None and self._round >= dev.dies_after:
            return None
        if rng.random() < f.dropout_p:
            return None
        value = float(np.clip(fill + rng.normal(0.0, f.noise_sd), 0.0, 1.0))
        if rng.random() < f.outlier_p:
            value = float(rng.uniform(0.85, 1.0))
        if dev.stuck:
            value = self._stuck_value.setdefault(dev.container, value)
        fire = rng.random() < f.fire_p
        battery = self._battery[dev.container]
        if dev.dies_after is not None:
            battery *= max(0.0, 1 - self._round / dev.dies_after)
        self._f_cnt[dev.container] += 1
        temperature = float(rng.normal(14, 3)) + (55 if fire else 0)
        common = dict(measured_at=when, temperature_c=temperature,
                      battery_pct=float(battery), tilt=bool(rng.random() < f.tilt_p),
                      rssi_dbm=float(rng.normal(-100, 6)), snr_db=float(rng.normal(5, 3)),
                      f_cnt=int(self._f_cnt[dev.container]))
        if dev.ultrasonic:
            return Measurement(distance_mm=(1 - value) * dev.depth_mm, **common)
        return Measurement(fill_fraction=value, **common)

    def _garbage(self, dev: SimDevice) -> bytes:
        choice = int(self.rng.integers(0, 4))
        return [b'{"measured_at": "2026-', b"\xff\xfe not json",
                json.dumps({"measured_at": "yesterday", "fill_fraction": "lots"}).encode(),
                json.dumps({"distance_mm": -40, "fill_fraction": 1.7}).encode()][choice]

    def uplinks(self, when: datetime, true_fill: np.ndarray) -> list[Uplink]:
        """The messages of one reading round at simulated time `when` (held-back ones first)."""
        out, self._held = self._held, []
        for dev in self.devices:
            m = self._measure(dev, when, float(true_fill[dev.container]))
            if m is None:
                continue
            topic, payload = encode_uplink(dev.address, m)
            if self.rng.random() < self.faults.garbage_p:
                out.append(Uplink(topic, self._garbage(dev), dev.address.device_id, "garbage"))
                continue
            up = Uplink(topic, payload, dev.address.device_id, "reading")
            if self.rng.random() < self.faults.out_of_order_p:
                self._held.append(Uplink(topic, payload, dev.address.device_id, "late"))
                continue
            out.append(up)
            if self.rng.random() < self.faults.duplicate_p:
                out.append(Uplink(topic, payload, dev.address.device_id, "duplicate"))
        self._round += 1
        return out

    def flush(self) -> list[Uplink]:
        """Messages still held back for out-of-order delivery."""
        out, self._held = self._held, []
        return out
