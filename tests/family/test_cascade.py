"""The cascade plan: untested living relatives, most likely severe first, ties broken by closeness."""

from __future__ import annotations

import math
from unittest.mock import patch

import pytest
from hypothesis import given, settings

from aatd.family.answers import _plan_json, members_json, report_for
from aatd.family.cascade import cascade_plan, ordinal
from aatd.family.inference import allele_model, infer, prospective_child
from aatd.family.pedigree import Pedigree, pedigree_from_json
from aatd.family.relationships import Relationship
from aatd.genetics.inheritance import as_canonical

from .test_inference import small_pedigrees
from .test_relationships import _reference_relationships_to


def _result(doc: dict[str, object]):  # type: ignore[no-untyped-def]
    ped = pedigree_from_json(doc)
    return infer(ped, allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}))


def test_plan__sibling_of_zz_proband_with_carrier_parents_is_first_at_one_in_four() -> None:
    """Parents MZ x MZ (genotyped), proband ZZ: an untested full sibling is ZZ with probability 1/4."""
    result = _result({"members": [
        {"id": "f", "sex": "male", "genotype": "MZ"}, {"id": "m", "sex": "female", "genotype": "MZ"},
        {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "ZZ", "proband": True},
        {"id": "s", "sex": "male", "father": "f", "mother": "m"},
        {"id": "x", "sex": "female"},
        {"id": "k", "sex": "male", "father": "s", "mother": "x"}]})
    plan = cascade_plan(result)
    # s: 1/4 ZZ; k (child of s): Z from s with probability 1/2 times Z or S from x (q_Z + q_S) = 0.025;
    # x, unrelated: q_Z^2 + 2 q_S q_Z = 0.0016.
    assert [e.member_id for e in plan] == ["s", "k", "x"]
    assert math.isclose(plan[0].p_severe, 0.25, abs_tol=1e-9)
    assert plan[1].p_severe >= 0.5 * (0.02 + 0.03) > plan[2].p_severe >= 0.02**2 + 2 * 0.03 * 0.02
    assert plan[0].relationship == "sibling" and plan[0].degree == 1
    assert all(e.member_id not in {"f", "m", "p"} for e in plan)


def test_plan__deceased_and_genotyped_members_are_left_out() -> None:
    result = _result({"members": [
        {"id": "f", "sex": "male", "deceased": True}, {"id": "m", "sex": "female", "genotype": "MZ"},
        {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "ZZ", "proband": True}]})
    assert cascade_plan(result) == ()


def test_plan__ranks_are_consecutive_and_reasons_name_the_relationship() -> None:
    result = _result({"members": [
        {"id": "f", "sex": "male"}, {"id": "m", "sex": "female"},
        {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "ZZ", "proband": True},
        {"id": "s", "sex": "male", "father": "f", "mother": "m"}]})
    plan = cascade_plan(result)
    assert [e.rank for e in plan] == list(range(1, len(plan) + 1))
    assert "of the proband" in plan[0].reason


def test_plan__an_untested_proband_is_called_the_proband_not_proband_of_the_proband() -> None:
    result = _result({"members": [
        {"id": "f", "sex": "male"}, {"id": "m", "sex": "female"},
        {"id": "p", "sex": "female", "father": "f", "mother": "m", "proband": True}]})
    reasons = {e.member_id: e.reason for e in cascade_plan(result)}
    assert reasons["p"].endswith("; the proband (not yet tested)")
    assert all("proband of the proband" not in reason for reason in reasons.values())
    assert reasons["f"].endswith("; parent of the proband (1st-degree relative)")


def test_ordinal() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


@settings(max_examples=60, deadline=None)
@given(small_pedigrees(max_members=8))
def test_report_with_plan__equals_the_old_algorithm(case: tuple[Pedigree, dict[str, float]]) -> None:
    """The plan, the members and each couple's child, as the pre-ninth-wave code computed them.

    The old algorithm: relationships by walking every member's ancestors (the reference copy in
    test_relationships) and one inference per couple for its prospective child.
    """
    pedigree, freqs = case
    model = allele_model(pedigree, frequencies=freqs)
    result = infer(pedigree, model)
    new = report_for(result, plan=True)

    def old_relationships(ped: Pedigree, reference: str | None) -> dict[str, Relationship | None]:
        return {m.id: None for m in ped.members} if reference is None else dict(
            _reference_relationships_to(ped, reference))

    with patch("aatd.family.cascade.relationships_to", old_relationships), \
            patch("aatd.family.answers.relationships_to", old_relationships):
        old_plan, old_members = _plan_json(cascade_plan(result)), members_json(result)
    assert new["plan"] == old_plan
    assert new["members"] == old_members
    couples = sorted({(m.father, m.mother) for m in pedigree.members if m.father and m.mother})
    assert [(c["father"], c["mother"]) for c in new["prospective_children"]] == couples
    for child, (father, mother) in zip(new["prospective_children"], couples, strict=True):
        old = as_canonical(prospective_child(pedigree, model, father, mother))
        assert child["genotypes"].keys() == old.keys()
        assert child["genotypes"] == pytest.approx(old, rel=1e-12, abs=1e-12)
