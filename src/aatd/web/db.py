"""Database engine, sessions and programmatic migrations.

SQLite (default) runs in WAL mode with foreign keys on; PostgreSQL through psycopg 3.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, make_url
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


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get WAL mode, foreign keys and a busy timeout.

    Bound parameters (patient labels, notes, emails) never appear in error messages or logs.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    _private_sqlite_file(url)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

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
