"""Fixtures of the web tests: apps on real SQLite and PostgreSQL databases, users in two organisations."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from aatd.web.app import create_app
from aatd.web.db import transaction
from aatd.web.settings import Settings
from aatd.web.workspace import accounts
from web.pg import pg_bin, postgres_cluster

PASSWORD = "correct horse battery staple"
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database on loopback, started for this test session."""
    if pg_bin() is None:
        pytest.skip("no PostgreSQL binaries (initdb) found: install Debian's postgresql to run these tests")
    with postgres_cluster() as url:
        yield url


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each API test runs on a fresh SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'aatd.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


def make_settings(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    """Local settings with a throwaway secret."""
    values: dict[str, Any] = {"data_dir": tmp_path, "database_url": url, "secret_key": "test-" + "x" * 40}
    return Settings(**(values | overrides))


@dataclass
class World:
    """An app with two organisations: ``admin`` and ``clinician`` in A, ``other`` in B."""

    app: FastAPI
    client: TestClient

    def token(self, email: str) -> dict[str, str]:
        """Headers with a bearer token of ``email``."""
        response = self.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def login(self, email: str) -> TestClient:
        """A separate browser-like client logged in as ``email``."""
        client = TestClient(self.app)
        page = client.get("/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return client


def seed_users(app: FastAPI) -> None:
    """Two organisations and three users."""
    with transaction(app.state.sessions) as db:
        org_a = accounts.organisation(db, "Clinic A", create=True)
        org_b = accounts.organisation(db, "Clinic B", create=True)
        accounts.create_user(db, org_a, "admin@a.org", PASSWORD, "admin")
        accounts.create_user(db, org_a, "doc@a.org", PASSWORD, "clinician")
        accounts.create_user(db, org_b, "doc@b.org", PASSWORD, "clinician")


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    """A migrated app with seeded users, on SQLite and on PostgreSQL."""
    app = create_app(make_settings(tmp_path, database_url))
    seed_users(app)
    with TestClient(app) as client:
        yield World(app, client)
    app.state.engine.dispose()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    """The same on SQLite only (for page tests)."""
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'aatd.sqlite3'}"))
    seed_users(app)
    with TestClient(app) as client:
        yield World(app, client)
    app.state.engine.dispose()
