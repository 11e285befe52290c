"""The sites aatd screens for, and how a file's alleles are matched to them.

Sites come only from the allele catalogue rows whose coordinates were verified in two
sources (:func:`aatd.genetics.alleles.genotyping_alleles`: PI*Z, PI*S and PI*I today).
A file's record matches a site on contig, position, REF and ALT, never on position alone:
Mmalton and Siiyama share GRCh38 position 94383008 with different alleles.

Strand: alleles are catalogued on the plus strand. A C/T site such as Z can be recognised
on the minus strand (G/A) and is flipped, with a warning. An A/T site such as S reads the
same on both strands, so it is used only when the file states its alleles in the catalogue's
REF/ALT order; any other order is refused, never flipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aatd.genetics.alleles import genotyping_alleles

GRCH37 = "GRCh37"
GRCH38 = "GRCh38"
BUILDS = (GRCH38, GRCH37)

CHROMOSOME_14_NAMES = ("14", "chr14", "NC_000014.9", "NC_000014.8", "CM000676.2", "CM000676.1")
"""Names chromosome 14 goes by in VCF headers and indexes (UCSC, Ensembl/NCBI, RefSeq, GenBank)."""

BUILD_OF_CONTIG = {"NC_000014.9": GRCH38, "NC_000014.8": GRCH37, "CM000676.2": GRCH38, "CM000676.1": GRCH37}
"""Versioned accessions of chromosome 14 name their assembly (NCBI assembly reports)."""

CHROMOSOME_14_LENGTH = {107043718: GRCH38, 107349540: GRCH37}
"""Length of chromosome 14 in bp, as written in ``##contig=<length=...>`` lines, per assembly."""

_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def complement(bases: str) -> str:
    """The complementary bases (``C`` -> ``G``); strand flip of a SNP allele."""
    return bases.translate(_COMPLEMENT)


class Match(StrEnum):
    """How a file's alleles correspond to a catalogue site."""

    EXACT = "exact"
    """REF and ALT as catalogued (plus strand)."""
    SWAPPED = "swapped"
    """The file lists the catalogue's ALT first (e.g. plink2's default BGEN export, PLINK 1.9 A1)."""
    FLIPPED = "flipped"
    """Minus-strand alleles (complemented); safe only for non-palindromic SNPs."""
    FLIPPED_SWAPPED = "flipped+swapped"
    """Minus strand and ALT first."""


@dataclass(frozen=True, slots=True)
class Site:
    """One screened catalogue allele at its plus-strand position in both builds."""

    allele: str
    rsid: str
    grch38_pos: int
    grch37_pos: int
    ref: str
    alt: str

    @property
    def palindromic(self) -> bool:
        """True for A/T and C/G SNPs, whose strand cannot be told from the alleles."""
        return complement(self.ref) == self.alt

    def position(self, build: str) -> int:
        """1-based position on chromosome 14 in ``build``."""
        return self.grch38_pos if build == GRCH38 else self.grch37_pos

    def label(self, build: str | None = None) -> str:
        """``Z (rs28929474, 14:94378610 C>T)`` for messages."""
        where = f"14:{self.position(build)} " if build else ""
        return f"{self.allele} ({self.rsid}, {where}{self.ref}>{self.alt})"

    def to_dict(self) -> dict[str, object]:
        return {"allele": self.allele, "rsid": self.rsid, "grch38_pos": self.grch38_pos,
                "grch37_pos": self.grch37_pos, "ref": self.ref, "alt": self.alt,
                "palindromic": self.palindromic}


def screening_sites() -> tuple[Site, ...]:
    """The screened sites: verified catalogue alleles with both positions, REF and ALT."""
    sites = []
    for allele in genotyping_alleles():
        if allele.grch38_pos is None or allele.grch37_pos is None or not allele.ref_plus or not allele.alt_plus:
            continue
        sites.append(Site(allele.allele, allele.rsid, allele.grch38_pos, allele.grch37_pos,
                          allele.ref_plus, allele.alt_plus))
    return tuple(sites)


@dataclass(frozen=True, slots=True)
class Located:
    """Where a site's ALT allele sits among a record's alleles (index 0 = REF / first allele)."""

    match: Match
    index: int


def locate(site: Site, alleles: Sequence[str], *, reference_anchored: bool) -> Located | None:
    """Find ``site`` among a record's ``alleles`` (REF or first allele at index 0).

    ``reference_anchored`` formats (VCF, BCF, VCF Zarr) guarantee REF is the genome base, so
    only an exact REF matches there. Others (PLINK, BGEN, consumer files) may list alleles
    in either order or on the minus strand; those are recognised for non-palindromic sites
    only. Returns ``None`` when the record is another variant (or an ambiguous A/T order,
    which :func:`is_ambiguous` reports).
    """
    if not alleles:
        return None
    first, rest = alleles[0], list(alleles[1:])
    if first == site.ref and site.alt in rest:
        return Located(Match.EXACT, rest.index(site.alt) + 1)
    if reference_anchored or site.palindromic:
        return None
    if first == site.alt and site.ref in rest:
        return Located(Match.SWAPPED, 0)
    ref_minus, alt_minus = complement(site.ref), complement(site.alt)
    if first == ref_minus and alt_minus in rest:
        return Located(Match.FLIPPED, rest.index(alt_minus) + 1)
    if first == alt_minus and ref_minus in rest:
        return Located(Match.FLIPPED_SWAPPED, 0)
    return None


def is_ambiguous(site: Site, alleles: Sequence[str]) -> bool:
    """True when a palindromic site appears with its alleles in reverse order (strand unknowable)."""
    return site.palindromic and len(alleles) >= 2 and alleles[0] == site.alt and site.ref in alleles[1:]
