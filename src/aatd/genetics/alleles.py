"""The SERPINA1 allele catalogue: names, classes, coordinates and relative output.

Alleles are looked up by what people write ("Q0granite falls", "QOgranitefalls",
"p-lowell", "King's"): :func:`get_allele` folds case, spaces and punctuation and knows
each allele's aliases from ``alleles.csv``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from aatd.errors import InputError
from aatd.knowledge import AlleleRecord, knowledge
from aatd.limits import GENOTYPE_TEXT

Allele = AlleleRecord
"""One allele of the catalogue (see :class:`aatd.knowledge.AlleleRecord`)."""

_FOLD = re.compile(r"[\s\-_'’().*]+")


def fold_name(name: str) -> str:
    """Fold an allele name for matching: lower case, no spaces or punctuation, ``QO`` -> ``q0``."""
    folded = _FOLD.sub("", name.strip().lower())
    if folded.startswith("qo"):
        folded = "q0" + folded[2:]
    return folded


@cache
def _index() -> Mapping[str, Allele]:
    index: dict[str, Allele] = {}
    for record in knowledge().alleles:
        for name in (record.allele, record.display_name, *record.aliases):
            index.setdefault(fold_name(name), record)
    return MappingProxyType(index)


def allele_catalogue() -> tuple[Allele, ...]:
    """Every catalogued allele in canonical order (M, M subtypes, S, Z, rare, null)."""
    return tuple(sorted(knowledge().alleles, key=lambda a: (a.sort_order, a.allele)))


def known_allele_names() -> tuple[str, ...]:
    """The canonical allele identifiers, in canonical order."""
    return tuple(a.allele for a in allele_catalogue())


def find_allele(name: str) -> Allele | None:
    """The allele called ``name`` (any known spelling), or ``None`` (also for text that is not a name)."""
    if not isinstance(name, str) or len(name) > GENOTYPE_TEXT:
        return None
    return _index().get(fold_name(name))


def get_allele(name: str, field: str = "allele") -> Allele:
    """The allele called ``name``; raises :class:`InputError` listing the known alleles."""
    record = find_allele(name)
    if record is None:
        raise InputError(field, name, "a SERPINA1 allele: " + ", ".join(known_allele_names()))
    return record


def is_null(allele: Allele) -> bool:
    """True for alleles that make no circulating AAT (Q0 alleles and the generic Null)."""
    return allele.functional_class == "null"


def is_deficiency_allele(allele: Allele) -> bool:
    """True for alleles that lower AAT or make it dysfunctional (everything but normal M)."""
    return allele.functional_class != "normal"


def genotyping_alleles() -> tuple[Allele, ...]:
    """Alleles whose coordinates were verified in two sources: the only ones used to read files."""
    return tuple(a for a in allele_catalogue() if a.verified and a.grch38_pos is not None)
