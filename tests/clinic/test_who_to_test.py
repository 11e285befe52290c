"""Who should be tested: guideline rows evaluated as data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from aatd.cli import app
from aatd.clinic.guidelines import RECOMMENDATION_LEVELS, guideline_tables
from aatd.clinic.who_to_test import describe_should_test, expand_findings, parse_findings, should_test
from aatd.errors import InputError

FINDINGS = sorted(guideline_tables().findings)


def _levels(findings: list[str], age: float | None = None) -> dict[str, int]:
    return {v.guideline: RECOMMENDATION_LEVELS.index(v.recommendation) for v in should_test(findings, age=age)}


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
