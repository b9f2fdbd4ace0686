"""Data some tests read from ../shared (next to the repository, not in it): the benchmark
instances and the real-data samples. In a clone without it those tests skip and say so."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip unless `path` (under ../shared) exists; the reason names the path."""
    return pytest.mark.skipif(
        not path.exists(),
        reason=f"needs {path} from ../shared (next to the repository; not in a plain clone)",
    )
