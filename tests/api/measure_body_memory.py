"""Measure what one large unauthenticated body costs the API's memory (issue 17 item 5).

Starts `wasteroute api` (from the checkout in the current directory) on a free port, sends
`--mb` MB to POST /v1/containers without a credential, `--parallel` at once, and prints the
server's resident memory before, at its peak while the bodies arrive, and after. Not a test
(pytest does not collect it); run it by hand, see docs/benchmarks.md:

    DATABASE_URL=... python tests/api/measure_body_memory.py --mb 90 --parallel 1
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import threading
import time

import psutil

CHUNK = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(port: int, megabytes: int, answers: list[bytes]) -> None:
    body_len = megabytes * CHUNK
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(
            b"POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {body_len}\r\n\r\n".encode()
        )
        # a valid JSON list of about 47 million small numbers, sent one MB at a time
        ones = b"1," * (CHUNK // 2)
        try:
            s.sendall(b"[" + ones[:-1])
            for _ in range(megabytes - 2):
                s.sendall(ones)
            s.sendall(ones[:-4] + b"1]  ")
        except OSError:
            pass  # the server answered and closed early
        try:
            answers.append(s.recv(200))
        except OSError as exc:
            answers.append(repr(exc).encode())


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=90)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "API_JWT_SECRET": secrets.token_urlsafe(48)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli.main import main; raise SystemExit(main())",
            "api",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0)
        proc = psutil.Process(server.pid)
        before = _tree_rss(proc)
        answers: list[bytes] = []
        threads = [
            threading.Thread(target=_send, args=(port, args.mb, answers))
            for _ in range(args.parallel)
        ]
        peak = before
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, _tree_rss(proc))
            time.sleep(0.02)
        time.sleep(1.0)
        after = _tree_rss(proc)
        mb = 1024 * 1024
        print(
            f"body {args.mb} MB x {args.parallel}: RSS before {before / mb:.0f} MB, "
            f"peak {peak / mb:.0f} MB (+{(peak - before) / mb:.0f} MB), after {after / mb:.0f} MB"
        )
        for a in answers:
            print("  answer:", a.split(b"\r\n", 1)[0].decode(errors="replace"))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
