"""Login throttling counters: one row per (scope, subject), counted atomically.

`count_attempt` adds one attempt to several counters in a single INSERT ... ON CONFLICT DO
UPDATE ... RETURNING: the row lock makes parallel attempts (any number of API workers) count
one after the other, so each sees its own count and at most `limit` of them get through.
A counter's window is fixed: it starts at the first attempt after the previous one ended.
Which scopes exist and their limits is api.login_limiter's decision, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

DictConn = psycopg.Connection[Any]  # rows are dicts (storage.connect's row factory)


@dataclass(frozen=True, slots=True)
class Subject:
    """One counter: its scope ('user_ip', 'ip' or 'user') and what it counts."""

    scope: str
    subject: str


@dataclass(frozen=True, slots=True)
class Count:
    """A counter after this attempt was added."""

    scope: str
    failures: int
    window_started_at: datetime
    last_success_at: datetime | None
    now: datetime


def count_attempt(conn: DictConn, subjects: list[Subject], window_s: int) -> dict[str, Count]:
    """Add one attempt to each counter (a new window where the old one is over); each
    counter's state afterwards, by scope."""
    values = ", ".join("(%s, %s, 1, now())" for _ in subjects)
    params: list[object] = [p for s in subjects for p in (s.scope, s.subject[:300])]
    rows = conn.execute(
        "INSERT INTO login_throttle AS t (scope, subject, failures, window_started_at)"
        f" VALUES {values}"
        " ON CONFLICT (scope, subject) DO UPDATE SET"
        "   failures = CASE WHEN t.window_started_at <= now() - make_interval(secs => %s)"
        "                   THEN 1 ELSE t.failures + 1 END,"
        "   window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => %s)"
        "                            THEN now() ELSE t.window_started_at END"
        " RETURNING scope, failures, window_started_at, last_success_at, now() AS now",
        (*params, window_s, window_s),
    ).fetchall()
    return {
        r["scope"]: Count(
            r["scope"], r["failures"], r["window_started_at"], r["last_success_at"], r["now"]
        )
        for r in rows
    }


def record_success(conn: DictConn, own: Subject, shared: list[Subject]) -> None:
    """A password was right: its own counter starts again (and remembers the success); the
    shared counters give back the one attempt it took."""
    conn.execute(
        "UPDATE login_throttle SET failures = 0, last_success_at = now()"
        " WHERE scope = %s AND subject = %s",
        (own.scope, own.subject[:300]),
    )
    for s in shared:
        conn.execute(
            "UPDATE login_throttle SET failures = greatest(failures - 1, 0)"
            " WHERE scope = %s AND subject = %s",
            (s.scope, s.subject[:300]),
        )


def prune_login_throttle(conn: DictConn, before: datetime, keep_success: timedelta) -> int:
    """Drop counters whose window started before `before`, unless they remember a success
    within `keep_success` of it."""
    return conn.execute(
        "DELETE FROM login_throttle WHERE window_started_at < %s"
        " AND (last_success_at IS NULL OR last_success_at < %s)",
        (before, before - keep_success),
    ).rowcount
