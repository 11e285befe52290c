"""``aatd user create``, the first-run behaviour of the data directory, and ``aatd result correct|retract``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.web.db import has_users, make_engine
from web.conftest import World, sqlite_world  # noqa: F401 - fixture


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


def _aatd(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``aatd`` as from a shell (one line on stderr and exit 2 for a user's error)."""
    from aatd.cli import main

    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _level_result(world: World) -> tuple[dict[str, str], int, int]:
    """doc@a.org's headers, and a patient with one level result (95 mg/dL), stored through the API."""
    doc = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=doc).json()["id"]
    level = {"kind": "level", "taken_on": "2024-03-01", "value": 95, "unit": "mg/dL", "method": "nephelometry"}
    rid = world.client.post(f"/api/v1/patients/{pid}/results", json=level, headers=doc).json()["id"]
    return doc, int(pid), int(rid)


def test_result_correct_and_retract__same_workspace_layer_as_the_api(
        sqlite_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AATD_DATA_DIR", str(tmp_path / "cli"))
    world, url = sqlite_world, sqlite_world.app.state.settings.database_url
    doc, pid, rid = _level_result(world)
    base = ["--as", "doc@a.org", "--database", url]

    code, out, _ = _aatd(["result", "correct", str(pid), str(rid), "--value", "59", "--reason", "typing error",
                          "--json", *base], capsys)
    assert code == 0
    stored = world.client.get(f"/api/v1/patients/{pid}/results", headers=doc).json()
    def values(rows: list[dict[str, object]]) -> list[dict[str, object]]:  # SQLite returns times without a zone
        return [{k: v for k, v in row.items() if not k.endswith("_at")} for row in rows]

    assert values(json.loads(out)) == values(stored) and stored[0]["value"] == 59
    assert json.loads(out)[0]["updated_at"] is not None and stored[0]["updated_at"] is not None
    events = [e for e in world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
              if e["action"] == "correct"]
    assert events[0]["actor"] == "doc@a.org" and events[0]["detail"]["reason"] == "typing error"
    assert "95" in json.dumps(events[0]["detail"])  # the old value is kept

    code, out, _ = _aatd(["result", "retract", str(pid), str(rid), "--reason", "sample mix-up", *base], capsys)
    assert code == 0 and "RETRACTED: sample mix-up" in out
    assert world.client.get(f"/api/v1/patients/{pid}/results", headers=doc).json()[0]["retraction_reason"] \
        == "sample mix-up"
    code, out, _ = _aatd(["result", "list", str(pid), *base], capsys)
    assert code == 0 and out.startswith(f"{rid}\t2024-03-01\t") and "59 mg/dL" in out and "RETRACTED" in out

    refused = [
        (["result", "retract", str(pid), str(rid), "--reason", "again", *base], "already retracted"),
        (["result", "correct", str(pid), str(rid), "--value", "60", "--reason", "x", *base], "reason"),
        (["result", "retract", str(pid), str(rid), "--reason", "not mine", "--as", "doc@b.org", "--database", url],
         "not found"),
    ]
    for argv, words in refused:
        code, out, err = _aatd(argv, capsys)
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_result_correct__hostile_values_are_one_line_or_success(
        sqlite_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    from web.test_hostile_inputs import TEXT_VALUES

    monkeypatch.setenv("AATD_DATA_DIR", str(tmp_path / "cli"))
    world, url = sqlite_world, sqlite_world.app.state.settings.database_url
    doc, pid, rid = _level_result(world)
    outcomes = set()
    for option in ("--value", "--unit", "--method", "--note", "--taken-on", "--reason"):
        for name, value in TEXT_VALUES.items():
            if name == "nul":
                continue  # a NUL cannot be in a command line
            argv = ["result", "correct", str(pid), str(rid), "--as", "doc@a.org", "--database", url,
                    "--reason", "hostile check", option, value]
            code, _, err = _aatd(argv, capsys)
            outcomes.add(code)
            assert code in (0, 2), (option, name, err)
            assert "Traceback" not in err
            if code == 2:
                assert err.count("\n") == 1 and err.startswith("aatd: error: ") and len(err) < 1000, err
    assert outcomes == {0, 2}
    stored = world.client.get(f"/api/v1/patients/{pid}/results", headers=doc).json()
    assert len(stored) == 1 and stored[0]["kind"] == "level" and stored[0]["unit"] in ("mg/dL", "g/L", "umol/L")
