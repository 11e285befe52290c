"""The family's typed answer: one inference gives the report and the drawing; formats give the same answer."""

from __future__ import annotations

import json
import math
from pathlib import Path

from aatd.family.answers import family_answer, pedigree_report, report_from_text

DATA = Path(__file__).parents[1] / "data" / "pedigrees"


def test_pedigree_report__sibling_of_zz_closed_form_and_keys() -> None:
    """Untested parents, ZZ proband: P(sibling ZZ) = ((1 + q) / 2)^2 before the sibling's level is used."""
    doc = {"allele_frequencies": {"M": 0.95, "S": 0.03, "Z": 0.02},
           "members": [{"id": "f", "sex": "male"}, {"id": "m", "sex": "female"},
                       {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "ZZ",
                        "proband": True},
                       {"id": "s", "sex": "male", "father": "f", "mother": "m"}]}
    answer = pedigree_report(doc, plan=True)
    q = 0.02 / (1 - 0.0)  # explicit frequencies: Z is 0.02
    assert math.isclose(answer["members"]["s"]["genotypes"]["ZZ"], ((1 + q) / 2) ** 2, rel_tol=1e-9)
    assert answer["proband"] == "p" and answer["plan"][0]["id"] in {"s", "f", "m"}
    assert {"members", "plan", "prospective_children", "provenance", "frequency_basis"} <= set(answer)


def test_family_answer__equals_pedigree_report() -> None:
    doc = json.loads((DATA / "sibling_of_zz.json").read_text(encoding="utf-8"))
    result, answer = family_answer(doc, plan=True)
    assert answer == pedigree_report(doc, plan=True)
    assert set(result.pedigree.ids) == set(answer["members"])


def test_report_from_text__json_and_text_agree() -> None:
    text = (DATA / "sibling_of_zz.json").read_text(encoding="utf-8")
    _ped, _result, answer = report_from_text(text)
    assert answer == pedigree_report(json.loads(text))


def test_p_severe_definition__is_true_of_every_genotype_it_names() -> None:
    """Review 2 (wave 8): Z/F is severe by its cited class although its level is above 11 umol/L, so the
    definition may not say that every severe genotype's expected level is below the threshold."""
    from aatd.family.answers import severe_genotypes
    from aatd.genetics.levels import Severity, genotype_severity

    names = severe_genotypes()
    assert {"ZZ", "SZ", "Z/F", "Null/Null"} <= set(names)
    assert all(genotype_severity(g) in (Severity.SEVERE, Severity.ABSENT) for g in names)
    report = family_answer({"country": "USA", "members": [{"id": "p", "genotype": "ZZ", "proband": True}]})[1]
    definition = report["definitions"]["p_severe"]
    assert all(g in definition for g in names) and "Z/F counts although its level is above" in definition
