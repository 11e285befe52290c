"""Punnett squares: closed forms, agreement with the inheritance engine, captions and SVG."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.genetics.alleles import allele_catalogue
from aatd.genetics.genotypes import Genotype
from aatd.genetics.inheritance import as_canonical, offspring_distribution
from aatd.patients.punnett import chance_in_words, describe_family_chances, outcomes, punnett_cells, punnett_svg

NAMES = [a.allele for a in allele_catalogue()]
genotypes = st.builds(Genotype.of, st.sampled_from(NAMES), st.sampled_from(NAMES))
SVG = "{http://www.w3.org/2000/svg}"


def square_totals(p1: Genotype | str, p2: Genotype | str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for row in punnett_cells(p1, p2):
        for cell in row:
            totals[cell.genotype.canonical] = totals.get(cell.genotype.canonical, 0.0) + 0.25
    return totals


@pytest.mark.parametrize(("p1", "p2", "children"), [
    ("MZ", "MZ", {"MM": 0.25, "MZ": 0.5, "ZZ": 0.25}),
    ("MZ", "MS", {"MM": 0.25, "MS": 0.25, "MZ": 0.25, "SZ": 0.25}),
    ("ZZ", "MM", {"MZ": 1.0}),
    ("ZZ", "MZ", {"MZ": 0.5, "ZZ": 0.5}),
    ("ZZ", "ZZ", {"ZZ": 1.0}),
    ("SZ", "MZ", {"MS": 0.25, "MZ": 0.25, "SZ": 0.25, "ZZ": 0.25}),
])
def test_punnett_cells__closed_forms(p1: str, p2: str, children: dict[str, float]) -> None:
    assert square_totals(p1, p2) == pytest.approx(children)


def test_describe_family_chances__mz_by_mz_one_in_four_zz() -> None:
    answer = describe_family_chances("MZ", "MZ")
    by_genotype = {o["genotype"]: o for o in answer["outcomes"]}  # type: ignore[union-attr, index]
    assert by_genotype["ZZ"]["probability"] == pytest.approx(0.25)
    assert by_genotype["ZZ"]["chance"] == "1 in 4"
    assert by_genotype["ZZ"]["severity"] == "severe"
    assert by_genotype["MZ"]["chance"] == "1 in 2"
    assert by_genotype["ZZ"]["caption"] == "Each child has a 1 in 4 chance of being ZZ: severely low AAT level."
    assert answer["summary"] == "Each child has a 1 in 4 chance of a severe form of AATD."
    json.dumps(answer)


def test_describe_family_chances__zz_by_mm_every_child_a_carrier() -> None:
    answer = describe_family_chances("ZZ", "MM")
    assert [o["caption"] for o in answer["outcomes"]] == [  # type: ignore[union-attr, index]
        "Every child will be MZ: mildly low AAT level."]
    assert answer["summary"] == "No child of these parents can have a severe form of AATD."


def test_describe_family_chances__parents_and_square_layout() -> None:
    answer = describe_family_chances("Pi*MZ", "SZ")
    assert answer["parents"] == {"parent1": "MZ", "parent2": "SZ"}
    square = answer["square"]
    assert square["parent1_alleles"] == ["M", "Z"] and square["parent2_alleles"] == ["S", "Z"]  # type: ignore[index]
    assert square["cells"][1][1]["genotype"] == "ZZ"  # type: ignore[index]
    assert "provenance" in answer


@given(genotypes, genotypes)
def test_punnett_cells__cells_sum_to_one_and_match_offspring_distribution(a: Genotype, b: Genotype) -> None:
    totals = square_totals(a, b)
    assert sum(totals.values()) == pytest.approx(1.0)
    assert totals == pytest.approx(as_canonical(offspring_distribution(a, b)))


@given(genotypes, genotypes)
def test_outcomes__probabilities_sum_to_one(a: Genotype, b: Genotype) -> None:
    rows = outcomes(a, b)
    assert sum(float(r["probability"]) for r in rows) == pytest.approx(1.0)  # type: ignore[arg-type]
    assert all(r["caption"] for r in rows)


@pytest.mark.parametrize(("p", "words"), [
    (0.25, "1 in 4"), (0.5, "1 in 2"), (0.75, "3 in 4"), (1.0, "every child"), (0.0, "no child"),
    (0.125, "1 in 8"),
])
def test_chance_in_words__plain_fractions(p: float, words: str) -> None:
    assert chance_in_words(p) == words


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_chance_in_words__out_of_range_raises_input_error(p: float) -> None:
    with pytest.raises(InputError, match="probability"):
        chance_in_words(p)


def test_punnett_svg__accessible_title_desc_and_text_in_every_cell() -> None:
    svg = punnett_svg("MZ", "MZ")
    root = ElementTree.fromstring(svg)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("role") == "img"
    assert title is not None and "MZ" in (title.text or "")
    assert desc is not None and "1 in 4 chance of being ZZ" in (desc.text or "")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("ZZ") == 1 and texts.count("MZ") == 2 and texts.count("MM") == 1
    assert "severely low" in texts  # the severity is written out, not only coloured


def test_punnett_svg__patterns_distinguish_severities_without_colour() -> None:
    svg = punnett_svg("SZ", "MZ")
    assert "url(#pq-hatch)" in svg and "url(#pq-cross)" in svg


def test_describe_family_chances__bad_genotype_raises_input_error() -> None:
    with pytest.raises(InputError) as info:
        describe_family_chances("MZ", "QQ")
    assert info.value.field == "parent2"


@pytest.mark.parametrize("country_name", ["USA", "Ireland", "Canada"])
def test_describe_untested_partner_chances__zz_parent_matches_the_closed_form(country_name: str) -> None:
    from aatd.genetics.prevalence import country_allele_frequencies
    from aatd.patients.punnett import describe_untested_partner_chances

    freqs = country_allele_frequencies(country_name)
    out = describe_untested_partner_chances("ZZ", country_name)
    by_genotype = {o["genotype"]: o["probability"] for o in out["outcomes"]}  # type: ignore[union-attr]
    # a ZZ parent always passes Z; the child's other gene is the partner's, drawn from the country's genes
    assert by_genotype["ZZ"] == pytest.approx(freqs["Z"])
    assert by_genotype["SZ"] == pytest.approx(freqs["S"])
    assert by_genotype["MZ"] == pytest.approx(freqs["M"])
    assert out["partner"]["p_carrier"] == pytest.approx(1 - freqs["M"] ** 2)  # type: ignore[index]


def test_describe_untested_partner_chances__unknown_country_names_the_field() -> None:
    from aatd.errors import InputError
    from aatd.patients.punnett import describe_untested_partner_chances

    with pytest.raises(InputError, match="country"):
        describe_untested_partner_chances("MZ", "Atlantis")


def test_untested_partner__a_ceiling_gene_is_said_to_be_an_upper_limit() -> None:
    from aatd.patients.punnett import describe_untested_partner_chances

    hong_kong = describe_untested_partner_chances("MZ", "Hong Kong")
    assert str(hong_kong["note"]).endswith("The survey gave only an upper limit for the S gene, so chances that "
                                           "need it may be lower.")
    assert "upper limit" not in str(describe_untested_partner_chances("MZ", "Spain")["note"])
    spanish = describe_untested_partner_chances("MZ", "Kazakhstan", language="es")
    assert "solo dio un límite superior para el gen Z" in str(spanish["note"])
