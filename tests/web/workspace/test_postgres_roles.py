"""The documented PostgreSQL set-up: an owner role migrates, the app role cannot rewrite the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.web.app import create_app
from aatd.web.db import transaction
from aatd.web.workspace import accounts, audit
from web.conftest import PASSWORD, make_settings

OWNER, APP = "aatd_owner_test", "aatd_app_test"


def _role_url(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


@pytest.fixture
def roles(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A fresh public schema owned by OWNER, and an APP login role; yields (owner URL, app URL)."""
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        for role in (OWNER, APP):
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
                conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"ALTER SCHEMA public OWNER TO {OWNER}"))
    yield _role_url(postgres_url, OWNER), _role_url(postgres_url, APP)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        conn.execute(text(f"DROP OWNED BY {APP}"))
    admin.dispose()


def _denied(conn: Connection, statement: str) -> str:
    with pytest.raises(Exception) as caught, conn.begin():
        conn.execute(text(statement))
    return str(caught.value)


def test_app_role__uses_the_workspace_but_cannot_rewrite_the_audit_log(roles: tuple[str, str],
                                                                       tmp_path: Path) -> None:
    owner_url, app_url = roles
    done = CliRunner().invoke(cli_app, ["db", "grant", "--app-role", APP, "--database", owner_url])
    assert done.exit_code == 0, done.output
    app = create_app(make_settings(tmp_path, app_url))  # its migrate() is a no-op at the head revision
    with transaction(app.state.sessions) as db:
        org = accounts.organisation(db, "Clinic A", create=True)
        accounts.create_user(db, org, "admin@a.org", PASSWORD, "admin")
    engine: Engine = app.state.engine
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == APP
        conn.rollback()
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER USER",
                          "DROP TRIGGER audit_events_chain ON audit_events", "DROP TABLE audit_events",
                          "UPDATE alembic_version SET version_num = '0001'"):
            message = _denied(conn, statement)
            assert "permission denied" in message or "must be owner" in message, (statement, message)
    with transaction(app.state.sessions) as db:
        report = audit.verify(db)
    assert report.ok and report.events == 1
    engine.dispose()
