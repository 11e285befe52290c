"""Database setup: migrations match the models, SQLite pragmas, first-run detection."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aatd.web.db import has_users, make_engine, migrate
from aatd.web.models import Base
from web.conftest import World


def test_migrate__schema_matches_models_and_reruns_cleanly(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert not has_users(engine)
    migrate(engine)
    migrate(engine)  # a second start is a no-op
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert not has_users(engine)
    engine.dispose()


def test_make_engine__sqlite_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_migrate__schema_matches_models_on_each_database(world: World) -> None:
    with world.app.state.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert has_users(world.app.state.engine)
