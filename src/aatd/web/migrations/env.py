"""Alembic environment: uses the connection handed over by :func:`aatd.web.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from aatd.web.models import Base


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if _connection is None:
    raise RuntimeError("run migrations through aatd.web.db.migrate")
_run(_connection)
