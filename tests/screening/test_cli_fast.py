"""``aatd screen`` without Typer: the same files, output and errors as through Typer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aatd.cli import _common, app
from aatd.cli.screening import fast_screen

from .conftest import Cohort


def test_fast_path_writes_what_typer_writes(cohort: Cohort, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fast, slow = tmp_path / "fast.tsv", tmp_path / "slow.tsv"
    assert fast_screen([str(cohort.bcf), "--out", str(fast), "--json"])
    fast_json = json.loads(capsys.readouterr().out)
    _common.run(app, ["screen", str(cohort.bcf), "--out", str(slow), "--json"])
    slow_json = json.loads(capsys.readouterr().out)
    assert fast.read_text() == slow.read_text()
    for data in (fast_json, slow_json):
        data.pop("provenance")
    assert fast_json == slow_json


@pytest.mark.parametrize("args", [["--help"], ["x.bcf", "--frobnicate"], ["x.bcf", "--workers", "two"], []])
def test_anything_unusual_is_left_to_typer(args: list[str]) -> None:
    assert fast_screen(args) is False


def test_user_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        fast_screen([str(tmp_path / "missing.bcf")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aatd: error: file:")
