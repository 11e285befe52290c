"""Database engine, sessions and programmatic migrations.

SQLite (default) runs in WAL mode with foreign keys on; PostgreSQL through psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file readable by its owner only (0600), and tighten an existing one.

    SQLite gives the ``-wal`` and ``-shm`` files the database file's permissions.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite reports the missing folder itself
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists() and part.stat().st_mode & 0o077 and part.stat().st_uid == os.getuid():
            part.chmod(0o600)


BUSY_TIMEOUT_S = 15.0
"""How long a SQLite transaction waits for the write lock before the request fails with 503.

Shorter than :data:`REQUEST_DEADLINE_S`, so a request never waits on the database past the
point where its client has given up. Transactions take about a millisecond each, so 15 s is
thousands of transactions queued ahead, even on a loaded two-core machine."""

REQUEST_DEADLINE_S = 30.0
"""How long a request may take before clients and reverse proxies give up (httpx's and
browsers' patience, below nginx's default ``proxy_read_timeout`` of 60 s)."""

POOL_SIZE, POOL_OVERFLOW = 10, 40
"""Connections kept and allowed on top: 50 is more than the 40 worker threads that run routes,
so a route never waits for a connection (a transaction holds one only while it runs)."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``.

    SQLite connections get WAL mode, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``
    for every transaction: a transaction takes the write lock when it starts, so a reader
    that later writes (an audited read) can never fail halfway on a stale snapshot, and
    waiting happens at the start, in the busy handler, not at commit. The SQLite file is created
    readable by its owner only, and bound parameters (patient labels, notes, emails) never appear
    in error messages or logs.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                             hide_parameters=True)
    _private_sqlite_file(url)
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True,
                           connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S,
                                         "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    _serialise_writers(engine)
    return engine


class FifoLock:
    """A lock handed to waiting threads in arrival order, so no request waits behind later ones.

    (``threading.Lock`` lets a newly arriving thread overtake the ones already waiting; with
    dozens of writers the unluckiest waited past the busy timeout.) Any thread may release it.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting at most ``timeout`` seconds; whether it was taken."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._guard:
            if turn in self._waiters:
                self._waiters.remove(turn)
                return False
        return True  # handed over just as the wait ran out

    def release(self) -> None:
        """Hand the lock to the longest-waiting thread, or free it."""
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


def _serialise_writers(engine: Engine) -> None:
    """Begin every SQLite transaction with ``BEGIN IMMEDIATE``, one thread of this process at a time.

    SQLite allows one writer; its busy handler polls with growing sleeps, so with dozens of
    waiting threads some wait for seconds while others get in first. Here the threads of
    this process queue on a lock instead (woken as soon as it is free) and only one of them
    at a time asks SQLite for the write lock; the busy timeout still covers other processes
    (``aatd user create`` while the server runs). The lock is released when the transaction
    commits or rolls back, which the web app does in the thread that began it.
    """
    writer = FifoLock()
    held = "aatd_writer_lock"

    def release(info: dict[Any, Any]) -> None:
        if info.pop(held, False):
            writer.release()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        if not writer.acquire(timeout=BUSY_TIMEOUT_S):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError(f"database is locked (waited {BUSY_TIMEOUT_S:g} s)"))
        connection.info[held] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(connection.info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection: Connection) -> None:
        release(connection.info)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        release(record.info)


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine, totp_keys: Sequence[str] = (), revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default; creates the tables on first run).

    ``totp_keys`` (``Settings.totp_key_ring``) encrypt the two-step login secrets an older
    database stored in plain text (revision 0007); a database without such secrets needs none.
    """
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["totp_keys"] = tuple(totp_keys)
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str, totp_keys: Sequence[str] = ()) -> None:
    """Take the schema back to ``revision`` (for a rollback of aatd; 0006 decrypts the TOTP secrets)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["totp_keys"] = tuple(totp_keys)
        command.downgrade(config, revision)


def has_users(engine: Engine) -> bool:
    """Whether any user exists (false on a fresh database)."""
    if not inspect(engine).has_table("users"):
        return False
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT 1 FROM users LIMIT 1").first() is not None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success and rolled back on any error (edits are all-or-nothing)."""
    with factory() as session, session.begin():
        yield session


def postgres_app_role_grants(app_role: str) -> list[str]:
    """SQL the table owner runs after each migration so that ``app_role`` (the role ``aatd serve``
    connects as) can use the workspace but can never rewrite the audit log.

    The owner role runs migrations; the app role gets SELECT/INSERT/UPDATE/DELETE on the tables,
    but only SELECT and INSERT on ``audit_events`` (no UPDATE, DELETE or TRUNCATE) and SELECT on
    ``alembic_version``. Not being the owner, it cannot ALTER the table, disable or drop its
    triggers, or TRUNCATE it.
    """
    if not app_role.replace("_", "").isalnum() or not app_role[:1].isalpha() or len(app_role) > 63:
        from aatd.errors import InputError

        raise InputError("app_role", app_role, "a PostgreSQL role name of letters, digits and underscores")
    role = f'"{app_role}"'
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]


def grant_app_role(engine: Engine, app_role: str) -> None:
    """Run :func:`postgres_app_role_grants` as the connected (owner) role."""
    if engine.dialect.name != "postgresql":
        from aatd.errors import InputError

        raise InputError("database", engine.dialect.name, "a PostgreSQL database (SQLite has no roles)")
    with engine.begin() as connection:
        for statement in postgres_app_role_grants(app_role):
            connection.exec_driver_sql(statement)


def before_slow_work(session: Session) -> None:
    """End the current transaction before work that needs no database (an engine, a PDF, a
    password hash): on SQLite a transaction holds the write lock, so every other request would
    wait for that work. Loaded objects stay usable (sessions do not expire them on commit)."""
    session.commit()
