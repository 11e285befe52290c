"""Stored results -> interpretation inputs: a CRP counts only for the level of its own day (review 2, wave 8)."""

from __future__ import annotations

import datetime as dt

from aatd.web.clinician.answers import interpretation_for, interpretation_inputs
from aatd.web.models import Result


def _level(day: dt.date, mg_dl: float) -> Result:
    return Result(kind="level", taken_on=day, value=mg_dl, below=False, unit="mg/dL", method="nephelometry")


def _crp(day: dt.date, mg_l: float) -> Result:
    return Result(kind="crp", taken_on=day, value=mg_l, below=False)


OLD, NEW = dt.date(2020, 3, 1), dt.date(2024, 6, 1)


def test_inputs__a_crp_of_the_same_day_goes_with_the_level() -> None:
    inputs = interpretation_inputs([_level(OLD, 150), _crp(OLD, 60)])
    assert inputs["crp"] == 60 and inputs["level"] == 150


def test_inputs__a_later_normal_crp_is_not_read_as_the_crp_of_an_old_level() -> None:
    # the 2020 level was taken during an infection (CRP 60); the 2024 CRP is normal, with no new level
    results = [_level(OLD, 150), _crp(OLD, 60), _crp(NEW, 2)]
    inputs = interpretation_inputs(results)
    assert inputs["crp"] == 60
    answer = interpretation_for(results)
    assert answer is not None and answer["answer"] is not None
    assert answer["answer"]["inflamed"] is True


def test_inputs__a_crp_of_another_day_is_left_out() -> None:
    results = [_crp(OLD, 60), _level(NEW, 150)]
    assert "crp" not in interpretation_inputs(results)
    answer = interpretation_for(results)
    assert answer is not None and answer["answer"] is not None
    assert answer["answer"]["inflamed"] is None
    assert any("No CRP was given" in s["text"] for s in answer["answer"]["explanation"])


def test_inputs__the_last_crp_of_the_levels_day_counts() -> None:
    assert interpretation_inputs([_crp(NEW, 2), _crp(NEW, 30), _level(NEW, 150)])["crp"] == 30


def test_interpretation_for__says_why_a_crp_of_another_day_is_not_used() -> None:
    answer = interpretation_for([_crp(OLD, 60), _level(NEW, 150)])
    assert answer is not None and answer["note"] is not None
    assert "no CRP was taken on the day of the level (2024-06-01)" in answer["note"]
    same_day = interpretation_for([_level(NEW, 150), _crp(NEW, 60)])
    assert same_day is not None and same_day["note"] is None
