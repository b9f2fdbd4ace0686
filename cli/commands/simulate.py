"""`wasteroute simulate`: a generated city's sensors publish readings over MQTT on an
accelerated clock (drivers are not simulated here yet: containers are emptied when full)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("simulate", help="stream a simulated city's sensor readings "
                                               "over MQTT")
    p.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883")
    p.add_argument("--tenant", required=True, help="tenant id in native topics and device ids")
    p.add_argument("--containers", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--days", type=float, default=1.0, help="simulated days to stream")
    p.add_argument("--interval-min", type=float, default=60.0, help="minutes between readings")
    p.add_argument("--speed", type=float, default=3600.0,
                   help="simulated seconds per wall second (86400: a day per second)")
    p.add_argument("--formats", default="native,tts-v3,chirpstack-v4")
    p.add_argument("--start", type=_instant,
                   help="simulated start (ISO, UTC); default: now minus --days")
    p.set_defaults(func=run)


def _instant(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time like 2026-11-25T05:00 (UTC)") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from simulator import CitySpec, DepositModel, SimulatorError, generate_city
    from simulator.clock import SimClock
    from simulator.deposits import share_before
    from simulator.publisher import MqttPublisher
    from simulator.sensors import SensorFleet

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    start = (args.start if args.start else
             datetime.now(UTC) - timedelta(days=args.days)).replace(minute=0, second=0,
                                                                    microsecond=0)
    city = generate_city(CitySpec(n_containers=args.containers, seed=args.seed))
    fleet = SensorFleet(city, args.tenant, seed=args.seed, formats=formats)
    deposits = DepositModel(city, args.seed)
    volumes = city.volumes()
    level = np.random.default_rng(args.seed).uniform(0, 0.5, len(volumes)) * volumes
    clock = SimClock(start, args.speed)
    steps = int(args.days * 24 * 60 / args.interval_min)
    sent = 0
    try:
        with MqttPublisher(args.mqtt_url) as pub:
            for k in range(steps):
                when = start + timedelta(minutes=k * args.interval_min)
                day = deposits.day_l(when.date())
                h0 = when.hour * 3600 + when.minute * 60
                share = share_before(h0 + args.interval_min * 60) - share_before(h0)
                level = level + share * day
                level[level >= 0.95 * volumes] = 0.0  # emptied when full (no drivers here)
                clock.sleep_until(when)
                sent += pub.publish_all(fleet.uplinks(when, np.minimum(level / volumes, 1.0)))
                print(f"{when:%Y-%m-%d %H:%M} published {sent} messages", flush=True)
            sent += pub.publish_all(fleet.flush())
    except SimulatorError as exc:
        raise UserError(str(exc)) from exc
    print(f"done: {sent} messages for {len(city.containers)} containers")
    return 0
