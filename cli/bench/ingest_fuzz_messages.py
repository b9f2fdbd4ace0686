"""Hostile MQTT messages in the three ingest formats (docs/mqtt-formats.md), for
`wasteroute bench ingest-fuzz` and tests/ingest/test_fuzz_ingest.py.

Each message starts from a valid skeleton of its format for a known device (so a good share
of them are stored), then any field may be dropped, given a random type, a huge or deep value,
a time that overflows, NUL or a lone surrogate; topics get foreign tenants and devices, odd
levels and control characters; some payloads are random bytes, truncated or byte-flipped JSON,
deep brackets, or oversized.

The grammar draws through `Draw`, so the same grammar runs on two engines: `RandomDraw` (a
seeded PRNG: about 20,000 messages/s, for the million-message bench) and `HypothesisDraw`
(Hypothesis's `st.data()`, which shrinks a failing message to a small one; measured here
at about 100 messages/s, fine for the tests, far too slow for a million).
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FuzzMessage:
    topic: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class FuzzDevice:
    tenant_id: str
    device_id: str
    dev_eui: str


@dataclass(frozen=True, slots=True)
class FuzzWorld:
    """The devices and applications the messages aim at (and miss on purpose)."""

    devices: tuple[FuzzDevice, ...]
    tts_apps: tuple[str, ...]  # topic level `{app}@{tts-tenant}`
    chirpstack_apps: tuple[str, ...]
    now: datetime
    max_payload_bytes: int = 16384

    @property
    def tenants(self) -> tuple[str, ...]:
        return tuple(sorted({d.tenant_id for d in self.devices}))


class Draw(Protocol):
    """Where the grammar's choices come from."""

    def pick(self, options: Sequence[T]) -> T: ...
    def integer(self, lo: int, hi: int) -> int: ...
    def real(self, lo: float, hi: float) -> float: ...
    def text(self, max_size: int) -> str: ...
    def binary(self, max_size: int) -> bytes: ...


class RandomDraw:
    """Choices from a seeded PRNG: fast and reproducible."""

    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)
        self._random = self._r.random

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self._random() * len(options))]

    def integer(self, lo: int, hi: int) -> int:
        if hi - lo < 1 << 30:  # random() has 53 bits: uniform enough, 5 times faster
            return lo + int(self._random() * (hi - lo + 1))
        return self._r.randint(lo, hi)

    def real(self, lo: float, hi: float) -> float:
        return self._r.uniform(lo, hi)

    def text(self, max_size: int) -> str:
        # Mostly ASCII, some of the whole of Unicode, surrogates included.
        return "".join(
            chr(self.integer(32, 126) if self._random() < 0.7 else self.integer(0, 0x10FFFF))
            for _ in range(self.integer(0, max_size))
        )

    def binary(self, max_size: int) -> bytes:
        return self._r.randbytes(self._r.randint(0, max_size))


# --- hostile leaves -----------------------------------------------------------------------

WEIRD_TEXT = (
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "ééé",
    "\t\n",
    "%s",
    "'; DROP TABLE x;--",
    "\\",
    "\u2028",
    "+",
    "#",
    "null",
    "NaN",
    "1e999",
    "x" * 5000,
)
HUGE_NUMBERS = (
    10**400,
    -(10**400),
    2**63,
    -(2**63) - 1,
    1e308,
    -1e308,
    1e300,
    3.5e38,
    -3.5e38,
    1e-320,
    float("nan"),
    float("inf"),
    float("-inf"),
    0,
    -0.0,
    -1,
    101,
    1.0000001,
)
BAD_TIMES = (
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "2026-02-30T00:00:00Z",
    "2026-11-25T06:00:00",
    "2026-11-25T06:00:00.1234567890123Z",
    "2026-11-25T25:00:00Z",
    "yesterday",
    "",
    "\x00",
    "2026-11-25T06:00:00+24:00",
    "+002026-11-25T06:00:00Z",
    "2026-11-25T06:00:00Z\ud800",
    -1e300,
    1e300,
    253402300800,
    -62135596801,
    1e19,
    float("nan"),
)


def nested(depth: int) -> Any:
    """A list/object nested `depth` deep."""
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


