"""Clinical vignettes (tests/data/vignettes.csv): each row's expected answer, with its source and the
guideline sentence that fixes it (written from the sentences before the engine was run; issue 12)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from aatd.clinic.interpretation import describe_interpretation
from aatd.clinic.who_to_test import describe_should_test
from aatd.errors import InputError
from aatd.knowledge import knowledge, split_sources

with (Path(__file__).parents[1] / "data" / "vignettes.csv").open(encoding="utf-8", newline="") as _handle:
    VIGNETTES = list(csv.DictReader(_handle))
INTERPRET = [v for v in VIGNETTES if v["kind"] == "interpret"]
REFUSED = [v for v in VIGNETTES if v["kind"] == "interpret_error"]
SHOULD_TEST = [v for v in VIGNETTES if v["kind"] == "should_test"]
GUIDELINES = ("ats_ers2003", "cts2012", "a1f2016", "ers2017", "gold2023")


def _opt(text: str) -> str | None:
    return text or None


def _bool(text: str) -> bool | None:
    return {"true": True, "false": False, "": None}[text]


def _run(v: dict[str, str]) -> dict[str, object]:
    return describe_interpretation(
        level=_opt(v["level"]), unit=_opt(v["unit"]), method=_opt(v["method"]), crp=_opt(v["crp"]),
        phenotype=_opt(v["phenotype"]), genotype=_opt(v["genotype"]), panel=_opt(v["panel"]),
        fev1_pct=_opt(v["fev1_pct"]), smoking=_opt(v["smoking"]), on_augmentation=v["on_augmentation"] == "true",
        emphysema=_bool(v["emphysema"]), lung_disease=_bool(v["lung_disease"]),
        panniculitis=_bool(v["panniculitis"]), age=_opt(v["age"]), pregnant=v["pregnant"] == "true",
    )


def _expected_eligibility(text: str) -> dict[str, str]:
    pairs = dict(pair.split("=") for pair in split_sources(text))
    if "*" in pairs:
        return dict.fromkeys(GUIDELINES, pairs.pop("*")) | pairs
    return pairs


def test_vignettes__at_least_120_cases_covering_every_category_and_severity() -> None:
    assert len(VIGNETTES) >= 120
    counts = Counter(v["category"] for v in VIGNETTES)
    assert set(counts) >= {"legacy", "level_semantics", "level_model", "eligibility", "age_pregnancy",
                           "plausibility", "threshold_method", "discordance", "who_to_test"}
    assert {v["expected_severity"] for v in INTERPRET} >= {"normal", "intermediate", "severe", "absent",
                                                           "indeterminate"}
    assert {v["expected_consistent"] for v in INTERPRET} == {"true", "false", ""}
    assert {v["unit"] for v in INTERPRET} >= {"mg/dL", "g/L", "umol/L"}
    assert {v["method"] for v in INTERPRET} >= {"nephelometry", "RID", "immunoturbidimetry"}


@pytest.mark.parametrize("v", VIGNETTES, ids=lambda v: v["id"])
def test_vignettes__every_source_resolves(v: dict[str, str]) -> None:
    assert v["source"] and v["guideline_sentence"], "each case names its source and the sentence that fixes it"
    for source_id in split_sources(v["source"]):
        assert source_id in knowledge().sources


@pytest.mark.parametrize("v", INTERPRET, ids=lambda v: v["id"])
def test_describe_interpretation__vignette(v: dict[str, str]) -> None:
    result = _run(v)
    if v["expected_severity"]:
        assert result["severity"] == v["expected_severity"], result["explanation"]
    if v["expected_consistent"]:
        assert result["consistent"] == _bool(v["expected_consistent"]), result["explanation"]
    steps = result["next_steps"]
    assert isinstance(steps, list)
    for code in split_sources(v["expected_next_steps"]):
        assert code in steps, (code, steps)
    for code in split_sources(v["absent_next_steps"]):
        assert code not in steps, (code, steps)
    if v["expected_top_cause"]:
        causes = result["discordance_causes"]
        assert isinstance(causes, list) and causes[0]["code"] == v["expected_top_cause"]
    decisions = {e["guideline"]: e["decision"] for e in result["eligibility"]}  # type: ignore[attr-defined]
    for guideline, expected in _expected_eligibility(v["expected_eligibility"]).items():
        assert decisions[guideline] == expected, (guideline, decisions)
    if v["expected_text"]:
        texts = " ".join(e["text"] for e in result["explanation"]) + " " + " ".join(  # type: ignore[attr-defined]
            result["assumptions"])  # type: ignore[arg-type]
        assert v["expected_text"].lower() in texts.lower()


@pytest.mark.parametrize("v", REFUSED, ids=lambda v: v["id"])
def test_describe_interpretation__vignette_refused(v: dict[str, str]) -> None:
    with pytest.raises(InputError) as info:
        _run(v)
    assert info.value.field == v["expected_error"]


@pytest.mark.parametrize("v", SHOULD_TEST, ids=lambda v: v["id"])
def test_describe_should_test__vignette(v: dict[str, str]) -> None:
    result = describe_should_test(split_sources(v["findings"]), age=float(v["age"]) if v["age"] else None,
                                  pack_years=float(v["pack_years"]) if v["pack_years"] else None)
    verdicts = {g["guideline"]: g["recommendation"] for g in result["guidelines"]}  # type: ignore[attr-defined]
    for pair in split_sources(v["expected_guidelines"]):
        guideline, expected = pair.split("=")
        assert verdicts[guideline] == expected, (guideline, verdicts)
