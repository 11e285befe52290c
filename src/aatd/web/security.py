"""Passwords, random tokens, secret strength, client addresses behind proxies, and TOTP secrets at rest.

Passwords are hashed with argon2id (argon2-cffi). Session and API tokens are random
256-bit strings; the database keeps only their SHA-256, so a leaked table opens nothing.
New passwords must be at least 12 characters and rated at least 3 of 4 by zxcvbn (Dropbox's
strength estimator, which knows the commonest breached passwords, words, names, keyboard
patterns, repeats and sequences, and the user's own email and organisation).

Two-step login secrets (TOTP) must be readable by the server to check a code, so they cannot be
hashed: :class:`TotpVault` encrypts them with Fernet (``cryptography``: AES-128-CBC with an
HMAC-SHA256 tag) under the keys of ``AATD_TOTP_KEYS``. The first key encrypts; the others only
decrypt, so keys can be rotated without logging anyone out (``aatd user rotate-totp-keys``).
"""

from __future__ import annotations

import base64
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
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from aatd.errors import AatdError, InputError

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


TOTP_KEYS_VARIABLE = "AATD_TOTP_KEYS"
MIN_KEY_BITS = 96.0
"""Entropy estimate (:func:`secret_bits` of the key's 32 bytes) a production key must reach: random
keys score about 150 bits; 32 zero bytes score 0 and a repeated pair 32."""
TOTP_KEY_HELP = "Fernet keys (44 characters of URL-safe base64, 32 random bytes) separated by commas, newest first; " \
    "make one with 'aatd user new-totp-key'"


class TotpKeyError(AatdError):
    """A stored two-step login secret cannot be decrypted with the configured keys: the server runs
    with the wrong ``AATD_TOTP_KEYS`` (or lost the old key during a rotation). An operator's
    problem, never the user's: the web app answers 503 naming the setting, not 500."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "two-step login is unavailable: the server's AATD_TOTP_KEYS cannot decrypt the stored two-step "
            "login secret" + (f" ({detail})" if detail else "")
            + "; an administrator must configure the key it was encrypted with (see docs/hardening.md)")


def check_totp_key(key: str, *, production: bool) -> str:
    """``key`` stripped, when it is a Fernet key (and, in production, a random one); else :class:`InputError`."""
    text = key.strip()
    try:
        Fernet(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise InputError(TOTP_KEYS_VARIABLE, "<hidden>", TOTP_KEY_HELP) from None
    bits = secret_bits(base64.urlsafe_b64decode(text).decode("latin-1"))  # judged on the 32 bytes themselves
    if production and bits < MIN_KEY_BITS:
        raise InputError(TOTP_KEYS_VARIABLE, "<hidden>", f"random keys in production (one has an estimated "
                         f"{bits:.0f} bits of entropy; at least {MIN_KEY_BITS:.0f}): make them with 'aatd user "
                         "new-totp-key', never by hand")
    return text


def parse_totp_keys(text: str, *, production: bool) -> tuple[str, ...]:
    """The keys of ``AATD_TOTP_KEYS`` (commas or new lines between keys), newest first; at least one."""
    keys = tuple(check_totp_key(k, production=production) for k in text.replace("\n", ",").split(",") if k.strip())
    if not keys:
        raise InputError(TOTP_KEYS_VARIABLE, "", TOTP_KEY_HELP)
    return keys


def new_totp_key() -> str:
    """A fresh random Fernet key (32 bytes from the operating system, URL-safe base64)."""
    return Fernet.generate_key().decode("ascii")


def derived_totp_key(secret_key: str) -> str:
    """A Fernet key derived from the app secret (HKDF-SHA256), for settings built in code without
    ``totp_keys``; :func:`aatd.web.settings.load_settings` always names real keys."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"aatd totp secrets at rest").derive(
        secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw).decode("ascii")


class TotpVault:
    """Encrypts and decrypts two-step login secrets with the first key; older keys still decrypt."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise InputError(TOTP_KEYS_VARIABLE, "", TOTP_KEY_HELP)
        self._keys = MultiFernet([Fernet(check_totp_key(k, production=False).encode("ascii")) for k in keys])

    def seal(self, secret: str) -> str:
        """The stored form of ``secret``: a Fernet token (random IV, so equal secrets differ)."""
        return self._keys.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret inside ``sealed``, or :class:`TotpKeyError` when no configured key opens it."""
        try:
            return self._keys.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise TotpKeyError from None

    def rotate(self, sealed: str) -> str:
        """``sealed`` encrypted again under the newest key (:class:`TotpKeyError` if no key opens it)."""
        try:
            return self._keys.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise TotpKeyError from None
