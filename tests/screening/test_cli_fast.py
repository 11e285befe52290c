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


def test_fast_parser_has_exactly_the_options_of_the_typer_command() -> None:
    import argparse

    import typer.main

    from aatd.cli.screening import fast_parser

    command = typer.main.get_command(app).commands["screen"]  # type: ignore[attr-defined]
    typer_options = {
        param.name: (tuple(sorted(param.opts)), param.default, getattr(param, "is_flag", False))
        for param in command.params
        if param.param_type_name == "option"
    }
    fast_options = {
        action.dest: (tuple(sorted(action.option_strings)), action.default,
                      isinstance(action, argparse._StoreTrueAction))
        for action in fast_parser()._actions
        if action.option_strings
    }
    assert fast_options == typer_options
    positional = [param.name for param in command.params if param.param_type_name == "argument"]
    assert positional == [a.dest for a in fast_parser()._actions if not a.option_strings]


@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("4", "4")])
def test_screen__single_threaded_blas_unless_the_user_chose(
        monkeypatch: pytest.MonkeyPatch, preset: str | None, expected: str) -> None:
    import os

    import aatd.cli.screen_fast as screen_fast
    from aatd.cli import main

    seen: list[str | None] = []
    if preset is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", preset)
    monkeypatch.setattr(screen_fast, "fast_screen",
                        lambda args: seen.append(os.environ.get("OPENBLAS_NUM_THREADS")) or True)
    main(["screen", "cohort.bcf"])
    assert seen == [expected]
