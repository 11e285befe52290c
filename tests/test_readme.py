"""The newcomer path works as written: every `aatd ...` command shown in the README runs and succeeds."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aatd.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """Commands in console blocks (``$ aatd ...``) and in the "Try" column (backticked ``aatd ...``)."""
    found = re.findall(r"^\$ (aatd .+)$", README, flags=re.M)
    table = README[README.index("## What it does"):README.index("## Commands")]
    found += re.findall(r"`(aatd [^`]+)`", table)
    return list(dict.fromkeys(found))


def test_readme__shows_commands() -> None:
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", readme_commands())
def test_readme__command_runs_as_shown(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{command}: {result.output}"
    assert result.output.strip()


def test_readme__example_files_exist() -> None:
    for name in re.findall(r"(examples/[\w./-]+)", README):
        assert (ROOT / name.rstrip(".")).is_file(), name


def test_make_run__takes_port_and_host() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--port $(PORT)" in makefile and "--host $(HOST)" in makefile
