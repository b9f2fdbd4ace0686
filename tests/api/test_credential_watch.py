"""The per-process memory of users and keys (api.revocation.CredentialWatch), without its
listening thread: what it keeps, and what it refuses to keep."""

from __future__ import annotations

from api.revocation import CredentialWatch, gone
from storage.users import UserAuthState


def _state(user_id: int, version: int = 1) -> UserAuthState:
    return UserAuthState(user_id, "t", "driver", 3, active=True, token_version=version)


def _watch(listening: bool) -> CredentialWatch:
    watch = CredentialWatch("postgresql://unused", stopped=lambda: True)
    watch.forget_all(listening=listening)
    return watch


def test_nothing_is_remembered_while_not_listening():
    """Before the LISTEN is up (or after it broke) every look-up goes to the database."""
    watch = _watch(listening=False)
    watch.remember_user(_state(1), watch.seq)
    watch.remember_key("d", 7, 1, "principal", 60.0, watch.seq)
    assert watch.cached_user(1) is None and watch.cached_key("d") is None


def test_a_look_up_that_raced_with_a_change_is_not_kept():
    """Read before a change, stored after its notification: refused (seq moved on)."""
    watch = _watch(listening=True)
    seq = watch.seq
    watch.forget_user(1)  # the change's notification arrives while the look-up runs
    watch.remember_user(_state(1, version=1), seq)
    assert watch.cached_user(1) is None
    watch.remember_user(_state(1, version=2), watch.seq)
    assert watch.cached_user(1) == _state(1, version=2)


def test_forgetting_a_user_drops_its_keys_and_a_key_by_id():
    """A user's change drops the keys it owns; a key's revocation drops that key only."""
    watch = _watch(listening=True)
    watch.remember_key("a", 7, 1, "key of user 1", 60.0, watch.seq)
    watch.remember_key("b", 8, 2, "key of user 2", 60.0, watch.seq)
    watch.remember_key("c", 9, 2, "other key of user 2", 60.0, watch.seq)
    watch.forget_user(1)
    assert watch.cached_key("a") is None and watch.cached_key("b") == "key of user 2"
    watch.forget_key(8)
    assert watch.cached_key("b") is None and watch.cached_key("c") == "other key of user 2"


def test_a_deleted_user_is_remembered_as_accepting_nothing():
    """`gone` is inactive with an impossible version."""
    state = gone(5)
    assert state.user_id == 5 and not state.active and state.token_version < 1


def test_an_expired_key_is_looked_up_again():
    """A remembered key lives at most its TTL."""
    watch = _watch(listening=True)
    watch.remember_key("a", 7, 1, "p", -1.0, watch.seq)
    assert watch.cached_key("a") is None
