"""Database engine, sessions and programmatic migrations.

SQLite (default) runs in WAL mode with foreign keys on; PostgreSQL through psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


BUSY_TIMEOUT_S = 5.0
"""How long a SQLite writer waits for the write lock before the request fails with 503.

Shorter than :data:`aatd.web.budget.REQUEST_BUDGET_S` (the time budget of one request), so a
request never waits on the database past its own deadline; every write transaction is
short (milliseconds), so 5 s means hundreds of writers queued ahead."""

POOL_SIZE, POOL_OVERFLOW = 10, 40
"""Connections kept and allowed on top: 50 is more than the 40 worker threads that run routes,
so a route never waits for a connection (a transaction holds one only while it runs)."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``.

    SQLite connections get WAL mode, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``
    for every transaction: a transaction takes the write lock when it starts, so a reader
    that later writes (an audited read) can never fail halfway on a stale snapshot, and
    waiting happens at the start, in the busy handler, not at commit.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                           connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S,
                                         "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates the tables on first run)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


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
