"""`wasteroute worker` and `wasteroute scheduler`: planning job workers (procrastinate).

Run any number of workers, on any machine, against the same DATABASE_URL. Every worker also
defers the periodic schedule tick (procrastinate deduplicates it); `scheduler` is a worker
that only takes the tick jobs, for deployments that keep planning workers separate.
"""

from __future__ import annotations

import argparse

from cli.commands.db import database_url_from


def register(subparsers: argparse._SubParsersAction) -> None:
    w = subparsers.add_parser("worker", help="run a planning job worker (procrastinate)")
    w.add_argument("--database-url", help="defaults to $DATABASE_URL")
    w.add_argument("--queues", default="planning,scheduler", help="comma-separated")
    w.add_argument("--concurrency", type=int, default=1)
    w.add_argument("--name")
    w.add_argument("--once", action="store_true", help="exit when the queues are empty")
    w.set_defaults(func=run_worker_cmd)
    s = subparsers.add_parser("scheduler", help="run the daily-plan scheduler (tick jobs only)")
    s.add_argument("--database-url", help="defaults to $DATABASE_URL")
    s.set_defaults(func=run_scheduler_cmd, queues="scheduler", concurrency=1, name="scheduler",
                   once=False)


def run_worker_cmd(args: argparse.Namespace) -> int:
    from api.jobs import run_worker

    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    run_worker(database_url_from(args), queues=queues, concurrency=args.concurrency,
               name=args.name, wait=not args.once)
    return 0


def run_scheduler_cmd(args: argparse.Namespace) -> int:
    return run_worker_cmd(args)
