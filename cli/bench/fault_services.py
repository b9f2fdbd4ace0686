"""Services a fault benchmark (and the fault tests) may break without touching anyone else's:
a private Mosquitto on its own port, and a TCP proxy in front of the database that can be cut.

`PrivateMosquitto` runs Debian's `mosquitto` with config/mosquitto.conf (persistence on, the
same limits as the shared test broker) in a directory of its own; `restart()` stops it with
SIGTERM (it saves its sessions) and starts it again on the same port.
`DatabaseProxy` forwards 127.0.0.1:<port> to the database; `cut()` closes every connection
and refuses new ones (what a stopped PostgreSQL looks like to a client), `restore()` ends that.
"""

from __future__ import annotations

import getpass
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(host: str, port: int, timeout_s: float) -> float:
    """Poll until host:port accepts a TCP connection; the time.time() when it did."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return time.time()
        except OSError:
            time.sleep(0.01)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s} s")


class PrivateMosquitto:
    """A Mosquitto of our own on 127.0.0.1:<port>, persistence in `directory`."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        if shutil.which("mosquitto") is None:
            raise RuntimeError(
                "mosquitto is not installed: run `scripts/services.sh up` (installs it)"
            )
        self.directory = directory
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        (directory / "data").mkdir(parents=True, exist_ok=True)
        text = (ROOT / "config" / "mosquitto.conf").read_text()
        for key, value in {
            "@PORT@": str(self.port),
            "@DATA@": f"{directory / 'data'}/",
            "@LOG@": str(directory / "mosquitto.log"),
            "@PID@": str(directory / "mosquitto.pid"),
            "@USER@": getpass.getuser(),
        }.items():
            text = text.replace(key, value)
        self.config = directory / "mosquitto.conf"
        self.config.write_text(text)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start; returns the time.time() at which it accepted connections."""
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return wait_listening("127.0.0.1", self.port, 10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # saves the persistence file on the way out
            self.proc.wait(20)
        self.proc = None

    def restart(self) -> float:
        self.stop()
        return self.start()


class DatabaseProxy:
    """A TCP proxy in front of the database URL's host:port, which can be cut and restored."""

    def __init__(self, database_url: str) -> None:
        parsed = urlparse(database_url)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = parsed._replace(netloc=self._netloc(parsed)).geturl()
        self._down = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="db-proxy", daemon=True).start()

    def _netloc(self, parsed) -> str:
        auth = parsed.netloc.rpartition("@")[0]
        return f"{auth + '@' if auth else ''}127.0.0.1:{self.port}"

    def cut(self) -> None:
        """Close every connection; refuse new ones until `restore()`."""
        self._down.set()
        with self._lock:
            for s in self._sockets:
                _close(s)
            self._sockets.clear()

    def restore(self) -> None:
        self._down.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down.is_set():
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        try:
            while not self._down.is_set():
                readable, _, _ = select.select([a, b], [], [], 0.2)
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    peer[s].sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._sockets -= {a, b}
            _close(a)
            _close(b)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
