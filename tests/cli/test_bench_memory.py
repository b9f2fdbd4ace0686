"""The benchmarks' peak memory counts the worker processes, and shared pages once."""

from __future__ import annotations

import multiprocessing
import os
import time

from cli.bench.memory import PeakMemory, tree_pss_kib

MB = 1024 * 1024


def _hold(n_bytes: int, seconds: float) -> None:
    block = bytearray(n_bytes)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    time.sleep(seconds)


def test_a_child_holding_200_mb_raises_the_peak_by_about_that():
    """A forked child touching 200 MB: the sampled peak of the tree grows by 180-260 MB."""
    base = tree_pss_kib(os.getpid())
    assert base is not None and base > 0
    with PeakMemory(interval_s=0.05) as peak:
        child = multiprocessing.get_context("fork").Process(target=_hold, args=(200 * MB, 1.0))
        child.start()
        child.join()
    grown_mb = (peak.peak_kib - base) / 1024
    assert 180 <= grown_mb <= 260, grown_mb
    assert peak.method.startswith("PSS")
