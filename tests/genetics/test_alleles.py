"""The allele catalogue: look-up by any spelling, coordinates of the verified alleles, classes."""

from __future__ import annotations

import pytest

from aatd.errors import InputError
from aatd.genetics.alleles import (
    allele_catalogue,
    find_allele,
    genotyping_alleles,
    get_allele,
    is_deficiency_allele,
    is_null,
    known_allele_names,
)


@pytest.mark.parametrize("spelling", ["Z", "PI*Z", "Pi Z", "z", "pi*z"])
def test_get_allele__any_spelling_finds_z(spelling: str) -> None:
    assert get_allele(spelling).allele == "Z"


def test_get_allele__unknown_name_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        get_allele("Qwerty", field="genotype")
    assert info.value.field == "genotype" and info.value.value == "Qwerty"
    assert find_allele("Qwerty") is None


def test_catalogue__z_and_s_sit_where_dbsnp_puts_them() -> None:
    """GRCh38 chr14:94378610 C>T (Z, rs28929474) and chr14:94380925 T>A (S, rs17580), plus strand."""
    z, s = get_allele("Z"), get_allele("S")
    assert (z.rsid, z.grch38_pos, z.ref_plus, z.alt_plus, z.verified) == ("rs28929474", 94378610, "C", "T", True)
    assert (s.rsid, s.grch38_pos, s.ref_plus, s.alt_plus, s.verified) == ("rs17580", 94380925, "T", "A", True)
    # SERPINA1 lies on the minus strand: the coding change G>A of Z is C>T on the plus strand.
    assert z.hgvs_c.endswith("G>A") and s.hgvs_c.endswith("A>T")


def test_catalogue__classes_agree_with_output() -> None:
    for allele in allele_catalogue():
        if is_null(allele):
            assert allele.relative_output == 0
        if allele.functional_class == "normal":
            assert not is_deficiency_allele(allele)
    assert is_deficiency_allele(get_allele("Z")) and not is_deficiency_allele(get_allele("M"))


def test_genotyping_alleles__only_verified_coordinates() -> None:
    chosen = genotyping_alleles()
    assert {"Z", "S"} <= {a.allele for a in chosen}
    assert all(a.verified and a.grch38_pos is not None for a in chosen)


def test_known_allele_names__unique_and_include_the_panel() -> None:
    names = known_allele_names()
    assert len(names) == len(set(names))
    assert {"M", "S", "Z", "I", "F"} <= set(names)