def hostile_scalar(r: Draw) -> Any:
    kind = r.integer(0, 7)
    if kind == 0:
        return r.pick((None, True, False))
    if kind == 1:
        return r.integer(-(2**70), 2**70)
    if kind == 2:
        return r.real(-1e12, 1e12)
    if kind == 3:
        return r.pick(HUGE_NUMBERS)
    if kind == 4:
        return r.text(40)
    if kind == 5:
        return r.pick(WEIRD_TEXT)
    return r.pick(BAD_TIMES)


def hostile_value(r: Draw) -> Any:
    """Any JSON value an attacker or a broken codec could send in place of a field."""
    kind = r.integer(0, 9)
    if kind == 0:
        return [hostile_scalar(r) for _ in range(r.integer(0, 4))]
    if kind == 1:
        return {r.text(8): hostile_scalar(r) for _ in range(r.integer(0, 4))}
    if kind == 2:
        return nested(r.integer(1, 200))
    return hostile_scalar(r)


# --- valid skeletons, mutated -------------------------------------------------------------


def _time(r: Draw, now: datetime) -> Any:
    """Mostly a valid recent time (ISO with an offset, or epoch seconds); sometimes a bad one."""
    at = now - timedelta(seconds=r.real(0, 6 * 86400))
    kind = r.integer(0, 9)
    if kind <= 4:
        return at.isoformat()
    if kind == 5:
        return at.isoformat().replace("+00:00", "Z")
    if kind == 6:
        return at.timestamp()
    if kind == 7:
        return (now + timedelta(seconds=r.real(0, 86400))).isoformat()
    return r.pick(BAD_TIMES)


def _fields(r: Draw, spec: dict[str, Any]) -> dict[str, Any]:
    """Each key of `spec` (a value, or a function of the draw) kept (mostly), mutated to a
    hostile value (sometimes) or left out; sometimes junk keys added."""
    out: dict[str, Any] = {}
    for key, valid in spec.items():
        roll = r.integer(0, 19)
        if roll == 0:
            continue
        if roll == 1:
            out[key] = hostile_value(r)
        else:
            out[key] = valid(r) if callable(valid) else valid
    if r.integer(0, 19) == 0:
        out[r.text(12)] = hostile_value(r)
    return out


def _decoded(r: Draw) -> dict[str, Any]:
    return _fields(
        r,
        {
            "distance": lambda r: r.real(0, 1500),
            "fill_percent": lambda r: r.real(0, 100),
            "battery": lambda r: r.integer(0, 100),
            "temperature": lambda r: r.real(-20, 80),
            "position": lambda r: r.pick(("normal", "tilt")),
        },
    )


def _rx(r: Draw, rssi: str, snr: str) -> list[dict[str, Any]]:
    return [
        _fields(r, {rssi: lambda r: r.real(-130, -30), snr: lambda r: r.real(-20, 15)})
        for _ in range(r.integer(0, 3))
    ]


def _native(r: Draw, w: FuzzWorld, d: FuzzDevice) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "measured_at": lambda r: _time(r, w.now),
        "fill_fraction": lambda r: r.real(0, 1),
        "distance_mm": lambda r: r.real(0, 1500),
        "temperature_c": lambda r: r.real(-20, 80),
        "battery_pct": lambda r: r.real(0, 100),
        "tilt": lambda r: r.pick((True, False)),
        "rssi_dbm": lambda r: r.real(-130, -30),
        "snr_db": lambda r: r.real(-20, 15),
    }
    if r.integer(0, 3) == 0:
        spec["device_id"] = d.device_id
    return _fields(r, spec)


def _tts(r: Draw, w: FuzzWorld, d: FuzzDevice, eui: str) -> dict[str, Any]:
    up = {
        "received_at": lambda r: _time(r, w.now),
        "decoded_payload": _decoded,
        "rx_metadata": lambda r: _rx(r, "rssi", "snr"),
        "last_battery_percentage": lambda r: _fields(r, {"value": lambda r: r.real(0, 100)}),
    }
    ids = {"device_id": d.device_id, "dev_eui": eui}
    return _fields(
        r,
        {
            "end_device_ids": lambda r: _fields(r, ids),
            "uplink_message": lambda r: _fields(r, up),
            "received_at": lambda r: _time(r, w.now),
        },
    )


