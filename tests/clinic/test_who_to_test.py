"""Who should be tested: guideline rows evaluated as data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from aatd.cli import app
from aatd.clinic.guidelines import RECOMMENDATION_LEVELS, guideline_tables
from aatd.clinic.who_to_test import (
    NOT_COVERED,
    describe_should_test,
    expand_findings,
    parse_findings,
    should_test,
)
from aatd.errors import InputError

FINDINGS = sorted(guideline_tables().findings)


_ORDER = {"not_indicated": 0.0, NOT_COVERED: 0.5, "suggested": 1.0, "recommended": 2.0}
"""Strength of each answer: "not covered at this age" is above "not indicated" (a finding is present)."""


def _levels(findings: list[str], age: float | None = None) -> dict[str, float]:
    assert set(_ORDER) - {NOT_COVERED} == set(RECOMMENDATION_LEVELS)
    return {v.guideline: _ORDER[v.recommendation] for v in should_test(findings, age=age)}


@given(st.lists(st.sampled_from(FINDINGS), max_size=4), st.sampled_from(FINDINGS),
       st.one_of(st.none(), st.integers(min_value=0, max_value=100)))
def test_should_test__adding_a_finding_never_makes_testing_less_indicated(base: list[str], extra: str,
                                                                          age: int | None) -> None:
    before, after = _levels(base, age), _levels([*base, extra], age)
    assert all(after[g] >= before[g] for g in before)


def test_should_test__every_guideline_in_the_table_answers() -> None:
    answered = {v.guideline for v in should_test(["copd"])}
    assert answered == {g for g, rec in guideline_tables().guidelines.items() if "testing" in rec.scope}


def test_should_test__cts_age_limit_is_pending_without_an_age() -> None:
    cts = next(v for v in should_test(["copd"]) if v.guideline == "cts2012")
    assert cts.recommendation == "not_indicated"
    assert {m for _, m in cts.pending} == {"age", "pack_years"}


def test_should_test__cts_pack_years_boundary_is_exclusive() -> None:
    def cts(pack_years: float) -> str:
        return next(v for v in should_test(["copd"], age=70, pack_years=pack_years)
                    if v.guideline == "cts2012").recommendation
    assert cts(19.9) == "suggested"
    assert cts(20) == "not_indicated"


def test_parse_findings__aliases_fold_case_and_punctuation() -> None:
    assert parse_findings(["Panniculitis", "c-ANCA", "dusty work"]) == {"necrotising_panniculitis", "gpa",
                                                                       "occupational_exposure"}


def test_expand_findings__implications_are_transitive() -> None:
    assert {"asthma", "persistent_obstruction"} <= expand_findings(["asthma_persistent_obstruction"])


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"findings": ["gout"]}, "finding"),
    ({"findings": ["copd"], "age": -1}, "age"),
    ({"findings": ["copd"], "pack_years": float("nan")}, "pack_years"),
])
def test_describe_should_test__bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        describe_should_test(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_describe_should_test__every_trigger_cites_its_source() -> None:
    data = describe_should_test(FINDINGS, age=40, pack_years=5)
    for g in data["guidelines"]:  # type: ignore[attr-defined]
        for rule in g["triggered_by"]:
            assert rule["sources"] and rule["criterion"]
    assert "provenance" in data and data["overall"] == "recommended"


def test_cli_should_test__json_and_error() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["should-test", "--finding", "copd", "--finding", "panniculitis", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["overall"] == "recommended"


# --- adult guidelines and adult criteria: below the bound, "not covered", never "not indicated" ------------

def _recommendations(findings: list[str], age: float | None) -> dict[str, str]:
    return {g["guideline"]: g["recommendation"] for g in describe_should_test(findings, age=age)["guidelines"]}


def test_should_test__a_neonate_with_cholestasis_is_recommended_by_ats_ers_not_by_the_adult_a1f_guideline() -> None:
    answer = describe_should_test(["neonatal_cholestasis"], age=0.1)
    verdicts = {g["guideline"]: g for g in answer["guidelines"]}
    assert answer["overall"] == "recommended"
    assert verdicts["ats_ers2003"]["recommendation"] == "recommended"
    assert verdicts["a1f2016"]["recommendation"] == NOT_COVERED
    assert [r["limits"]["min_age"] for r in verdicts["a1f2016"]["outside_age_bounds"]] == [18]


@pytest.mark.parametrize("finding", ["neonatal_cholestasis", "infant_jaundice", "neonatal_hepatitis"])
def test_should_test__a_neonatal_finding_without_an_age_is_not_read_as_an_adult(finding: str) -> None:
    """With no age, a finding made in infancy is not covered by the adult A1F guideline (it was 'recommended'),
    and ATS/ERS (any age) still recommends the test; the same answer as with the neonate's age given."""
    without_age = describe_should_test([finding])
    assert _recommendations([finding], None) == _recommendations([finding], 0.1)
    assert without_age["overall"] == "recommended"
    verdicts = {g["guideline"]: g for g in without_age["guidelines"]}
    assert verdicts["a1f2016"]["recommendation"] == NOT_COVERED
    assert verdicts["ats_ers2003"]["recommendation"] == "recommended"
    assert _recommendations(["unexplained_liver_disease"], None)["a1f2016"] == "recommended"  # adults as before
    assert _recommendations(["copd", finding], None)["a1f2016"] == "recommended"  # reached through COPD too


def test_should_test__a_16_year_old_with_panniculitis_is_not_covered_not_not_indicated() -> None:
    answer = describe_should_test(["necrotising_panniculitis"], age=16)
    assert answer["overall"] == NOT_COVERED
    found = _recommendations(["necrotising_panniculitis"], 16)
    assert found["ats_ers2003"] == found["a1f2016"] == NOT_COVERED


