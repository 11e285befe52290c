"""Passwords, random tokens and login throttling.

Passwords are hashed with argon2id (argon2-cffi). Session and API tokens are random
256-bit strings; the database keeps only their SHA-256, so a leaked table opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from aatd.errors import InputError

_HASHER = PasswordHasher()
MIN_PASSWORD = 12
# A real hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (at least 12 characters)."""
    if len(password) < MIN_PASSWORD:
        raise InputError("password", "<hidden>", f"at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; always spends the same work when the user is unknown."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh URL-safe random token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two optional strings."""
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


def generate_password() -> str:
    """A random password to print once for a new user."""
    return secrets.token_urlsafe(15)


class LoginThrottle:
    """At most ``attempts`` failed logins per key (email and client address) in ``window_s`` seconds."""

    def __init__(self, attempts: int, window_s: float) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, *keys: str) -> int:
        """Seconds to wait before another attempt, 0 when allowed."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window_s - (now - f[0]) for f in (self._recent(k, now) for k in keys)
                     if len(f) >= self.attempts]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, *keys: str) -> None:
        """Record a failed attempt under each key."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of a key after a successful login."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
