"""Mendelian inheritance of SERPINA1 alleles (autosomal, codominant).

Each parent passes one of their two alleles with probability 1/2, independently; a
child's genotype distribution is the product of the parents' gamete distributions.
Parents may be known exactly or only as genotype distributions (e.g. posteriors from a
pedigree), in which case their gametes are mixed accordingly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, genotype_sort_key, parse_genotype

GenotypeDistribution = dict[Genotype, float]
ParentInput = Genotype | str | Mapping[Genotype, float] | Mapping[str, float]

_TOLERANCE = 1e-9


def _as_distribution(parent: ParentInput, field: str) -> GenotypeDistribution:
    if isinstance(parent, Genotype):
        return {parent: 1.0}
    if isinstance(parent, str):
        return {parse_genotype(parent, field): 1.0}
    dist: GenotypeDistribution = defaultdict(float)
    for key, p in parent.items():
        g = key if isinstance(key, Genotype) else parse_genotype(key, field)
        if not isinstance(p, int | float) or p < 0:
            raise InputError(f"{field}.{g}", p, "a probability of zero or more")
        dist[g] += float(p)
    total = sum(dist.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(field, dict(parent), "genotype probabilities summing to 1", hint=f"they sum to {total:g}")
    return dict(dist)


def gametes(parent: ParentInput, field: str = "parent") -> dict[str, float]:
    """The distribution of the allele a parent transmits."""
    out: dict[str, float] = defaultdict(float)
    for g, p in _as_distribution(parent, field).items():
        out[g.first] += p / 2
        out[g.second] += p / 2
    return dict(out)


def offspring_distribution(father: ParentInput, mother: ParentInput) -> GenotypeDistribution:
    """Genotype distribution of a child of ``father`` and ``mother`` (exact, canonical order)."""
    from_father, from_mother = gametes(father, "father"), gametes(mother, "mother")
    child: GenotypeDistribution = defaultdict(float)
    for a, pa in from_father.items():
        for b, pb in from_mother.items():
            child[Genotype.of(a, b)] += pa * pb
    return sort_distribution({g: p for g, p in child.items() if p > _TOLERANCE * 1e-3})


def sort_distribution(dist: Mapping[Genotype, float]) -> GenotypeDistribution:
    """The distribution in canonical genotype order."""
    return {g: dist[g] for g in sorted(dist, key=genotype_sort_key)}


def as_canonical(dist: Mapping[Genotype, float]) -> dict[str, float]:
    """``{"MZ": 0.5, ...}``: genotypes written canonically, in canonical order."""
    return {g.canonical: p for g, p in sort_distribution(dist).items()}
