"""The batch write on the real TimescaleDB: idempotent rows, container state and alarms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import Reading
from ingest.devices import DeviceCache
from ingest.uplink import NATIVE, Uplink
from storage.readings import write_readings

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _reading(tenant_id, device, container, minutes, fill=0.5, temp=None, tilt=None):
    return Reading(
        tenant_id,
        device,
        container,
        T0 + timedelta(minutes=minutes),
        fill,
        NATIVE,
        temperature_c=temp,
        tilt=tilt,
    )


def _container(db, device):
    return db.execute(
        "SELECT container_id FROM devices WHERE device_id = %s", (device,)
    ).fetchone()["container_id"]


def _state(db, container):
    return db.execute(
        "SELECT * FROM container_state WHERE container_id = %s", (container,)
    ).fetchone()


def test_write_is_idempotent_and_keeps_the_latest_state(db, tenant_id, add_device):
    """Writing a batch twice inserts nothing the second time; state holds the newest reading."""
    device = add_device()
    c = _container(db, device)
    batch = [
        _reading(tenant_id, device, c, 2, fill=0.6),
        _reading(tenant_id, device, c, 1, fill=0.4),
    ]
    with db.transaction():
        assert write_readings(db, batch) == 2
    with db.transaction():
        assert write_readings(db, batch) == 0
    with db.transaction():  # an older reading arriving late does not overwrite the state
        write_readings(db, [_reading(tenant_id, device, c, 0, fill=0.1)])
    state = _state(db, c)
    assert state["fill_fraction"] == 0.6 and state["measured_at"] == T0 + timedelta(minutes=2)


def test_fire_alarm_on_a_temperature_jump_and_clears(db, tenant_id, add_device):
    """A +20 °C jump raises the fire alarm (below 60 °C); it clears below 45 °C."""
    device = add_device()
    c = _container(db, device)
    with db.transaction():
        write_readings(db, [_reading(tenant_id, device, c, 0, temp=15.0)])
    assert not _state(db, c)["fire_alarm"]
    with db.transaction():
        write_readings(db, [_reading(tenant_id, device, c, 1, temp=40.0)])
    assert _state(db, c)["fire_alarm"]
    with db.transaction():
        write_readings(db, [_reading(tenant_id, device, c, 2, temp=30.0)])
    assert not _state(db, c)["fire_alarm"]


def test_fire_alarm_above_threshold_and_tilt_alarm(db, tenant_id, add_device):
    """Above 60 °C is a fire alarm even without a previous reading; tilt sets the tilt alarm."""
    device = add_device()
    c = _container(db, device)
    with db.transaction():
        write_readings(db, [_reading(tenant_id, device, c, 0, temp=65.0, tilt=True)])
    state = _state(db, c)
    assert state["fire_alarm"] and state["tilt_alarm"]


def test_emptying_is_detected_from_a_fill_drop(db, tenant_id, add_device):
    """A fill drop of 0.3 or more sets date_last_emptying."""
    device = add_device()
    c = _container(db, device)
    with db.transaction():
        write_readings(db, [_reading(tenant_id, device, c, 0, fill=0.9)])
    with db.transaction():
        write_readings(db, [_reading(tenant_id, device, c, 5, fill=0.05)])
    assert _state(db, c)["date_last_emptying"] == T0 + timedelta(minutes=5)


def test_device_cache_expires(db, tenant_id, add_device):
    """A device added after a miss is found once the negative cache entry expires."""
    now = [0.0]
    cache = DeviceCache(ttl_s=10, clock=lambda: now[0])
    uplink = Uplink(NATIVE, T0, device_id=f"late-{tenant_id}")
    assert cache.resolve(db, [uplink]) == [None]
    add_device(device_id=f"late-{tenant_id}")
    assert cache.resolve(db, [uplink]) == [None]
    now[0] = 11
    assert cache.resolve(db, [uplink])[0].tenant_id == tenant_id
