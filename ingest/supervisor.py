"""Run N ingest workers as separate processes (`wasteroute ingest --workers N`).

Each worker connects with its own fixed client id (`<client_id>-<i>`, so its persistent
session survives restarts) to the same shared subscription. SIGTERM or SIGINT is passed on
to the workers, which flush, acknowledge and exit; a worker that dies is restarted.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable

from ingest.settings import IngestSettings
from ingest.worker import run_worker

log = logging.getLogger(__name__)


def worker_main(
    settings: IngestSettings, index: int, log_setup: Callable[[], None] | None = None
) -> None:
    """Entry point of one worker process: run until SIGTERM/SIGINT."""
    if log_setup is not None:
        log_setup()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_worker(settings, stop, index)


def run_workers(
    settings: IngestSettings,
    workers: int,
    first_index: int = 0,
    log_setup: Callable[[], None] | None = None,
) -> int:
    """Run `workers` worker processes until SIGTERM/SIGINT; one runs in this process."""
    if workers <= 1:
        worker_main(settings, first_index, None)
        return 0
    ctx = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    procs: dict[int, multiprocessing.process.BaseProcess] = {}

    def start(i: int) -> None:
        proc = ctx.Process(target=worker_main, args=(settings, i, log_setup), name=f"ingest-{i}")
        proc.start()
        procs[i] = proc
        log.info("started ingest worker %d (pid %s)", i, proc.pid)

    for i in range(first_index, first_index + workers):
        start(i)
    while not stop.wait(0.5):
        for i, proc in list(procs.items()):
            if not proc.is_alive():
                log.error("ingest worker %d exited with %s; restarting", i, proc.exitcode)
                time.sleep(1)
                start(i)
    for proc in procs.values():
        if proc.is_alive() and proc.pid:
            proc.terminate()  # SIGTERM: the worker flushes and acks
    for proc in procs.values():
        proc.join(40)
    return 0
