"""Genotype and phenotype notation: parse what people write, print one canonical form.

A *genotype* is the pair of SERPINA1 alleles a person carries (``MZ``, ``Z/Null``).
An isoelectric-focusing (IEF) *phenotype* is the set of protein bands seen on a gel:
null alleles show no band and M-like rare alleles show as ``M``, so phenotype ``Z``
may be genotype ``ZZ`` or ``Z/Null`` (:meth:`Phenotype.compatible_genotypes`).

Canonical genotype: alleles ordered M, then S, then Z, then rarer alleles
(``sort_order`` in ``alleles.csv``); written together when both are M, S or Z
(``MZ``, ``SZ``, ``ZZ``), otherwise with a slash (``Z/Mmalton``, ``Z/Null``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import combinations_with_replacement

from aatd.errors import InputError
from aatd.genetics.alleles import (
    Allele,
    allele_catalogue,
    find_allele,
    fold_name,
    get_allele,
    known_allele_names,
)
from aatd.limits import GENOTYPE_TEXT, check_text

_JOINED = frozenset({"M", "S", "Z"})
_PREFIX = re.compile(r"^\s*(?:pi|serpina1)\s*\*?\s*", re.IGNORECASE)
_KIND_SUFFIX = re.compile(r"\s*[\(\[]\s*(genotype|phenotype)\s*[\)\]]\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:/|,|;|\+|\band\b)\s*", re.IGNORECASE)


def _rank(allele: Allele) -> tuple[int, str]:
    return (allele.sort_order, allele.allele)


@dataclass(frozen=True, slots=True)
class Genotype:
    """An unordered pair of alleles, stored in canonical order."""

    first: str
    second: str

    @classmethod
    def of(cls, a: str | Allele, b: str | Allele) -> Genotype:
        """The genotype of alleles ``a`` and ``b`` (names or records, any order)."""
        x = a if isinstance(a, Allele) else get_allele(a)
        y = b if isinstance(b, Allele) else get_allele(b)
        if _rank(y) < _rank(x):
            x, y = y, x
        return cls(x.allele, y.allele)

    @property
    def alleles(self) -> tuple[Allele, Allele]:
        """Both allele records, in canonical order."""
        return (get_allele(self.first), get_allele(self.second))

    @property
    def canonical(self) -> str:
        """``MZ``, ``SZ``, ``Z/Mmalton``, ``Z/Null``."""
        if self.first in _JOINED and self.second in _JOINED:
            return self.first + self.second
        return f"{self.first}/{self.second}"

    @property
    def is_homozygous(self) -> bool:
        return self.first == self.second

    def count(self, allele: str) -> int:
        """How many copies of ``allele`` this genotype carries (0, 1 or 2)."""
        return (self.first == allele) + (self.second == allele)

    def __str__(self) -> str:
        return self.canonical


@dataclass(frozen=True, slots=True)
class Phenotype:
    """An IEF phenotype: the distinct protein bands seen, in canonical order."""

    bands: tuple[str, ...]

    @property
    def canonical(self) -> str:
        """Bands written together, e.g. ``Z`` (single band) or ``MZ``."""
        return "".join(self.bands) if self.bands else "none"

    def __str__(self) -> str:
        return self.canonical

    def compatible_genotypes(self, alleles: Iterable[str] | None = None) -> tuple[Genotype, ...]:
        """Genotypes over ``alleles`` (default: the catalogue less M subtypes) showing these bands."""
        pool = _phenotype_pool(alleles)
        wanted = set(self.bands)
        found = [
            Genotype.of(a, b)
            for a, b in combinations_with_replacement(pool, 2)
            if {x.ief_band for x in (a, b) if x.ief_band} == wanted
        ]
        return tuple(sorted(set(found), key=genotype_sort_key))


def _phenotype_pool(alleles: Iterable[str] | None) -> list[Allele]:
    if alleles is not None:
        return [get_allele(a) for a in alleles]
    return [a for a in allele_catalogue() if not (a.family == "M" and a.allele != "M")]


def genotype_sort_key(genotype: Genotype) -> tuple[tuple[int, str], tuple[int, str]]:
    """Sort key placing genotypes in canonical order (MM, MS, MZ, ..., Null/Null)."""
    a, b = genotype.alleles
    return (_rank(a), _rank(b))


def _strip(text: str) -> tuple[str, str | None]:
    """Remove a ``(genotype)``/``(phenotype)`` suffix; return the rest and the kind named."""
    kind = None
    match = _KIND_SUFFIX.search(text)
    if match:
        kind = match.group(1).lower()
        text = text[: match.start()]
    return text.strip(), kind


@cache
def _longest_name() -> int:
    """Length of the longest folded allele name or alias: no longer piece can be an allele."""
    return max(len(fold_name(name)) for a in allele_catalogue() for name in (a.allele, a.display_name, *a.aliases))


def _cuts(length: int) -> range:
    """Cut points of a ``length``-character token that leave both pieces short enough to be
    allele names: at most ``2 x`` the longest name, whatever the token's length (linear parsing)."""
    longest = _longest_name()
    return range(max(1, length - longest), min(length - 1, longest) + 1)


def _split_joined(token: str) -> list[tuple[Allele, Allele]]:
    """Every way to read ``token`` as two concatenated allele names (``MZ``, ``ZMmalton``)."""
    options = []
    for cut in _cuts(len(token)):
        a, b = find_allele(token[:cut]), find_allele(token[cut:])
        if a is not None and b is not None:
            options.append((a, b))
    return options


