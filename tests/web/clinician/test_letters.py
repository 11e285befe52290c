"""The relative's letter says what the family answer says (review 2, wave 8)."""

from __future__ import annotations

from aatd.family.answers import family_answer
from aatd.web.clinician.letters import relative_letter


def _chance_lines(answer: dict[str, object], rank: int | None = 2) -> str:
    letter = relative_letter("C", answer, rank, "Clinic", "clinic@example.org")
    return " ".join(dict(letter.sections)["Your chance"])


def test_letter__speaks_of_a_severe_type_not_of_any_two_changed_genes() -> None:
    # MS x SZ: the child has two changed genes with chance 1/2 (SS or SZ) but a severe type with 1/4 (SZ)
    doc = {"country": "USA", "members": [
        {"id": "f", "sex": "male", "genotype": "MS"}, {"id": "m", "sex": "female", "genotype": "SZ", "proband": True},
        {"id": "c", "sex": "female", "father": "f", "mother": "m"}]}
    member = dict(family_answer(doc, plan=True)[1]["members"]["c"])
    assert member["p_severe"] == 0.25 and member["genotypes"]["SS"] == 0.25
    text = _chance_lines(member)
    assert "two changed genes" not in text
    assert "The chance that you have a severe type of AATD is about 25 in 100." in text
    assert "The chance that you carry one changed gene is about 50 in 100." in text


def test_letter__known_results_say_what_they_show() -> None:
    assert "you have a severe type of AATD" in _chance_lines({"p_severe": 1.0, "p_carrier": 0.0})
    assert "you have one changed gene" in _chance_lines({"p_severe": 0.0, "p_carrier": 1.0})
