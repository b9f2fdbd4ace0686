"""`wasteroute ingest`: run MQTT ingest workers (see docs/ingest.md)."""

from __future__ import annotations

import argparse
import functools
import logging

from cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="run MQTT ingest workers: sensor messages into TimescaleDB",
        description="Subscribe (shared subscription, QoS 1) and store readings. Settings come "
        "from INGEST_* variables, DATABASE_URL and MQTT_URL; flags override them.",
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--first-index",
        type=int,
        default=0,
        help="index of the first worker (client id suffix), for several hosts",
    )
    parser.add_argument(
        "--metrics-port", type=int, help="serve /metrics on this port (+ worker index)"
    )
    parser.add_argument("--database-url", help="defaults to $DATABASE_URL")
    parser.add_argument("--mqtt-url", help="defaults to $MQTT_URL")
    parser.add_argument(
        "--topic",
        action="append",
        dest="topics",
        help="topic filter (repeatable); defaults to all three formats",
    )
    parser.add_argument("--share-group", help="shared subscription group ('' for none)")
    parser.add_argument(
        "--partitions",
        type=int,
        help="P persistent sessions held through database leases instead of one shared "
        "subscription: nothing is lost when Mosquitto 2.0 restarts (0: shared; see docs/ingest.md)",
    )
    parser.add_argument("--client-id", help="client id prefix; worker i is <prefix>-<i>")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--protocol", choices=["auto", "5", "3.1.1"])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from ingest import ConfigError, IngestSettings, run_workers

    overrides = {
        k: v
        for k, v in {
            "database_url": args.database_url,
            "mqtt_url": args.mqtt_url,
            "topics": args.topics,
            "share_group": args.share_group,
            "client_id": args.client_id,
            "batch_size": args.batch_size,
            "protocol": args.protocol,
            "partitions": args.partitions,
            "metrics_port": args.metrics_port,
        }.items()
        if v is not None
    }
    try:
        settings = IngestSettings().model_copy(update=overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise UserError(f"invalid ingest setting: {exc}") from exc
    if not settings.database_url:
        raise UserError("no database: set DATABASE_URL or pass --database-url")
    if not settings.mqtt_url:
        raise UserError("no broker: set MQTT_URL or pass --mqtt-url (e.g. mqtt://127.0.0.1:1883)")
    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    if not 0 <= settings.partitions <= 1024:
        raise UserError("--partitions must be between 0 and 1024")
    if settings.partitions:
        from ingest.partitions import filter_shape

        try:
            for topic in settings.topics:
                filter_shape(topic)
        except ConfigError as exc:
            raise UserError(str(exc)) from exc
    elif args.workers > 1 and settings.share_group:
        logging.getLogger(__name__).warning(
            "%d workers on one shared subscription: Mosquitto 2.0 forgets shared "
            "subscriptions when it restarts, and drops what arrives before the workers are "
            "back; use --partitions (docs/ingest.md, Partitions)",
            args.workers,
        )
    from storage import DatabaseUnavailable, connect

    try:  # fail fast on a wrong DATABASE_URL; the broker, by contrast, is retried forever
        connect(settings.database_url).close()
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from exc
    root = logging.getLogger()
    json_lines = any(type(h.formatter).__name__ == "JsonFormatter" for h in root.handlers)
    from cli.logs import configure_logging

    log_setup = functools.partial(
        configure_logging, verbose=root.level <= logging.DEBUG, json_lines=json_lines
    )
    try:
        return run_workers(settings, args.workers, args.first_index, log_setup)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
