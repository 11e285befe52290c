"""Clinical vignettes (tests/data/vignettes.csv): each row's expected answer, with its source."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aatd.clinic.interpretation import describe_interpretation
from aatd.clinic.who_to_test import describe_should_test
from aatd.knowledge import knowledge, split_sources

with (Path(__file__).parents[1] / "data" / "vignettes.csv").open(encoding="utf-8", newline="") as _handle:
    VIGNETTES = list(csv.DictReader(_handle))
INTERPRET = [v for v in VIGNETTES if v["kind"] == "interpret"]
SHOULD_TEST = [v for v in VIGNETTES if v["kind"] == "should_test"]


def _opt(text: str) -> str | None:
    return text or None


def _bool(text: str) -> bool | None:
    return {"true": True, "false": False, "": None}[text]


def _run(v: dict[str, str]) -> dict[str, object]:
    return describe_interpretation(
        level=_opt(v["level"]), unit=_opt(v["unit"]), method=_opt(v["method"]), crp=_opt(v["crp"]),
        phenotype=_opt(v["phenotype"]), genotype=_opt(v["genotype"]), panel=_opt(v["panel"]),
        fev1_pct=_opt(v["fev1_pct"]), smoking=_opt(v["smoking"]), on_augmentation=v["on_augmentation"] == "true",
        emphysema=_bool(v["emphysema"]),
    )


def test_vignettes__cover_at_least_forty_cases_and_every_severity() -> None:
    assert len(VIGNETTES) >= 40
    assert {v["expected_severity"] for v in INTERPRET} >= {"normal", "intermediate", "severe", "absent",
                                                           "indeterminate"}
    assert {v["expected_consistent"] for v in INTERPRET} == {"true", "false", ""}
    assert {v["unit"] for v in INTERPRET} >= {"mg/dL", "g/L", "umol/L"}
    assert {v["method"] for v in INTERPRET} >= {"nephelometry", "RID"}


@pytest.mark.parametrize("v", VIGNETTES, ids=lambda v: v["id"])
def test_vignettes__every_source_resolves(v: dict[str, str]) -> None:
    assert v["source"]
    for source_id in split_sources(v["source"]):
        assert source_id in knowledge().sources


@pytest.mark.parametrize("v", INTERPRET, ids=lambda v: v["id"])
def test_describe_interpretation__vignette(v: dict[str, str]) -> None:
    result = _run(v)
    assert result["severity"] == v["expected_severity"], result["explanation"]
    assert result["consistent"] == _bool(v["expected_consistent"])
    steps = result["next_steps"]
    assert isinstance(steps, list)
    for code in split_sources(v["expected_next_steps"]):
        assert code in steps, (code, steps)
    for code in split_sources(v["absent_next_steps"]):
        assert code not in steps, (code, steps)
    if v["expected_top_cause"]:
        causes = result["discordance_causes"]
        assert isinstance(causes, list) and causes[0]["code"] == v["expected_top_cause"]


@pytest.mark.parametrize("v", SHOULD_TEST, ids=lambda v: v["id"])
def test_describe_should_test__vignette(v: dict[str, str]) -> None:
    result = describe_should_test(split_sources(v["findings"]), age=float(v["age"]) if v["age"] else None,
                                  pack_years=float(v["pack_years"]) if v["pack_years"] else None)
    verdicts = {g["guideline"]: g["recommendation"] for g in result["guidelines"]}  # type: ignore[attr-defined]
    for pair in split_sources(v["expected_guidelines"]):
        guideline, expected = pair.split("=")
        assert verdicts[guideline] == expected, (guideline, verdicts)
