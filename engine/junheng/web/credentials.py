"""Passwords, API tokens and session ids: made at random, kept only as hashes.

Passwords are hashed with argon2id (argon2-cffi's defaults). Tokens and session ids are 256 random bits: a SHA-256
of one is as good as a slow hash (nothing to guess), and lets a request find its row with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_PASSWORD", "TOKEN_PREFIX", "check_password", "digest", "hash_password", "new_secret", "new_token",
           "password_problem"]

MIN_PASSWORD = 10  # characters: a passphrase, not a PIN
TOKEN_PREFIX = "jh_"  # an API token says what it is (secret scanners and people recognise it)
_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist: the answer takes as long either way.
_DUMMY = _HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; as slow for an unknown user as for a known one."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> tuple[str, str] | None:
    """Why a new password is refused (zh, en), or None."""
    if len(password) < MIN_PASSWORD:
        return (f"密码太短：至少 {MIN_PASSWORD} 个字符（可用一句话作口令）",
                f"the password is too short: at least {MIN_PASSWORD} characters (a passphrase will do)")
    return None


def new_secret() -> str:
    """A session id: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the store keeps of a token or session id."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
