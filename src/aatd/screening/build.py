"""Genome build: what a file says, what its alleles show, and what the user asked for.

The position of each screened site differs between GRCh37 and GRCh38 (by 466,337 bp in
this region). A reader looks at both positions; the build whose position carries the
catalogue's alleles is the build the data are on. A header, a vendor's statement or the
user's ``--build`` that disagrees with the alleles is refused, never silently believed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from aatd.errors import InputError
from aatd.screening.sites import BUILDS, GRCH37, GRCH38

_PATTERNS = (
    (GRCH38, re.compile(r"grch38|hg38|\bbuild\s*38\b|build38|\bb38\b|\bhs38|GCA_000001405\.15", re.IGNORECASE)),
    (GRCH37, re.compile(r"grch37|hg19|\bbuild\s*37|build37|\bb37\b|hs37d5|human_g1k_v37|GCA_000001405\.1\b",
                        re.IGNORECASE)),
    ("NCBI36", re.compile(r"ncbi\s*36|\bhg18\b|\bbuild\s*36\b|build36", re.IGNORECASE)),
)

REQUESTABLE = ("auto", GRCH38, GRCH37)


def normalise_build(value: str | None, field: str = "build") -> str:
    """``auto``, ``GRCh38`` or ``GRCh37`` from what a user typed (``hg38``, ``38``, ``grch37``...)."""
    if value is None or str(value).strip().lower() in {"", "auto"}:
        return "auto"
    text = str(value).strip()
    if text in {"38", "37"}:
        return GRCH38 if text == "38" else GRCH37
    found = build_from_text(text)
    if found in BUILDS:
        return found
    raise InputError(field, value, "auto, GRCh38 or GRCh37 (hg38/hg19 are accepted)")


def build_from_text(text: str) -> str | None:
    """The build a header line names (``##reference=...GRCh38...``, ``build 37``), or ``None``."""
    for build, pattern in _PATTERNS:
        if pattern.search(text):
            return build
    return None


def builds_named(lines: Iterable[str]) -> set[str]:
    """Every build named in ``lines`` (header lines of a file)."""
    return {b for line in lines if (b := build_from_text(line)) is not None}


@dataclass(slots=True)
class BuildEvidence:
    """Sites whose alleles agree / disagree with each build's position, from one file."""

    agree: dict[str, list[str]] = field(default_factory=lambda: {b: [] for b in BUILDS})
    disagree: dict[str, list[str]] = field(default_factory=lambda: {b: [] for b in BUILDS})
    named: dict[str, list[str]] = field(default_factory=lambda: {b: [] for b in BUILDS})

    def add(self, build: str, label: str, agrees: bool, *, same_id: bool = False) -> None:
        """Record one site's evidence; ``same_id`` when the record also carries the site's rsID."""
        (self.agree if agrees else self.disagree)[build].append(label)
        if agrees and same_id:
            self.named[build].append(label)

    def supported(self) -> list[str]:
        """Builds the alleles support. Dense files (imputed, WGS) can hold an unrelated SNP with
        matching alleles at the other build's position; then the build whose matches also carry
        the site's rsID, or else the one with more matching sites, is the build of the file."""
        found = [b for b in BUILDS if self.agree[b]]
        if len(found) < 2:
            return found
        named = [b for b in found if self.named[b]]
        if len(named) == 1:
            return named
        counts = sorted(((len(self.agree[b]), b) for b in found), reverse=True)
        return [counts[0][1]] if counts[0][0] > counts[1][0] else found


def choose_build(path: str, requested: str, declared: set[str], evidence: BuildEvidence) -> tuple[str | None, str]:
    """The build of ``path`` and how it was decided; raises :class:`InputError` on conflict.

    ``requested`` is ``auto`` or a build; ``declared`` the builds the file's header names.
    """
    supported = evidence.supported()
    if len(supported) > 1:
        raise InputError("build", path, "alleles matching one build only",
                         hint=f"sites agree with GRCh38 ({', '.join(evidence.agree[GRCH38])}) and GRCh37 "
                         f"({', '.join(evidence.agree[GRCH37])})")
    if supported:
        found = supported[0]
        where = ", ".join(evidence.agree[found])
        if requested != "auto" and requested != found:
            raise InputError("build", requested, f"{found}, which the file's alleles show",
                             hint=f"{path}: {where} carry the catalogue alleles at their {found} positions")
        others = declared - {found}
        if others:
            raise InputError("build", f"{path} header: {', '.join(sorted(declared))}",
                             f"a header agreeing with the alleles ({found})",
                             hint=f"{where} carry the catalogue alleles at their {found} positions")
        return found, f"alleles at {where}"
    if requested != "auto":
        wrong = evidence.disagree[requested]
        if wrong:
            raise InputError("build", requested, "a build whose reference alleles the file carries",
                             hint=f"{path}: REF differs from {requested} at {', '.join(wrong)}")
        return requested, "requested (no screened site in the file to confirm it)"
    known = declared & set(BUILDS)
    if len(known) == 1:
        build = next(iter(known))
        wrong = evidence.disagree[build]
        if wrong:
            raise InputError("build", f"{path} header: {build}", "a header agreeing with the REF alleles",
                             hint=f"REF differs from {build} at {', '.join(wrong)}")
        return build, "file header (no screened site in the file to confirm it)"
    if declared:
        raise InputError("build", f"{path} header: {', '.join(sorted(declared))}", "GRCh38 or GRCh37",
                         hint="give --build GRCh38 or --build GRCh37 if the header is wrong")
    return None, "unknown: no screened site found and no build named in the file"
