"""After the demo's loop: a planning worker and the API keep running until the user stops them.

`PlanningWorker` is `wasteroute worker --queues planning` in a child process (the dashboard's
"Make plan" queues jobs that only a worker runs); it is told to stop when the demo stops, and
on Linux the kernel stops it too if the demo dies. `stop_on_sigterm` turns SIGTERM into the
same clean stop as Ctrl-C, so the demo stops the same way with or without a terminal.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from cli.errors import UserError

_PR_SET_PDEATHSIG = 1
WORKER_STOP_S = 20.0


def stop_on_sigterm() -> None:
    """SIGTERM raises KeyboardInterrupt in the main thread, like Ctrl-C."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _die_with_parent() -> None:  # pragma: no cover (runs in the child before exec)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class PlanningWorker:
    """A `wasteroute worker` child process on the demo's database; its log in `log_path`."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> int:
        """Start the worker; returns its process id. Fails clearly if it exits at once."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        cmd = [sys.executable, "-m", "cli.main", "worker", "--queues", "planning",
               "--name", "demo-worker"]
        env = {**os.environ, "DATABASE_URL": self.database_url}
        self.process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        log.close()
        time.sleep(0.5)
        if self.process.poll() is not None:
            raise UserError(
                f"the planning worker exited at once (code {self.process.returncode}); "
                f"see {self.log_path}"
            )
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM (procrastinate finishes the job at hand), then SIGKILL after a while."""
        if not self.alive():
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(WORKER_STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def serve_until_stopped(api_url: str, worker: PlanningWorker | None, say) -> None:
    """Wait for Ctrl-C or SIGTERM; says how to stop first. Restarts a worker that died."""
    who = "The API and a planning worker keep" if worker is not None else "The API keeps"
    say(
        f"\n{who} running at {api_url}. Stop with Ctrl-C, "
        f"or `kill {os.getpid()}` (SIGTERM) without a terminal."
    )
    try:
        while True:
            time.sleep(2)
            if worker is not None and not worker.alive():
                say(f"      the planning worker stopped; restarting it (log: {worker.log_path})")
                worker.start()
    except KeyboardInterrupt:
        say("stopping the API and the planning worker")