def _chirpstack(r: Draw, w: FuzzWorld, eui: str, event: str) -> dict[str, Any]:
    def info(r: Draw) -> dict[str, Any]:
        return _fields(r, {"devEui": eui, "applicationId": lambda r: r.text(8)})

    if event == "status":
        return _fields(
            r,
            {
                "deviceInfo": info,
                "batteryLevel": lambda r: r.real(0, 100),
                "margin": lambda r: r.integer(-5, 30),
            },
        )
    return _fields(
        r,
        {
            "deviceInfo": info,
            "time": lambda r: _time(r, w.now),
            "object": _decoded,
            "rxInfo": lambda r: _rx(r, "rssi", "snr"),
        },
    )


# --- topics and payload bytes -------------------------------------------------------------


def _level(r: Draw, valid: str) -> str:
    """The valid topic level, mostly; else an odd one (never a `/`)."""
    if r.integer(0, 11) > 0:
        return valid
    odd = r.pick(WEIRD_TEXT) if r.integer(0, 1) else r.text(20)
    return odd.replace("/", "")


def _raw(r: Draw, w: FuzzWorld) -> bytes:
    kind = r.integer(0, 5)
    if kind == 0:
        return b"[" * r.integer(1, 40_000)
    if kind == 1:
        return b'{"a":' * r.integer(1, 40_000)
    if kind == 2:
        return b'{"x":"' + b"a" * (w.max_payload_bytes + 10) + b'"}'
    if kind == 3:
        return b"\xff\xfe\x00{"
    return r.binary(200)


def message(r: Draw, w: FuzzWorld) -> FuzzMessage:
    """One hostile message in one of the three formats, aimed at a device of `w`."""
    d = r.pick(w.devices)
    kind = r.pick(("native", "native", "tts", "chirpstack-up", "chirpstack-status"))
    eui = d.dev_eui.upper() if r.integer(0, 1) else d.dev_eui
    body: Any
    if kind == "native":
        tenant, device = _level(r, r.pick(w.tenants)), _level(r, d.device_id)
        topic = f"wasteroute/v1/{tenant}/devices/{device}/up"
        body = _native(r, w, d)
    elif kind == "tts":
        app, device = _level(r, r.pick(w.tts_apps)), _level(r, d.device_id)
        topic = f"v3/{app}/devices/{device}/up"
        body = _tts(r, w, d, eui)
    else:
        event = kind.split("-")[1]
        app, device = _level(r, r.pick(w.chirpstack_apps)), _level(r, eui)
        topic = f"application/{app}/device/{device}/event/{event}"
        body = _chirpstack(r, w, eui, event)
    if r.integer(0, 39) == 0:
        return FuzzMessage(topic, _raw(r, w))
    if r.integer(0, 39) == 0:
        body = hostile_value(r)
    payload = json.dumps(body, allow_nan=True).encode()
    how = r.integer(0, 29)
    if how == 0:  # truncated
        payload = payload[: r.integer(0, len(payload))]
    elif how == 1 and payload:  # one byte replaced
        i = r.integer(0, len(payload) - 1)
        payload = payload[:i] + bytes([r.integer(0, 255)]) + payload[i + 1 :]
    return FuzzMessage(topic, payload)


def fuzz_world(tenants: Sequence[str], per_tenant: int, now: datetime | None = None) -> FuzzWorld:
    """`per_tenant` devices of each tenant, a TTS and a ChirpStack application per tenant and
    one of each that is registered to nobody."""
    devices = tuple(
        FuzzDevice(t, f"{t}-d{i}", f"{zlib.crc32(t.encode()) & 0xFFFFFF:06x}{i:010x}")
        for t in tenants
        for i in range(per_tenant)
    )
    apps = tuple(f"app-{t}@ttn" for t in tenants) + ("unregistered@ttn",)
    cs = tuple(f"cs-{t}" for t in tenants) + ("cs-unregistered",)
    return FuzzWorld(devices, apps, cs, now or datetime.now(UTC))
