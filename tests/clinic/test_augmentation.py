"""Augmentation eligibility: the criteria table against a second, independent reading of the guideline
sentences (double entry; the reading is tests/data/augmentation_second_reading.csv, with sentence ids from
docs/interpretation.md), and the decision rules on hand-built facts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.clinic.augmentation import ClinicalFacts, LevelEvidence, Smoking, augmentation_eligibility
from aatd.clinic.guidelines import guideline_tables
from aatd.clinic.interpretation import describe_interpretation

SECOND_READING = Path(__file__).parents[1] / "data" / "augmentation_second_reading.csv"
KEY = ("guideline", "indication", "criterion", "operator", "value", "if_unmet")


def _second_reading() -> set[tuple[str, ...]]:
    with SECOND_READING.open(encoding="utf-8", newline="") as handle:
        return {tuple(row[k] for k in KEY) for row in csv.DictReader(handle)}


def test_augmentation_criteria__agree_with_the_second_reading() -> None:
    table = {(c.guideline, c.indication, c.criterion, c.operator, c.value, c.if_unmet)
             for c in guideline_tables().augmentation}
    assert table == _second_reading()


def test_augmentation_criteria__every_row_quotes_its_sentence_and_every_guideline_excludes_heterozygotes() -> None:
    rows = guideline_tables().augmentation
    assert all(c.sentence for c in rows)
    for guideline in {c.guideline for c in rows}:
        for indication in {c.indication for c in rows if c.guideline == guideline}:
            criteria = {c.criterion for c in rows if c.guideline == guideline and c.indication == indication}
            assert {"genotype_class", "level_umol_l", "age_years"} <= criteria, (guideline, indication)


ZZ = LevelEvidence(measured_umol_l=4.0, genotype="ZZ", genotype_p5_umol_l=2.1, genotype_p95_umol_l=6.3)


def _decisions(**kwargs: object) -> dict[str, str]:
    facts = ClinicalFacts(**{"level": ZZ, "genotype_class": "no_normal_allele", "fev1_pct": 50.0,  # type: ignore[arg-type]
                             "smoking": Smoking.NEVER, "emphysema": True, "lung_disease": True, "age_years": 50.0,
                             **kwargs})
    return {v.guideline: v.decision for v in augmentation_eligibility(facts)}


def test_eligibility__all_criteria_met_is_consider_everywhere() -> None:
    assert set(_decisions().values()) == {"consider"}


@pytest.mark.parametrize(("fev1", "a1f", "lung"), [(66.0, "discuss", True), (66.0, "not_indicated", False),
                                                    (65.0, "consider", True)])
def test_eligibility__a1f_discussion_above_65_percent_needs_lung_disease(fev1: float, a1f: str, lung: bool) -> None:
    assert _decisions(fev1_pct=fev1, lung_disease=lung)["a1f2016"] == a1f


def test_eligibility__a_discordance_holds_every_eligible_verdict() -> None:
    assert set(_decisions(concordant=False).values()) == {"undetermined"}


def test_eligibility__a_censored_result_below_the_threshold_meets_the_level_row() -> None:
    censored = LevelEvidence(measured_umol_l=3.85, censored=True)
    assert set(_decisions(level=censored).values()) == {"consider"}


def test_eligibility__a_censored_result_above_the_threshold_falls_back_on_the_genotype() -> None:
    censored = LevelEvidence(measured_umol_l=20.0, censored=True, genotype="SZ", genotype_p5_umol_l=7.0,
                             genotype_p95_umol_l=17.2)
    assert set(_decisions(level=censored).values()) == {"undetermined"}


def test_eligibility__panniculitis_is_an_a1f_indication_only() -> None:
    decisions = _decisions(panniculitis=True, lung_disease=False, emphysema=False, fev1_pct=95.0)
    assert decisions.pop("a1f2016") == "consider"
    assert set(decisions.values()) == {"not_indicated"}


def test_interpretation__a_stated_pregnancy_is_the_first_cause_of_a_high_level() -> None:
    from aatd.clinic.interpretation import describe_interpretation

    result = describe_interpretation(level=120, unit="mg/dL", genotype="ZZ", crp=1, pregnant=True)
    assert result["consistent"] is False
    assert result["discordance_causes"][0]["code"] == "pregnancy_or_oestrogen"  # type: ignore[index]
    assert {e["decision"] for e in result["eligibility"]} == {"not_indicated"}  # type: ignore[attr-defined]


# --- review 2 (wave 8): a level raised by inflammation is not read as 'not indicated' when, well, it may qualify ----


def test_eligibility__a_level_above_the_threshold_with_a_raised_crp_that_may_be_below_it_when_well_is_undetermined(
        ) -> None:
    facts = {"genotype": "SZ", "fev1_pct": 50, "smoking": "former", "age": 50, "lung_disease": True,
             "emphysema": True}
    inflamed = describe_interpretation(level="12", unit="umol/L", crp=20, **facts)
    assert {e["decision"] for e in inflamed["eligibility"]} == {"undetermined"}
    assert all(any("measured when well" in m for m in e["missing"]) for e in inflamed["eligibility"])
    assert "repeat_level_without_inflammation" in inflamed["next_steps"]
    well = describe_interpretation(level="12", unit="umol/L", crp=1, **facts)  # same level, CRP normal
    assert {e["decision"] for e in well["eligibility"]} == {"not_indicated"}
    far = describe_interpretation(level="14", unit="umol/L", crp=20, **facts)  # 14 / 1.22 is still above 11
    assert {e["decision"] for e in far["eligibility"]} == {"not_indicated"}


@settings(max_examples=60)
@given(umol=st.floats(11.0, 40.0), crp=st.floats(0.0, 100.0), genotype=st.sampled_from(["SZ", "ZZ", "MZ", "SS"]))
def test_eligibility__a_measured_level_at_or_above_the_threshold_is_never_eligible_even_with_inflammation(
        umol: float, crp: float, genotype: str) -> None:
    answer = describe_interpretation(level=f"{umol:.3f}", unit="umol/L", crp=crp, genotype=genotype, fev1_pct=50,
                                     smoking="former", age=50, lung_disease=True, emphysema=True)
    strictly = [e for e in answer["eligibility"] if umol > 11 or e["guideline"] != "cts2012"]  # CTS reads <= 11
    assert not any(e["decision"] in ("consider", "discuss") for e in strictly)