@pytest.mark.parametrize(("age", "expected"), [(17.99, NOT_COVERED), (18, "recommended"), (18.01, "recommended")])
def test_should_test__the_adult_bound_of_a1f_2016_is_18_years(age: float, expected: str) -> None:
    for finding in ("copd", "unexplained_liver_disease", "necrotising_panniculitis", "gpa", "bronchiectasis"):
        assert _recommendations([finding], age)["a1f2016"] == expected, finding


def test_should_test__a1f_2016_still_offers_testing_to_children_of_a_person_with_aatd() -> None:
    """The A1F recommendation names children among the relatives, so that row has no adult bound."""
    assert _recommendations(["relative_with_aatd"], 6)["a1f2016"] == "recommended"


def test_should_test__an_unknown_age_keeps_adult_rows_applying() -> None:
    assert _recommendations(["necrotising_panniculitis"], None)["a1f2016"] == "recommended"


def _answered_at(finding: str, codes: frozenset[str], age: float) -> bool:
    """Brute force over the table: does any row on ``finding`` apply to a person of ``age`` with ``codes``?"""
    return any(r.finding == finding and (not r.with_any or codes & set(r.with_any))
               and (r.min_age is None or age >= r.min_age) and (r.age_below is None or age < r.age_below)
               and r.pack_years_below is None
               for r in guideline_tables().testing_rules)


@given(st.lists(st.sampled_from(FINDINGS), min_size=1, max_size=4), st.floats(0, 100))
def test_should_test__overall_not_covered_only_when_a_finding_outside_an_age_bound_is_unanswered(
        findings: list[str], age: float) -> None:
    """Wave 10: 'not covered' overall when no guideline advises a test and some finding below a row's age bound is
    answered by no row that applies at this age; otherwise 'not indicated' (GINA answers asthma at every age)."""
    verdicts = should_test(findings, age=age)
    answer = describe_should_test(findings, age=age)
    codes = expand_findings(parse_findings(findings))
    outside = {r.finding for v in verdicts for r in v.outside_age}
    unanswered = {f for f in outside if not _answered_at(f, codes, age)}
    advised = any(r.recommendation in ("recommended", "suggested") for v in verdicts for r in v.triggered_by)
    assert (answer["overall"] == NOT_COVERED) == (bool(unanswered) and not advised)
    if answer["overall"] == "not_indicated":
        assert not unanswered
    for v in verdicts:
        assert all(age < (r.min_age or 0) for r in v.outside_age)


@pytest.mark.parametrize(("age", "overall", "who"), [
    (0.5, "not_indicated", NOT_COVERED), (5, "not_indicated", NOT_COVERED), (9.99, "not_indicated", NOT_COVERED),
    (10, "recommended", "recommended"), (10.01, "recommended", "recommended"), (30, "recommended", "recommended")])
def test_should_test__asthma_follows_who_from_adolescence_and_gina_below_it(age: float, overall: str,
                                                                           who: str) -> None:
    """Wave 10 (was 'not covered' at 5): WHO names adults and adolescents with asthma (from 10 years here); ATS/ERS
    names only adults whose asthma leaves incompletely reversible obstruction; GINA, whose strategy covers children
    5 years and younger, gives no indication for AATD testing in asthma. So a child with asthma is 'not indicated'
    (the WHO row listed as outside its age bound), and from 10 years WHO recommends a test."""
    answer = describe_should_test(["asthma"], age=age)
    verdicts = {g["guideline"]: g for g in answer["guidelines"]}
    assert answer["overall"] == overall
    assert verdicts["who1997"]["recommendation"] == who
    assert verdicts["gina2018"]["recommendation"] == "not_indicated"
    assert verdicts["ats_ers2003"]["recommendation"] == "not_indicated"
    if who == NOT_COVERED:
        assert [r["limits"]["min_age"] for r in verdicts["who1997"]["outside_age_bounds"]] == [10]


def test_should_test__asthma_without_an_age_waits_for_the_age() -> None:
    """Asthma is common in children, so with no age the WHO's adults-and-adolescents row is pending (it was read
    as an adult's and recommended); COPD still implies adulthood."""
    answer = describe_should_test(["asthma"])
    who = next(g for g in answer["guidelines"] if g["guideline"] == "who1997")
    assert answer["overall"] == "not_indicated"
    assert [(r["finding"], r["missing"]) for r in who["would_apply_if_known"]] == [("asthma", "age")]
    assert describe_should_test(["copd"])["overall"] == "recommended"
    assert describe_should_test(["asthma", "copd"])["overall"] == "recommended"


def test_should_test__panniculitis_at_16_stays_not_covered_because_no_guideline_answers_it() -> None:
    answer = describe_should_test(["necrotising_panniculitis"], age=16)
    assert answer["overall"] == NOT_COVERED
    assert describe_should_test(["necrotising_panniculitis", "asthma"], age=5)["overall"] == NOT_COVERED


@given(st.lists(st.sampled_from(FINDINGS), max_size=4), st.sampled_from(FINDINGS),
       st.one_of(st.none(), st.floats(0, 100)))
def test_overall__adding_a_finding_never_lowers_the_overall_answer(base: list[str], extra: str,
                                                                   age: float | None) -> None:
    """Wave 10: with 'not covered' now decided per finding (a finding another guideline answers at this age no longer
    makes the answer 'not covered'), the overall answer still only rises as findings are added."""
    def overall(findings: list[str]) -> float:
        if not findings:
            return _ORDER["not_indicated"]
        return _ORDER[describe_should_test(findings, age=age)["overall"]]
    assert overall([*base, extra]) >= overall(base)
