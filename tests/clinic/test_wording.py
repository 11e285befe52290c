"""The wording of an interpretation: every patient sentence is true of the values entered (review 2, wave 8)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.clinic.guidelines import guideline_tables
from aatd.clinic.interpretation import describe_interpretation

REPEAT = "repeat_level_without_inflammation"
FIGHTING = "Your body was fighting an illness"


def _step(answer: dict[str, object], code: str) -> dict[str, object]:
    steps = answer["next_step_details"]
    assert isinstance(steps, list)
    return next(s for s in steps if s["code"] == code)


def test_repeat_without_inflammation__without_a_crp_does_not_say_the_body_was_fighting_an_illness() -> None:
    # ZZ with 10.9 umol/L: higher than ZZ's range, no CRP given -> inflammation is the first cause
    answer = describe_interpretation(level="10.9", unit="umol/L", genotype="ZZ")
    assert REPEAT in answer["next_steps"] and answer["inflamed"] is None
    no_crp = guideline_tables().messages["repeat_level_no_crp"].text
    assert _step(dict(answer), REPEAT)["patient_text"] == no_crp
    assert no_crp in answer["patient_explanation"]
    assert not any(FIGHTING in text for text in answer["patient_explanation"])


def test_repeat_without_inflammation__with_a_raised_crp_keeps_the_steps_own_text() -> None:
    answer = describe_interpretation(level="150", unit="mg/dL", crp=50)
    assert REPEAT in answer["next_steps"] and answer["inflamed"] is True
    own = guideline_tables().next_steps[REPEAT].patient_text
    assert _step(dict(answer), REPEAT)["patient_text"] == own
    assert own in answer["patient_explanation"]


@settings(max_examples=60)
@given(umol=st.floats(0.5, 60.0), genotype=st.sampled_from([None, "MM", "MS", "MZ", "SS", "SZ", "ZZ"]),
       crp=st.one_of(st.none(), st.floats(0.0, 4.9)), pregnant=st.booleans())
def test_patient_text__never_says_the_body_fought_an_illness_unless_the_crp_is_raised(
        umol: float, genotype: str | None, crp: float | None, pregnant: bool) -> None:
    answer = describe_interpretation(level=f"{umol:.2f}", unit="umol/L", genotype=genotype, crp=crp,
                                     pregnant=pregnant)
    assert answer["inflamed"] is not True
    texts = [*answer["patient_explanation"], *(s["patient_text"] for s in answer["next_step_details"])]
    assert not any(FIGHTING in text for text in texts), texts


def test_measured_class__is_in_the_answer_and_is_the_class_of_the_level_alone() -> None:
    zz_normal = describe_interpretation(level="150", unit="mg/dL", genotype="ZZ", crp=2)
    assert zz_normal["severity"] == "severe" and zz_normal["measured_class"] == "normal"
    assert describe_interpretation(genotype="ZZ")["measured_class"] is None
    assert describe_interpretation(level="<20", unit="mg/dL")["measured_class"] is None


@settings(max_examples=40)
@given(umol=st.floats(0.5, 60.0), genotype=st.sampled_from(["MZ", "SZ", "ZZ", "MM"]),
       crp=st.one_of(st.none(), st.floats(0.0, 80.0)), panel=st.sampled_from(["sz", "alphaid_14"]))
def test_explanation__cause_statements_are_punctuated_once(umol: float, genotype: str, crp: float | None,
                                                           panel: str) -> None:
    answer = describe_interpretation(level=f"{umol:.2f}", unit="umol/L", genotype=genotype, crp=crp, panel=panel)
    for statement in answer["explanation"]:
        text = statement["text"]
        assert ".;" not in text and ".." not in text and ". (probability" not in text, text


def test_threshold__the_same_level_in_three_units_gets_the_same_decisions() -> None:
    facts = {"genotype": "SZ", "fev1_pct": 50, "smoking": "former", "age": 50, "lung_disease": True,
             "emphysema": True, "crp": 1, "method": "nephelometry"}
    answers = [describe_interpretation(level=v, unit=u, **facts) for v, u in (("57.2", "mg/dL"), ("0.572", "g/L"),
                                                                             ("11", "umol/L"))]
    decisions = [{e["guideline"]: e["decision"] for e in a["eligibility"]} for a in answers]
    assert decisions[0] == decisions[1] == decisions[2]
    assert decisions[0]["ats_ers2003"] == "not_indicated" and decisions[0]["cts2012"] == "consider"  # < 11 vs <= 11


@settings(max_examples=60)
@given(hundredths=st.integers(1000, 1200), unit=st.sampled_from(["umol/L", "mg/dL"]))
def test_level_sentences__print_the_level_on_its_true_side_of_the_threshold(hundredths: int, unit: str) -> None:
    umol = hundredths / 100
    value = f"{umol:.2f}" if unit == "umol/L" else f"{umol * 5.2:.2f}"
    answer = describe_interpretation(level=value, unit=unit, method="nephelometry", genotype="SZ", crp=1)
    true_umol = answer["level_umol_l"]
    assert true_umol is not None
    for statement in answer["explanation"]:
        pattern = r"(\d+(?:\.\d+)?) µmol/L is (below|at or above) the 11 µmol/L"
        for printed, side in re.findall(pattern, statement["text"]):
            assert (float(printed) < 11) == (side == "below"), statement["text"]
    for verdict in answer["eligibility"]:
        for criterion in verdict["criteria"]:
            found = re.match(r"measured (\d+(?:\.\d+)?) µmol/L is (not )?(<|<=) 11", criterion["detail"])
            if found:
                printed, negated, symbol = float(found[1]), bool(found[2]), found[3]
                holds = printed < 11 if symbol == "<" else printed <= 11
                assert holds != negated, criterion["detail"]


def test_level_sentence__above_the_highest_published_mm_limit_is_not_the_usual_range() -> None:
    usual = guideline_tables().messages["level_normal"].text
    high = guideline_tables().messages["level_high"].text
    # in mg/dL (53.1 umol/L entered in umol/L is flagged 'check the unit' first): 275 -> 52.9, 277 -> 53.3 umol/L
    at_limit = describe_interpretation(level="275", unit="mg/dL", crp=1)["patient_explanation"]
    above = describe_interpretation(level="277", unit="mg/dL", crp=1)["patient_explanation"]
    assert usual in at_limit and high not in at_limit
    assert high in above and usual not in above
