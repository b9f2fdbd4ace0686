"""What this API process remembers about credentials, and how it forgets at once.

A token or API key is checked on every request against the user (or key) as it is now. To
keep that cheap (the route fast path answers in tens of microseconds), each process remembers
the users and keys it has looked up, and forgets one the moment it changes:

- the database notifies every change that ends credentials (migration 0006: a user's token
  version bumped or the user deleted, a key revoked or changed) on the channel
  `wasteroute_credentials`; a thread of this process LISTENs on it and drops the entry;
- a change made through this process also drops it directly, after its commit;
- while the listening connection is down (or not yet up), nothing is remembered: every
  request looks the user or key up in the database, and everything is forgotten again when
  the connection is back (notifications sent meanwhile are lost).

A look-up races with a change (read the old row, the change commits, its notification is
handled, then the old row would be stored): every forget bumps `seq`, and a look-up is stored
only when `seq` is what it was before the read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from storage.users import UserAuthState

log = logging.getLogger(__name__)

CHANNEL = "wasteroute_credentials"
APPLICATION_NAME = "wasteroute-credential-watch"
NOTIFY_POLL_S = 0.5  # how often the listener looks at whether to stop
PING_EVERY_S = 5.0  # a silent connection is checked this often
RETRY_MAX_S = 1.0
MAX_ENTRIES = 50_000


def gone(user_id: int) -> UserAuthState:
    """The state remembered for a deleted user: nothing accepts it (ids are never reused)."""
    return UserAuthState(user_id, None, "", None, active=False, token_version=-1)


class CredentialWatch:
    """The per-process memory of users and API keys, kept true by LISTEN (see above)."""

    def __init__(self, database_url: str, stopped: Callable[[], bool]) -> None:
        self._url = database_url
        self._stopped = stopped
        self._lock = threading.Lock()
        self._users: dict[int, UserAuthState] = {}
        # digest of the key -> (expiry on the monotonic clock, key id, owner id, what to return)
        self._keys: dict[str, tuple[float, int, int, Any]] = {}
        self._seq = 0
        self._listening = False
        self._thread = threading.Thread(target=self._run, name="credential-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def seq(self) -> int:
        return self._seq

    def cached_user(self, user_id: int) -> UserAuthState | None:
        """The remembered state of this user; None when it must be looked up."""
        return self._users.get(user_id) if self._listening else None

    def remember_user(self, state: UserAuthState, seq: int) -> None:
        with self._lock:
            if self._listening and seq == self._seq:
                if len(self._users) >= MAX_ENTRIES:
                    self._users.clear()
                self._users[state.user_id] = state

    def cached_key(self, digest: str) -> Any | None:
        """What was remembered for this key (unexpired); None when it must be looked up."""
        hit = self._keys.get(digest) if self._listening else None
        if hit is None or hit[0] <= time.monotonic():
            return None
        return hit[3]

    def remember_key(
        self, digest: str, key_id: int, owner_id: int, value: Any, ttl_s: float, seq: int
    ) -> None:
        with self._lock:
            if self._listening and seq == self._seq:
                if len(self._keys) >= MAX_ENTRIES:
                    self._keys.clear()
                self._keys[digest] = (time.monotonic() + ttl_s, key_id, owner_id, value)

    def forget_user(self, user_id: int) -> None:
        """Drop the user and the keys it owns."""
        with self._lock:
            self._seq += 1
            self._users.pop(user_id, None)
            for digest in [d for d, hit in self._keys.items() if hit[2] == user_id]:
                del self._keys[digest]

    def forget_key(self, key_id: int) -> None:
        with self._lock:
            self._seq += 1
            for digest in [d for d, hit in self._keys.items() if hit[1] == key_id]:
                del self._keys[digest]

    def forget_all(self, *, listening: bool | None = None) -> None:
        with self._lock:
            self._seq += 1
            self._users.clear()
            self._keys.clear()
            if listening is not None:
                self._listening = listening

    def _handle(self, payload: str) -> None:
        kind, _, ident = payload.partition(":")
        if kind == "user" and ident.isdigit():
            self.forget_user(int(ident))
        elif kind == "key" and ident.isdigit():
            self.forget_key(int(ident))
        else:
            self.forget_all()

    def _run(self) -> None:
        retry_s = 0.05
        try:
            while not self._stopped():
                try:
                    with psycopg.connect(
                        self._url,
                        autocommit=True,
                        connect_timeout=5,
                        application_name=APPLICATION_NAME,
                    ) as conn:
                        conn.execute(f"LISTEN {CHANNEL}")
                        self.forget_all(listening=True)
                        retry_s = 0.05
                        self._listen(conn)
                except psycopg.Error as exc:
                    if not self._stopped():
                        log.warning("credential watch: %s; looking credentials up meanwhile", exc)
                except Exception:  # a bug must not leave a memory nobody keeps true
                    log.exception("credential watch failed; looking credentials up meanwhile")
                self.forget_all(listening=False)
                time.sleep(retry_s)
                retry_s = min(RETRY_MAX_S, retry_s * 2)
        finally:
            self.forget_all(listening=False)

    def _listen(self, conn: psycopg.Connection) -> None:
        pinged = time.monotonic()
        while not self._stopped():
            for notify in conn.notifies(timeout=NOTIFY_POLL_S):
                self._handle(notify.payload)
            if time.monotonic() - pinged > PING_EVERY_S:
                conn.execute("SELECT 1")
                pinged = time.monotonic()
