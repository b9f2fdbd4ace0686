"""Rejected messages: what the ingest could not accept, with the reason and the raw payload.

Whatever the message held, its rejection must be storable: the topic and detail come from the
outside, so NUL characters (PostgreSQL text cannot hold them) and lone surrogates (not
encodable as UTF-8) are replaced; the payload is kept as it came (bytea); a tenant id that is
not a valid one is not kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

MAX_TOPIC_CHARS = 512
MAX_DETAIL_CHARS = 1000
_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")  # tenants.id CHECK in 0001_core.sql


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
            copy.write_row(
                (
                    r.tenant_id if r.tenant_id and _TENANT_ID.fullmatch(r.tenant_id) else None,
                    storable_text(r.topic, MAX_TOPIC_CHARS),
                    r.reason,
                    storable_text(r.detail, MAX_DETAIL_CHARS),
                    bytes(r.payload),
                )
            )


def storable_text(value: str, max_chars: int) -> str:
    """`value` cut to `max_chars`, as text PostgreSQL accepts: no NUL, valid UTF-8."""
    value = value[:max_chars].replace("\x00", "\ufffd")
    try:
        value.encode()
    except UnicodeEncodeError:  # lone surrogates: keep them visible as \udcxx
        value = value.encode("utf-8", "backslashreplace").decode()
    return value
