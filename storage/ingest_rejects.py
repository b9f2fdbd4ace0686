"""Rejected messages: what the ingest could not accept, with the reason and the raw payload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True, slots=True)
class RejectedMessage:
    tenant_id: str | None  # where the topic or device told us; None when unknown
    topic: str
    reason: str
    detail: str
    payload: bytes  # already truncated by the caller


def write_rejected(conn: psycopg.Connection, rejected: Sequence[RejectedMessage]) -> None:
    """Insert rejected messages (in the caller's transaction)."""
    if not rejected:
        return
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY rejected_messages (tenant_id, topic, reason, detail, payload) FROM STDIN"
        ) as copy,
    ):
        for r in rejected:
            copy.write_row((r.tenant_id, _clean(r.topic), r.reason, _clean(r.detail), r.payload))


def _clean(value: str) -> str:
    # PostgreSQL text cannot hold NUL; topics and details come from the outside.
    return value.replace("\x00", "\ufffd")
