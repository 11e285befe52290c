"""Twins, adoption and partners in the pedigree model: JSON round trip, checks and their genetic meaning."""

from __future__ import annotations

from typing import Any

import pytest

from aatd.errors import InputError, PedigreeError
from aatd.family.inference import allele_model, infer
from aatd.family.pedigree import pedigree_from_json, pedigree_to_json

FAMILY: list[dict[str, Any]] = [
    {"id": "dad", "sex": "male", "genotype": "ZZ"}, {"id": "mum", "sex": "female", "genotype": "ZZ"},
    {"id": "a", "sex": "female", "father": "dad", "mother": "mum", "dz_twin": "b"},
    {"id": "b", "sex": "male", "father": "dad", "mother": "mum", "dz_twin": "a"},
    {"id": "c", "sex": "male", "father": "dad", "mother": "mum", "adopted": "in"},
    {"id": "d", "sex": "female", "father": "dad", "mother": "mum", "adopted": "out"},
    {"id": "e", "sex": "female", "partner": "c"},
]


def test_links__adopted_founder_is_allowed_parents_unrecorded() -> None:
    ped = pedigree_from_json({"members": [{"id": "x", "sex": "female", "adopted": "in"}]})
    assert ped["x"].adopted == "in" and ped["x"].genetic_founder


def test_links__round_trip_through_json() -> None:
    ped = pedigree_from_json({"members": FAMILY})
    assert ped["a"].dz_twin == "b" and ped["c"].adopted == "in" and ped["e"].partner == "c"
    again = pedigree_from_json(pedigree_to_json(ped))
    assert again.members == ped.members


def test_links__adopted_in_is_a_genetic_founder_adopted_out_is_not() -> None:
    ped = pedigree_from_json({"members": FAMILY})
    result = infer(ped, allele_model(ped, country="USA"))
    assert result.p_severe("a") == pytest.approx(1.0)  # ZZ x ZZ
    assert result.p_severe("d") == pytest.approx(1.0)  # placed for adoption: still their child
    assert result.p_severe("c") < 0.01  # adopted in: population prior, not the parents' ZZ


@pytest.mark.parametrize(("change", "field"), [
    ({"id": "a", "dz_twin": "dad"}, "dz_twin"),  # different parents
    ({"id": "a", "dz_twin": "nobody"}, "dz_twin"),
    ({"id": "a", "dz_twin": "a"}, "dz_twin"),
    ({"id": "e", "partner": "e"}, "partner"),
    ({"id": "e", "partner": "ghost"}, "partner"),
    ({"id": "c", "adopted": "sideways"}, "adopted"),
])
def test_links__impossible_links_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    members = [dict(m, **change) if m["id"] == change["id"] else m for m in FAMILY]
    with pytest.raises((PedigreeError, InputError)) as err:
        pedigree_from_json({"members": members})
    assert err.value.field.endswith(field)
