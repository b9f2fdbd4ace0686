"""Passwords, API keys, JWTs and broker credentials. No FastAPI here: pure functions.

- Passwords: argon2id (argon2-cffi defaults).
- API keys: `wr_<prefix>_<secret>`, 256 bits of randomness; stored as an argon2id hash
  with lighter parameters (the key is random, so brute force is hopeless anyway) plus the
  public prefix to find the row.
- Tokens: HS256 JWTs with `sub` (user id), `tid` (tenant), `role`, `veh`, `ver` (the user's
  token version when it was issued), `exp`. `decode_token` checks only the signature and the
  expiry (stateless, cheap); whether the user still has that version is api.deps' check.
- Device broker passwords: Mosquitto's PBKDF2-SHA512 format (`$7$iterations$salt$hash`), so the
  password file can be written from the database.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_passwords = PasswordHasher()
_keys = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
# A hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _passwords.hash("not-a-real-password")
JWT_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    tenant_id: str | None
    role: str
    vehicle_id: int | None
    token_version: int
    expires_at: int


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; runs a full hash even when there is no user."""
    try:
        return (
            _passwords.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (the full key to show once, its public prefix, its hash to store)."""
    prefix = secrets.token_hex(6)
    key = f"wr_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, _keys.hash(key)


def api_key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "wr" or len(parts[1]) != 12:
        return None
    return parts[1]


def verify_api_key(key_hash: str, key: str) -> bool:
    try:
        return _keys.verify(key_hash, key)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_token(
    secret: str,
    ttl_s: int,
    *,
    user_id: int,
    tenant_id: str | None,
    role: str,
    vehicle_id: int | None,
    token_version: int,
) -> tuple[str, int]:
    """A signed JWT and its lifetime in seconds."""
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "tid": tenant_id,
        "role": role,
        "veh": vehicle_id,
        "ver": token_version,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM), ttl_s


def decode_token(secret: str, token: str) -> TokenClaims | None:
    """The claims of a validly signed, unexpired token; None for anything else (including a
    token from before token versions, which has no `ver`)."""
    try:
        data = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "exp", "role", "ver"]},
        )
        vehicle = data.get("veh")
        return TokenClaims(
            user_id=int(data["sub"]),
            tenant_id=data.get("tid"),
            role=str(data["role"]),
            vehicle_id=None if vehicle is None else int(vehicle),
            token_version=int(data["ver"]),
            expires_at=int(data["exp"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


MOSQUITTO_ITERATIONS = 101
MOSQUITTO_SALT_BYTES = 12


def mosquitto_hash(
    password: str, *, salt: bytes | None = None, iterations: int = MOSQUITTO_ITERATIONS
) -> str:
    """The password-file hash Mosquitto 2 verifies: `$7$<iterations>$<b64 salt>$<b64 sha512>`."""
    salt = salt if salt is not None else secrets.token_bytes(MOSQUITTO_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def new_device_password() -> str:
    return secrets.token_urlsafe(24)
