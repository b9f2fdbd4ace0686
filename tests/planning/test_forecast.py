"""The forecast on readings stored in and read back from the real TimescaleDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from domain import Container, Fraction, GeoPoint
from planning import ContainerHistory, forecast_fleet
from storage import containers as containers_store
from storage.forecast_queries import fetch_reading_histories
from tests.api_planning.conftest import write_readings

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
HOURS = [NOW - timedelta(hours=h) for h in range(10 * 24, 0, -1)]


def _container(db, tenant_id, name, lat=52.07, lon=4.30) -> Container:
    return containers_store.add_container(db, tenant_id, Container(
        id=0, tenant_id="", external_id=name, location=GeoPoint(lat, lon),
        fraction=Fraction.RESIDUAL, volume_l=4000))


def _sawtooth(rate_per_day: float, emptied_at: datetime, start_level: float) -> list[float]:
    out = []
    for t in HOURS:
        if t < emptied_at:
            out.append(start_level + rate_per_day * (t - HOURS[0]).total_seconds() / 86400)
        else:
            out.append(0.02 + rate_per_day * (t - emptied_at).total_seconds() / 86400)
    return out


def _forecast(db, tenant_id, containers):
    histories = fetch_reading_histories(db, tenant_id, NOW - timedelta(days=28), NOW)
    inputs = {cid: ContainerHistory(cid, h.times_s, h.fill, h.battery_pct)
              for cid, h in histories.items()}
    return forecast_fleet(containers, inputs, NOW.timestamp())


def test_the_forecast_finds_an_emptying_and_restarts_from_the_low_level(db, tenant_id):
    """After a drop from 85% to 2% the level now is the low one and the rate is kept."""
    c = _container(db, tenant_id, "emptied")
    emptied = NOW - timedelta(days=2)
    fills = _sawtooth(0.10, emptied, 0.05)
    write_readings(db, tenant_id, c.id, HOURS, fills)
    f = _forecast(db, tenant_id, [c])[c.id]
    assert abs(f.level - (0.02 + 0.10 * 2)) < 0.02
    assert abs(f.average_filling_speed - 0.10) < 0.015
    assert f.last_emptied_at_s is not None and abs(f.last_emptied_at_s - emptied.timestamp()) < 3600
    assert f.health == () and f.method == "readings"


def test_the_forecast_survives_a_bag_across_the_beam(db, tenant_id):
    """Outliers (bag across the beam, 95%) in the last hours do not move the forecast."""
    c = _container(db, tenant_id, "outlier")
    fills = [0.10 + 0.05 * (t - HOURS[0]).total_seconds() / 86400 for t in HOURS]
    for k in (-1, -5, -30):
        fills[k] = 0.95
    write_readings(db, tenant_id, c.id, HOURS, fills)
    f = _forecast(db, tenant_id, [c])[c.id]
    expected_now = 0.10 + 0.05 * (NOW - HOURS[0]).total_seconds() / 86400
    assert abs(f.level - expected_now) < 0.02
    assert abs(f.fill_at(NOW.timestamp() + 86400) - (expected_now + 0.05)) < 0.03


def test_a_quiet_sensor_is_flagged_stale_and_still_forecast(db, tenant_id):
    """A sensor silent for three days is 'stale', falls back to its own history, and its
    level is carried forward rather than frozen or dropped."""
    c = _container(db, tenant_id, "quiet")
    keep = [t < NOW - timedelta(days=3) for t in HOURS]
    fills = [0.05 + 0.08 * (t - HOURS[0]).total_seconds() / 86400 for t in HOURS]
    write_readings(db, tenant_id, c.id, [t for t, k in zip(HOURS, keep, strict=False) if k],
                   [f for f, k in zip(fills, keep, strict=False) if k])
    f = _forecast(db, tenant_id, [c])[c.id]
    assert "stale" in f.health and f.method == "own-history"
    assert abs(f.level - fills[-1]) < 0.04


def test_a_flat_sensor_among_rising_neighbours_is_flagged_stuck(db, tenant_id):
    """A sensor reporting the same value for two days while nearby containers rise is 'stuck'
    and forecast from before it froze."""
    rng = np.random.default_rng(3)
    containers = []
    for i in range(4):
        c = _container(db, tenant_id, f"n{i}", 52.07 + 0.001 * i)
        fills = [min(1.0, 0.05 + 0.1 * (t - HOURS[0]).total_seconds() / 86400
                     + rng.normal(0, 0.01)) for t in HOURS]
        write_readings(db, tenant_id, c.id, HOURS, [max(0.0, x) for x in fills])
        containers.append(c)
    stuck = _container(db, tenant_id, "stuck", 52.0705)
    froze = NOW - timedelta(days=2)
    fills = [0.1 + 0.1 * (min(t, froze) - HOURS[0]).total_seconds() / 86400 for t in HOURS]
    write_readings(db, tenant_id, stuck.id, HOURS, fills)
    forecasts = _forecast(db, tenant_id, [*containers, stuck])
    assert "stuck" in forecasts[stuck.id].health
    assert all(forecasts[c.id].health == () for c in containers)
    assert forecasts[stuck.id].level > fills[-1] + 0.15


def test_forecast_full_date_and_filling_speed_follow_the_rate(db, tenant_id):
    """forecastFullDate is when the forecast reaches 100% at averageFillingSpeed."""
    c = _container(db, tenant_id, "steady")
    fills = [0.1 + 0.05 * (t - HOURS[0]).total_seconds() / 86400 for t in HOURS]
    write_readings(db, tenant_id, c.id, HOURS, fills)
    f = _forecast(db, tenant_id, [c])[c.id]
    days_to_full = (1.0 - f.level) / f.average_filling_speed
    assert abs((f.full_at() - NOW.timestamp()) / 86400 - days_to_full) < 0.3
    assert abs(days_to_full - 0.4 / 0.05) < 0.5
