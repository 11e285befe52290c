"""Passwords, random tokens, secret strength and client addresses behind proxies.

Passwords are hashed with argon2id (argon2-cffi). Session and API tokens are random
256-bit strings; the database keeps only their SHA-256, so a leaked table opens nothing.
New passwords must be at least 12 characters and rated at least 3 of 4 by zxcvbn (Dropbox's
strength estimator, which knows the commonest breached passwords, words, names, keyboard
patterns, repeats and sequences, and the user's own email and organisation).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence

import zxcvbn  # type: ignore[import-untyped]
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from aatd.errors import InputError

_HASHER = PasswordHasher()
MIN_PASSWORD = 12
MAX_PASSWORD = 200
# zxcvbn score from 0 (too guessable) to 4 (very unguessable); 3 = "safely unguessable" (< 10^10 guesses).
MIN_PASSWORD_SCORE = 3
# A real hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-0000")


def check_password(password: str, user_inputs: Iterable[str] = ()) -> None:
    """Refuse short, trivial and commonly breached passwords (:class:`InputError` naming the weakness).

    ``user_inputs`` (email, organisation name) count as known to an attacker.
    """
    if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        raise InputError("password", "<hidden>", f"at least {MIN_PASSWORD} characters (at most {MAX_PASSWORD})")
    words = [w for text in user_inputs for w in [text, *text.replace("@", " ").replace(".", " ").split()] if w]
    rating = zxcvbn.zxcvbn(password[:100], user_inputs=words)
    if int(rating["score"]) < MIN_PASSWORD_SCORE:
        feedback = rating.get("feedback") or {}
        reason = str(feedback.get("warning") or "").rstrip(".") or "it is too easy to guess"
        raise InputError("password", "<hidden>",
                         f"a password that is hard to guess ({reason}); try a few unrelated words")


def hash_password(password: str, user_inputs: Iterable[str] = ()) -> str:
    """The argon2id hash of a new ``password`` that passes :func:`check_password`."""
    check_password(password, user_inputs)
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


def secret_bits(secret: str) -> float:
    """Entropy estimate of a secret in bits: length times the Shannon entropy of its characters.

    A random 32-character URL-safe secret scores about 150 bits; 32 identical characters score 0.
    """
    counts = Counter(secret)
    return -len(secret) * sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values()) if secret \
        else 0.0


def weak_secret(secret: str, min_length: int = 32, min_bits: float = 96.0) -> str | None:
    """Why ``secret`` is too weak to sign production sessions, or ``None`` when it is strong enough."""
    if len(secret) < min_length:
        return f"at least {min_length} characters"
    if secret_bits(secret) < min_bits:
        return f"a random secret (estimated {secret_bits(secret):.0f} bits of entropy; at least {min_bits:.0f})"
    if int(zxcvbn.zxcvbn(secret[:100])["score"]) < 4:
        return "a random secret, not words, repeats, sequences or keyboard patterns"
    return None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str | None) -> tuple[Network, ...]:
    """``AATD_TRUSTED_PROXIES``: comma-separated addresses or networks (``10.0.0.0/8``), or empty."""
    networks: list[Network] = []
    for part in (text or "").split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InputError("AATD_TRUSTED_PROXIES", entry,
                             "comma-separated IP addresses or networks such as 10.0.0.0/8") from None
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[Network]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    untrusted hop of ``X-Forwarded-For`` (read from the right, so a client cannot forge it)."""
    address = peer or "unknown"
    if not proxies or not forwarded_for or not _trusted(_ip(address), proxies):
        return address
    for hop in reversed(forwarded_for.split(",")[-32:]):
        parsed = _ip(hop)
        if parsed is None:
            return address  # garbage from here on: trust only what the last proxy saw
        address = str(parsed)
        if not _trusted(parsed, proxies):
            return address
    return address


def throttle_address(address: str) -> str:
    """``address`` as the login throttle counts it: IPv6 by its /64 network, since one subscriber
    usually holds a whole /64 and could otherwise rotate through 2^64 addresses; others unchanged."""
    parsed = _ip(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
