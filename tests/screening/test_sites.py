"""The site table and the allele-matching rules (strand, order, palindromes)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aatd.screening.sites import Match, Site, complement, is_ambiguous, locate, screening_sites

BASES = st.sampled_from("ACGT")


def test_site_table_is_the_verified_catalogue_rows() -> None:
    sites = {s.allele: s for s in screening_sites()}
    assert set(sites) == {"S", "Z", "I"}
    z, s = sites["Z"], sites["S"]
    assert (z.rsid, z.grch38_pos, z.grch37_pos, z.ref, z.alt) == ("rs28929474", 94378610, 94844947, "C", "T")
    assert (s.rsid, s.grch38_pos, s.grch37_pos, s.ref, s.alt) == ("rs17580", 94380925, 94847262, "T", "A")
    assert s.palindromic and not z.palindromic
    assert all(site.grch37_pos - site.grch38_pos == 466337 for site in sites.values())


def test_z_matches_in_every_orientation_outside_vcf() -> None:
    z = next(s for s in screening_sites() if s.allele == "Z")
    assert locate(z, ("C", "T"), reference_anchored=True) is not None
    assert locate(z, ("T", "C"), reference_anchored=True) is None
    assert locate(z, ("T", "C"), reference_anchored=False).match == Match.SWAPPED  # type: ignore[union-attr]
    assert locate(z, ("G", "A"), reference_anchored=False).match == Match.FLIPPED  # type: ignore[union-attr]
    assert locate(z, ("A", "G"), reference_anchored=False).match == Match.FLIPPED_SWAPPED  # type: ignore[union-attr]
    assert locate(z, ("C", "G"), reference_anchored=False) is None
    assert locate(z, ("C", "G", "T"), reference_anchored=True).index == 2  # type: ignore[union-attr]


def test_s_is_never_flipped_or_swapped() -> None:
    s = next(x for x in screening_sites() if x.allele == "S")
    assert locate(s, ("T", "A"), reference_anchored=False).match == Match.EXACT  # type: ignore[union-attr]
    assert locate(s, ("A", "T"), reference_anchored=False) is None
    assert is_ambiguous(s, ("A", "T"))


@given(BASES, BASES, st.lists(BASES, min_size=2, max_size=3), st.booleans())
def test_palindromic_sites_only_ever_match_exactly(ref: str, alt: str, alleles: list[str], anchored: bool) -> None:
    site = Site("X", "rs1", 100, 200, ref, alt)
    found = locate(site, tuple(alleles), reference_anchored=anchored)
    if found is not None:
        assert alleles[0] in (ref, alt, complement(ref), complement(alt))
        if site.palindromic or anchored:
            assert found.match == Match.EXACT and alleles[0] == ref


@given(BASES, BASES)
def test_counted_allele_is_the_site_alt_on_some_strand(ref: str, alt: str) -> None:
    site = Site("X", "rs1", 100, 200, ref, alt)
    for alleles in ((ref, alt), (alt, ref), (complement(ref), complement(alt)), (complement(alt), complement(ref))):
        found = locate(site, alleles, reference_anchored=False)
        if found is not None:
            counted = alleles[found.index]
            assert counted == (alt if found.match in (Match.EXACT, Match.SWAPPED) else complement(alt))
