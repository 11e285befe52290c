"""Genotype and phenotype notation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.genetics.alleles import allele_catalogue, get_allele
from aatd.genetics.genotypes import Genotype, parse_genotype, parse_phenotype, parse_result

NAMES = [a.allele for a in allele_catalogue()]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("PI*ZZ", "ZZ"), ("Pi ZZ", "ZZ"), ("PiMZ", "MZ"), ("ZZ", "ZZ"), ("Z/Z", "ZZ"), ("M/Z", "MZ"),
        ("Z/M", "MZ"), ("SZ", "SZ"), ("zs", "SZ"), ("Z/Null", "Z/Null"), ("Null/Z", "Z/Null"),
        ("Z/Q0", "Z/Null"), ("Mmalton/Z", "Z/Mmalton"), ("pi*z/mmalton", "Z/Mmalton"), ("ZMmalton", "Z/Mmalton"),
        ("pi*sz", "SZ"), ("MS", "MS"), ("M Z", "MZ"), ("Z and null", "Z/Null"), ("ZZ (genotype)", "ZZ"),
        ("Z/Q0granite falls", "Z/Q0granitefalls"), ("Z/QOgranitefalls", "Z/Q0granitefalls"),
        ("PI*MM", "MM"), ("serpina1 ZZ", "ZZ"),
    ],
)
def test_parse_genotype__written_forms(text: str, canonical: str) -> None:
    assert parse_genotype(text).canonical == canonical


@given(st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_genotype__canonical_round_trip(a: str, b: str) -> None:
    g = Genotype.of(a, b)
    assert Genotype.of(b, a) == g
    assert parse_genotype(g.canonical) == g
    assert parse_genotype(f"PI*{g.first}/{g.second}") == g
    assert parse_genotype(g.canonical.lower()) == g


@given(st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_genotype__display_names_and_aliases_parse(a: str, b: str) -> None:
    ra, rb = get_allele(a), get_allele(b)
    for x in (ra.display_name, *ra.aliases):
        assert parse_genotype(f"{x}/{rb.display_name}") == Genotype.of(a, b)


def test_canonical_order__m_then_s_then_z_then_rare() -> None:
    assert Genotype.of("Z", "M").canonical == "MZ"
    assert Genotype.of("Z", "S").canonical == "SZ"
    assert Genotype.of("Mmalton", "Z").canonical == "Z/Mmalton"
    assert Genotype.of("Null", "Null").canonical == "Null/Null"


@pytest.mark.parametrize(("text", "message"), [
    ("ZX", "'x' is not a known allele"),
    ("Z", "one allele given"),
    ("", "expected a genotype"),
    ("Z/Foo", "expected a SERPINA1 allele"),
    ("ZZ (phenotype)", "IEF phenotype"),
])
def test_parse_genotype__errors_name_the_problem_and_list_alleles(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_genotype(text)
    assert info.value.field == "genotype"
    if "known allele" in message or "SERPINA1" in message:
        assert "Mmalton" in str(info.value)


def test_phenotype__single_band_means_homozygote_or_null() -> None:
    ph = parse_phenotype("ZZ (phenotype)")
    assert ph == parse_phenotype("Z") == parse_phenotype("PI*Z")
    compatible = {g.canonical for g in ph.compatible_genotypes()}
    assert {"ZZ", "Z/Null"} <= compatible
    assert "MZ" not in compatible


def test_phenotype__m_band_hides_m_like_rare_alleles() -> None:
    compatible = {g.canonical for g in parse_phenotype("MZ").compatible_genotypes()}
    assert {"MZ", "Z/Mmalton"} <= compatible
    assert "ZZ" not in compatible


def test_phenotype__restricted_allele_pool() -> None:
    assert [g.canonical for g in parse_phenotype("Z").compatible_genotypes(["M", "S", "Z"])] == ["ZZ"]


def test_parse_result__distinguishes_genotype_and_phenotype() -> None:
    assert isinstance(parse_result("ZZ"), Genotype)
    assert parse_result("ZZ (phenotype)") == parse_phenotype("Z")


def test_parse_phenotype__rejects_non_band_letter() -> None:
    with pytest.raises(InputError, match="band"):
        parse_phenotype("MX")
