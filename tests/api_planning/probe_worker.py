"""A worker process for the queue tests: a probe task that records who ran which job.

Run as `python -m tests.api_planning.probe_worker DATABASE_URL NAME`; it drains the queue
"probe" and exits. The probe fails on its first attempt when asked (`fail_first`), and is
retried (no wait) by procrastinate.
"""

from __future__ import annotations

import sys
import time

import procrastinate
import psycopg


def build_probe_app(url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(name="probe", queue="probe", pass_context=True,
              retry=procrastinate.RetryStrategy(max_attempts=3, wait=0))
    def probe(context: procrastinate.JobContext, n: int, fail_first: bool = False) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO probe_runs (job_id, n, worker, attempt)"
                         " VALUES (%s, %s, %s, %s)",
                         (context.job.id, n, context.additional_context["worker"],
                          context.job.attempts))
        time.sleep(0.05)
        if fail_first and context.job.attempts == 0:
            raise RuntimeError(f"probe {n} fails on its first attempt")

    return app


def main(url: str, name: str) -> None:
    app = build_probe_app(url)
    app.run_worker(queues=["probe"], wait=False, name=name, install_signal_handlers=False,
                   fetch_job_polling_interval=0.1, listen_notify=False,
                   additional_context={"worker": name})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
