"""Peak memory of a process tree while it works: the benchmarks' "peak memory".

`PeakMemory` samples, every `interval_s`, the proportional set size (PSS) of this process
and its descendants (the solver's worker processes) from /proc/<pid>/smaps_rollup and keeps
the largest sum. PSS splits each shared page between the processes that map it, so the
matrices the workers inherit by fork count once, and the sum is the memory the machine
really spends. (Adding up resident sizes would count those pages once per process; the
rusage maxima of the parent and of the largest child are taken at different moments and
bound nothing.) Where /proc has no smaps_rollup (not Linux), it falls back to that rusage
figure and says so.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path

PROC = Path("/proc")


def tree_pss_kib(root: int) -> int | None:
    """PSS of `root` and all its descendants in KiB, or None if /proc cannot tell."""
    if not (PROC / str(root) / "smaps_rollup").exists():
        return None
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # the process ended while we looked
    tree, frontier = {root}, [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue
    return total


class PeakMemory:
    """`with PeakMemory() as peak: ...`, then `peak.gb` and `peak.method`."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak_kib = 0
        self.method = f"PSS of all processes, sampled every {interval_s:g} s"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self.peak_kib == 0:  # no /proc: the rusage maxima, taken at different moments
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            self.peak_kib = own + kids
            self.method = "largest resident size of this process + of one child (rusage)"

    @property
    def gb(self) -> float:
        return self.peak_kib * 1024 / 1e9

    def _sample(self) -> None:
        me = os.getpid()
        while True:
            kib = tree_pss_kib(me)
            if kib is None:
                return
            self.peak_kib = max(self.peak_kib, kib)
            if self._stop.wait(self.interval_s):
                return
