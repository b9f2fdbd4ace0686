"""The login limiter: who may try a password now.

Each attempt is counted before the password is checked, atomically in the database (so it
holds across API workers and processes), against three counters within `API_LOGIN_WINDOW_S`:

| counter | limit | why |
|---|---|---|
| username + client address | `API_LOGIN_MAX_FAILURES` (5) | one address guessing one user |
| client address | 4x (20) | one address spraying many usernames |
| username, from addresses it never logged in from | 20x (100) | many addresses guessing one user |

An attempt over a limit answers 429 with `Retry-After` and checks no password. A right password
resets its own (username, address) counter, remembers that address as one the user logs in
from, and gives back the attempt it took from the other two. So an attacker hammering a
username locks out only its own address: the real user, from another address, still logs in;
and from an address it has logged in from before (30 days), even a many-address attack on its
name does not lock it out. The per-username counter only counts attempts that passed the
per-address ones, so each attacking address adds at most 5 to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

from api.settings import ApiSettings
from storage import login_throttle
from storage.login_throttle import Count, Subject

PER_ADDRESS_FACTOR = 4
PER_USERNAME_FACTOR = 20
KNOWN_ADDRESS_FOR = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Verdict:
    """May this attempt check a password? If not, after how many seconds to try again."""

    allowed: bool
    retry_after_s: int = 0


def _subjects(username: str, client: str) -> tuple[Subject, Subject, Subject]:
    name = username.lower()
    return Subject("user_ip", f"{name} {client}"), Subject("ip", client), Subject("user", name)


def _retry_after(count: Count, window_s: int) -> int:
    ends = count.window_started_at + timedelta(seconds=window_s)
    return max(1, int((ends - count.now).total_seconds()) + 1)


def _known(count: Count) -> bool:
    seen = count.last_success_at
    return seen is not None and seen > count.now - KNOWN_ADDRESS_FOR


def admit(conn: psycopg.Connection, settings: ApiSettings, username: str, client: str) -> Verdict:
    """Count this attempt and decide. The caller commits straight away, so the counts are
    visible to every other attempt before any password is checked."""
    window, limit = settings.login_window_s, settings.login_max_failures
    user_ip, ip, user = _subjects(username, client)
    counts = login_throttle.count_attempt(conn, [user_ip, ip], window)
    for scope, most in (("user_ip", limit), ("ip", PER_ADDRESS_FACTOR * limit)):
        if counts[scope].failures > most:
            return Verdict(False, _retry_after(counts[scope], window))
    by_user = login_throttle.count_attempt(conn, [user], window)["user"]
    if by_user.failures > PER_USERNAME_FACTOR * limit and not _known(counts["user_ip"]):
        return Verdict(False, _retry_after(by_user, window))
    return Verdict(True)


def succeeded(conn: psycopg.Connection, username: str, client: str) -> None:
    """The password was right: see the module's docstring."""
    user_ip, ip, user = _subjects(username, client)
    login_throttle.record_success(conn, user_ip, [ip, user])


def prune(conn: psycopg.Connection, settings: ApiSettings, now: datetime) -> int:
    """Forget counters whose window is over (keeping remembered addresses for 30 days)."""
    before = now - timedelta(seconds=settings.login_window_s)
    return login_throttle.prune_login_throttle(conn, before, KNOWN_ADDRESS_FOR)
