"""Run N ingest workers as separate processes (`wasteroute ingest --workers N`).

Shared (INGEST_PARTITIONS=0): each worker connects with its own fixed client id
(`<client_id>-<i>`, so its persistent session survives restarts) to the same shared
subscription. Partitioned (INGEST_PARTITIONS=P): each worker holds partitions through leases
and runs one session `<client_id>-p<n>` per partition (ingest.partition_worker).
SIGTERM or SIGINT is passed on to the workers, which flush, acknowledge and exit. A worker
whose batch writer dies exits with `EXIT_WRITER_DIED`; any worker that exits is restarted.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import Callable

from ingest.metrics import Metrics
from ingest.partition_worker import PartitionedWorker
from ingest.settings import IngestSettings
from ingest.worker import Worker, WriterDied, WriterFactory
from ingest.writer import BatchWriter

log = logging.getLogger(__name__)

EXIT_WRITER_DIED = 70  # EX_SOFTWARE: the batch writer thread died; restart the process
RESTART_PAUSE_S = 1.0


def worker_main(
    settings: IngestSettings,
    index: int,
    log_setup: Callable[[], None] | None = None,
    writer_factory: WriterFactory = BatchWriter,
) -> None:
    """Entry point of one worker process: run until SIGTERM/SIGINT.

    Exits with EXIT_WRITER_DIED if the batch writer thread dies (`writer_factory` is the seam
    the tests use to make it die).
    """
    if log_setup is not None:
        log_setup()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    metrics = Metrics()
    if settings.metrics_port is not None:
        metrics.serve(settings.metrics_port + index, settings.metrics_host)
    try:
        if settings.partitions:
            PartitionedWorker(settings, stop, index, metrics, writer_factory).run()
        else:
            Worker(settings, stop, index, metrics, writer_factory=writer_factory).run()
    except WriterDied as exc:
        log.critical("%s; exiting with %d so the worker is restarted", exc, EXIT_WRITER_DIED)
        sys.exit(EXIT_WRITER_DIED)


def run_workers(
    settings: IngestSettings,
    workers: int,
    first_index: int = 0,
    log_setup: Callable[[], None] | None = None,
    writer_factory: WriterFactory = BatchWriter,
) -> int:
    """Run `workers` worker processes until SIGTERM/SIGINT; one runs in this process."""
    if workers <= 1:
        worker_main(settings, first_index, None, writer_factory)
        return 0
    ctx = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    procs: dict[int, multiprocessing.process.BaseProcess] = {}

    def start(i: int) -> None:
        proc = ctx.Process(
            target=worker_main,
            args=(settings, i, log_setup, writer_factory),
            name=f"ingest-{i}",
        )
        proc.start()
        procs[i] = proc
        log.info("started ingest worker %d (pid %s)", i, proc.pid)

    for i in range(first_index, first_index + workers):
        start(i)
    while not stop.wait(0.5):
        for i, proc in list(procs.items()):
            if not proc.is_alive():
                log.error("ingest worker %d exited with %s; restarting", i, proc.exitcode)
                time.sleep(RESTART_PAUSE_S)
                start(i)
    for proc in procs.values():
        if proc.is_alive() and proc.pid:
            proc.terminate()  # SIGTERM: the worker flushes and acks
    for proc in procs.values():
        proc.join(40)
    return 0
