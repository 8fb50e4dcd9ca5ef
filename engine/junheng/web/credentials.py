"""Passwords, API tokens and session ids: made at random, kept only as hashes.

Passwords are hashed with argon2id (argon2-cffi's defaults: RFC 9106's second recommendation, 64 MiB and 3 passes),
12 to 128 characters (OWASP ASVS 2.1.1 and 2.1.2: a passphrase, not a PIN). A hash costs 64 MiB and tens of
milliseconds on purpose, so at most ``HASH_SLOTS`` run at once: a flood of logins queues up instead of taking the
server's memory (the login throttle in ``service/accounts.py`` turns most of them away before they get here). Tokens
and session ids are 256 random bits: a SHA-256 of one is as good as a slow hash (nothing to guess), and lets a request
find its row with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["HASH_SLOTS", "MAX_PASSWORD", "MIN_PASSWORD", "TOKEN_PREFIX", "check_password", "digest", "hash_password", "needs_rehash",
           "new_secret", "new_token", "password_problem"]

MIN_PASSWORD = 12  # characters: a passphrase, not a PIN (ASVS 2.1.1)
MAX_PASSWORD = 128  # characters: longer ones are refused (ASVS 2.1.2), which also bounds what a hash is asked to read
TOKEN_PREFIX = "jh_"  # an API token says what it is (secret scanners and people recognise it)
HASH_SLOTS = 2  # argon2 hashes at once (each takes 64 MiB): a flood of logins waits instead of exhausting memory
_HASHER = PasswordHasher()  # argon2id: the library's default type
_SLOTS = threading.BoundedSemaphore(HASH_SLOTS)
# A hash to verify against when the user does not exist: the answer takes as long either way.
_DUMMY = _HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    with _SLOTS:
        return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; as slow for an unknown user as for a known one."""
    if len(password) > 4 * MAX_PASSWORD:  # never a password of anyone here: not worth 64 MiB of hashing
        return False
    try:
        with _SLOTS:
            return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (it is made again at the next login)."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return False


def password_problem(password: str) -> tuple[str, str] | None:
    """Why a new password is refused (zh, en), or None."""
    if len(password) < MIN_PASSWORD:
        return (f"密码太短：至少 {MIN_PASSWORD} 个字符（可用一句话作口令）",
                f"the password is too short: at least {MIN_PASSWORD} characters (a passphrase will do)")
    if len(password) > MAX_PASSWORD:
        return (f"密码太长：最多 {MAX_PASSWORD} 个字符", f"the password is too long: at most {MAX_PASSWORD} characters")
    return None


def new_secret() -> str:
    """A session id: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the store keeps of a token or session id."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
