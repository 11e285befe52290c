"""``aatd user create`` and the first-run behaviour of the data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.web.db import has_users, make_engine


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "var"
    monkeypatch.setenv("AATD_DATA_DIR", str(directory))
    monkeypatch.delenv("AATD_DATABASE_URL", raising=False)
    return directory


def test_user_create__first_admin_with_generated_password(data_dir: Path) -> None:
    result = CliRunner().invoke(cli_app, ["user", "create", "--org", "Clinic", "--email", "Me@Example.org", "--admin"])
    assert result.exit_code == 0, result.output
    assert "created admin me@example.org" in result.stdout and "password (shown once" in result.stdout
    assert (data_dir / "aatd.sqlite3").exists() and (data_dir / "secret_key").exists()
    assert has_users(make_engine(f"sqlite:///{data_dir / 'aatd.sqlite3'}"))


def test_user_create__password_from_stdin_not_printed(data_dir: Path) -> None:
    result = CliRunner().invoke(cli_app, ["user", "create", "--org", "Clinic", "--email", "a@b.org",
                                          "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0 and "a long enough password" not in result.stdout


def test_user_create__short_password_and_duplicate_refused(data_dir: Path) -> None:
    short = CliRunner().invoke(cli_app, ["user", "create", "--org", "C", "--email", "a@b.org", "--password-stdin"],
                               input="short\n")
    assert short.exit_code != 0 and isinstance(short.exception, Exception)
    assert "at least 12 characters" in str(short.exception)
    args = ["user", "create", "--org", "C", "--email", "a@b.org"]
    assert CliRunner().invoke(cli_app, args).exit_code == 0
    again = CliRunner().invoke(cli_app, args)
    assert again.exit_code == 2 and "already exists" in again.output


def test_serve__refuses_public_host_outside_production(data_dir: Path) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "AATD_ENV=production" in result.output