def _two_alleles(body: str, field: str, original: str) -> tuple[Allele, Allele]:
    parts = [p for p in _SEPARATORS.split(body) if p]
    if len(parts) == 2:
        return get_allele(parts[0], field), get_allele(parts[1], field)
    if len(parts) == 1:
        words = parts[0].split()
        if len(words) == 2 and all(find_allele(w) for w in words):
            return get_allele(words[0], field), get_allele(words[1], field)
        options = {Genotype.of(a, b): (a, b) for a, b in _split_joined(fold_name(parts[0]))}
        if len(options) == 1:
            return next(iter(options.values()))
        if len(options) > 1:
            names = ", ".join(sorted(g.canonical for g in options))
            raise InputError(field, original, "an unambiguous genotype", hint=f"could be {names}; use A/B")
        if find_allele(parts[0]) is not None:
            raise InputError(field, original, "two alleles (a genotype), e.g. 'ZZ' or 'Z/Null'",
                             hint="one allele given; for an IEF result use the phenotype field")
    raise InputError(field, original, "two alleles such as 'MZ', 'Z/Null' or 'PI*SZ'; known alleles: "
                     + ", ".join(known_allele_names()), hint=_not_understood(parts))


def _not_understood(parts: list[str]) -> str:
    """Name the piece of a genotype that is not an allele, for the error message."""
    unknown = [p for p in parts if find_allele(p) is None]
    if len(parts) == 1:
        token = fold_name(parts[0])
        for cut in range(min(len(token) - 1, _longest_name()), 0, -1):
            if find_allele(token[:cut]) is not None:
                return f"{token[cut:]!r} is not a known allele"
            if find_allele(token[-cut:]) is not None:
                return f"{token[:-cut]!r} is not a known allele"
    return ", ".join(f"{p!r} is not a known allele" for p in unknown) or "not two alleles"


def parse_genotype(text: str, field: str = "genotype") -> Genotype:
    """Parse ``PI*ZZ``, ``Pi ZZ``, ``PiMZ``, ``Z/Z``, ``M/Z``, ``Z/Q0``, ``Mmalton/Z`` ...

    Raises :class:`InputError` naming what was not understood and the known alleles;
    a text marked ``(phenotype)`` is refused here (use :func:`parse_phenotype`).
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, text, "a genotype such as 'MZ' or 'Z/Null'")
    check_text(field, text, GENOTYPE_TEXT)
    body, kind = _strip(text)
    if kind == "phenotype":
        raise InputError(field, text, "a genotype", hint="this is an IEF phenotype; use parse_phenotype")
    candidates = [body]
    stripped = _PREFIX.sub("", body)
    if stripped != body:
        candidates.insert(0, stripped)
    error: InputError | None = None
    for candidate in candidates:
        try:
            a, b = _two_alleles(candidate, field, text)
            return Genotype.of(a, b)
        except InputError as exc:
            error = error or exc
    assert error is not None
    raise error


def _bands() -> dict[str, Allele]:
    bands: dict[str, Allele] = {}
    for allele in allele_catalogue():
        if allele.ief_band and allele.ief_band not in bands:
            bands[allele.ief_band] = allele
    return bands


def parse_phenotype(text: str, field: str = "phenotype") -> Phenotype:
    """Parse an IEF phenotype: ``Z``, ``ZZ``, ``MZ``, ``PI*SZ``, ``Pi Z (phenotype)``.

    A lab writes a single-band result as ``ZZ`` or ``Z``; both mean "only Z protein seen".
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, text, "an IEF phenotype such as 'MZ' or 'Z'")
    check_text(field, text, GENOTYPE_TEXT)
    body, kind = _strip(text)
    if kind == "genotype":
        raise InputError(field, text, "a phenotype", hint="this is a genotype; use parse_genotype")
    body = _PREFIX.sub("", body)
    bands = _bands()
    folded = {k.lower(): k for k in bands}
    seen: list[str] = []
    for char in re.sub(r"[\s/,+]", "", body):
        band = folded.get(char.lower())
        if band is None:
            raise InputError(field, text, "IEF band letters: " + ", ".join(bands),
                             hint=f"{char!r} is not a band letter")
        if band not in seen:
            seen.append(band)
    if not seen or len(seen) > 2:
        raise InputError(field, text, "one or two IEF bands, e.g. 'Z' or 'MZ'")
    order = {band: _rank(allele) for band, allele in bands.items()}
    return Phenotype(tuple(sorted(seen, key=order.__getitem__)))


def parse_result(text: str, field: str = "result") -> Genotype | Phenotype:
    """A genotype, or a phenotype when the text says ``(phenotype)``."""
    if isinstance(text, str):
        check_text(field, text, GENOTYPE_TEXT)
    _, kind = _strip(text) if isinstance(text, str) else ("", None)
    return parse_phenotype(text, field) if kind == "phenotype" else parse_genotype(text, field)


def all_genotypes(alleles: Iterable[str]) -> tuple[Genotype, ...]:
    """Every unordered pair over ``alleles``, in canonical order."""
    records = sorted({get_allele(a).allele: get_allele(a) for a in alleles}.values(), key=_rank)
    return tuple(Genotype.of(a, b) for a, b in combinations_with_replacement(records, 2))
