"""Settings of the web app, read from the environment.

``AATD_DATA_DIR``      data directory (default ``./var`` relative to the working directory);
                       holds the SQLite database and the generated secret key.
``AATD_DATABASE_URL``  SQLAlchemy URL; default ``sqlite:///<data dir>/aatd.sqlite3``.
                       ``postgresql://...`` uses psycopg 3.
``AATD_SECRET_KEY``    secret for tokens; generated once into ``<data dir>/secret_key`` if unset.
``AATD_TOTP_KEYS``     keys that encrypt two-step login (TOTP) secrets at rest: Fernet keys separated by
                       commas, newest first (the first encrypts, all decrypt: see key rotation in
                       ``docs/hardening.md``). Generated once into ``<data dir>/totp_keys`` (0600) if unset.
``AATD_ENV``           ``local`` (default) or ``production``.
``AATD_COOKIE_SECURE`` ``1``/``0``; default ``1`` in production, ``0`` locally (plain http on loopback).
``AATD_TRUSTED_PROXIES`` comma-separated addresses or networks of reverse proxies (e.g. ``127.0.0.1,10.0.0.0/8``)
                       whose ``X-Forwarded-For`` names the real client for the login throttle; default none
                       (the header is ignored).
``AATD_WORKER_THREADS`` worker threads that run route functions (database work) at once; default 4. A few
                       threads keep the event loop (and the health check) responsive: each runnable thread
                       competes for Python's global lock, and SQLite takes one writer at a time anyway.
``AATD_ALLOWED_HOSTS`` host names the server answers to, comma-separated (``*``: any). Unset,
                       ``aatd serve`` on loopback answers only to ``127.0.0.1,localhost,[::1]``
                       (against DNS rebinding); in production set it to the public name.

Unsafe settings are refused outside local use: production needs an explicit, random secret
key (at least 32 characters, about 96 bits of entropy or more, no words or repeats), explicit random
TOTP keys and secure cookies.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from aatd.errors import InputError
from aatd.web.security import (
    TOTP_KEY_HELP,
    TOTP_KEYS_VARIABLE,
    derived_totp_key,
    new_totp_key,
    parse_totp_keys,
    parse_trusted_proxies,
    weak_secret,
)

_MIN_SECRET = 32
DEFAULT_WORKER_THREADS = 1


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings of one app instance."""

    data_dir: Path
    database_url: str
    secret_key: str
    env: str = "local"
    cookie_secure: bool = False
    login_attempts: int = 5
    login_address_attempts: int = 30
    login_account_attempts: int = 100
    login_window_s: float = 900.0
    trusted_proxies: tuple[str, ...] = ()
    token_days: int = 90
    session_hours: float = 12.0
    allowed_hosts: tuple[str, ...] = ()
    """Host names the server answers to (``Host`` header, port ignored); empty: any host."""
    worker_threads: int = DEFAULT_WORKER_THREADS
    """Route functions (database and page work) running at once in worker threads; the others wait
    for a thread without holding one (see :func:`aatd.web.app.create_app`). One: every further
    runnable thread competes with the event loop for the interpreter lock (health check p99 under
    ``benchmarks/load.py --mixed``, 4 alternations: PostgreSQL 6-7 ms with 1 thread against 14-22 ms
    with 2, SQLite 7-12 ms against 8-13 ms, as many writes or more; see docs/hardening.md). Slow work
    in a route (a family's inference and drawing) lends itself a thread of its own while it lasts
    (:func:`aatd.web.deps.lend_a_thread`); engines run in the engine processes."""
    totp_keys: tuple[str, ...] = ()
    """Fernet keys of the two-step login secrets, newest first; empty only for settings built in
    code, which then use a key derived from ``secret_key`` (see :attr:`totp_key_ring`)."""

    @property
    def totp_key_ring(self) -> tuple[str, ...]:
        """The keys that encrypt (first) and decrypt (all) two-step login secrets."""
        return self.totp_keys or (derived_totp_key(self.secret_key),)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is a SQLite file."""
        return self.database_url.startswith("sqlite")


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise InputError(name, value, "1 or 0 (true/false)")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs; reject schemes aatd does not support."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise InputError("AATD_DATABASE_URL", url, "a sqlite:/// or postgresql:// URL")


def _secret_key(data_dir: Path, given: str | None, env: str) -> str:
    if given:
        problem = weak_secret(given, _MIN_SECRET) if env == "production" else None
        if problem is not None:
            raise InputError("AATD_SECRET_KEY", "<hidden>", f"{problem} in production")
        return given
    if env == "production":
        raise InputError("AATD_SECRET_KEY", None, "an explicit secret key in production")
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key


def _totp_keys(data_dir: Path, given: str | None, env: str) -> tuple[str, ...]:
    """``AATD_TOTP_KEYS``; locally, when unset, the key file of the data directory (made once, 0600)."""
    if given is not None and given.strip():
        return parse_totp_keys(given, production=env == "production")
    if env == "production":
        raise InputError(TOTP_KEYS_VARIABLE, given, f"explicit keys in production: {TOTP_KEY_HELP}")
    path = data_dir / "totp_keys"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(new_totp_key() + "\n", encoding="utf-8")
    return parse_totp_keys(path.read_text(encoding="utf-8"), production=False)


def load_settings(environ: dict[str, str] | None = None, *, database_url: str | None = None) -> Settings:
    """Settings from ``environ`` (default ``os.environ``); creates the data directory."""
    env_vars = dict(os.environ if environ is None else environ)
    env = env_vars.get("AATD_ENV", "local").strip().lower()
    if env not in {"local", "production"}:
        raise InputError("AATD_ENV", env, "local or production")
    data_dir = Path(env_vars.get("AATD_DATA_DIR", "var")).expanduser().resolve()
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
    url = database_url or env_vars.get("AATD_DATABASE_URL") or f"sqlite:///{data_dir / 'aatd.sqlite3'}"
    secure_text = env_vars.get("AATD_COOKIE_SECURE")
    secure = _flag("AATD_COOKIE_SECURE", secure_text) if secure_text is not None else env == "production"
    if env == "production" and not secure:
        raise InputError("AATD_COOKIE_SECURE", secure_text, "1 in production (cookies only over https)")
    proxies = env_vars.get("AATD_TRUSTED_PROXIES", "")
    parse_trusted_proxies(proxies)  # refuse a malformed list now, naming the bad entry
    return Settings(data_dir=data_dir, database_url=normalise_database_url(url),
                    secret_key=_secret_key(data_dir, env_vars.get("AATD_SECRET_KEY"), env),
                    env=env, cookie_secure=secure,
                    totp_keys=_totp_keys(data_dir, env_vars.get(TOTP_KEYS_VARIABLE), env),
                    trusted_proxies=tuple(p.strip() for p in proxies.split(",") if p.strip()),
                    allowed_hosts=_hosts(env_vars.get("AATD_ALLOWED_HOSTS"), env),
                    worker_threads=_worker_threads(env_vars.get("AATD_WORKER_THREADS", str(DEFAULT_WORKER_THREADS))))


MAX_WORKER_THREADS = 64


def _worker_threads(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_WORKER_THREADS:
        raise InputError("AATD_WORKER_THREADS", text, f"a whole number from 1 to {MAX_WORKER_THREADS}")
    return int(value)


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
"""Hosts ``aatd serve`` on loopback answers to by default: a web page elsewhere that points its own
domain at 127.0.0.1 (DNS rebinding) is refused, because its ``Host`` header names that domain."""


def _hosts(text: str | None, env: str) -> tuple[str, ...]:
    if text is None:
        return ()
    hosts = tuple(h.strip().lower() for h in text.split(",") if h.strip())
    if "*" in hosts:
        return ()
    if not hosts or any(not h.replace(".", "").replace("-", "").replace("[", "").replace("]", "").replace(":", "")
                        .isalnum() for h in hosts):
        raise InputError("AATD_ALLOWED_HOSTS", text, "host names separated by commas, or * for any host")
    return hosts
