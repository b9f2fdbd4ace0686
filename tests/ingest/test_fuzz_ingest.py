"""Fuzzing the ingest on the real TimescaleDB: hostile messages in all three formats through
the real decode → validate → write path (cli.bench.ingest_fuzz_messages). The million-message
run is `wasteroute bench ingest-fuzz --messages 1000000` (docs/benchmarks.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.bench.ingest_fuzz import _create, fuzz
from cli.bench.ingest_fuzz_messages import FuzzWorld, fuzz_world, message
from ingest.batch import BatchProcessor
from ingest.metrics import Metrics
from ingest.settings import IngestSettings
from storage import connect

T = TypeVar("T")


class HypothesisDraw:
    """The fuzz grammar's choices drawn by Hypothesis (so a failure shrinks)."""

    def __init__(self, data: Any) -> None:
        self._draw = data.draw

    def pick(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def real(self, lo: float, hi: float) -> float:
        return self._draw(st.floats(lo, hi))

    def text(self, max_size: int) -> str:
        return self._draw(st.text(max_size=max_size))

    def binary(self, max_size: int) -> bytes:
        return self._draw(st.binary(max_size=max_size))


@pytest.fixture(scope="module")
def world(database_url: str) -> FuzzWorld:
    tag = uuid.uuid4().hex[:8]
    w = fuzz_world([f"fz-{tag}-a", f"fz-{tag}-b"], per_tenant=5)
    with connect(database_url, autocommit=True) as conn:
        _create(conn, w)
    return w


@pytest.fixture(scope="module")
def processor(database_url: str) -> Iterator[tuple[BatchProcessor, psycopg.Connection]]:
    s = IngestSettings(database_url=database_url, mqtt_url="mqtt://unused:1883")
    with connect(database_url, autocommit=True) as conn:
        yield BatchProcessor(s, Metrics()), conn


def test_hypothesis_messages_each_end_somewhere(world, processor):
    """Hypothesis-driven hostile messages, one per batch: each is stored, a duplicate, a
    status update or rejected, and nothing escapes (a failure shrinks to a small message)."""
    proc, conn = processor
    seen = []

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(data: Any) -> None:
        m = message(HypothesisDraw(data), world)
        result = proc.process(conn, [(m.topic, m.payload)])
        assert result.stored + result.duplicates + result.statuses + result.rejected == 1
        seen.append(result)

    one()
    assert len(seen) >= 100
    assert all(not r.one_by_one for r in seen), "validation should catch all, not the safety net"


def test_short_fuzz_run_accounts_for_every_message(database_url):
    """A short run of the bench: 3,000 messages in batches as the writer makes them, the writer
    alive at the end, every message accounted for in metrics and in the database."""
    report = fuzz(database_url, 3000, seed=7, batch_size=500, per_tenant=10)
    assert report.problems() == []
    assert report.messages == report.accounted == 3000
    assert report.writer_deaths == 0
    assert report.stored > 0 and report.statuses > 0 and report.rejected["malformed_json"] > 0
    assert report.duplicates > 0  # every 50th message repeats a recent one
    assert report.fallback_batches == 0
