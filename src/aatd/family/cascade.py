"""Cascade testing: whom in the family to test first, and what a couple's child may inherit.

Guidelines ask that relatives of a person found to have AATD be offered testing. The
plan ranks every living relative who has no genotype or IEF phenotype yet by the
posterior probability of a severe genotype (severity class severe or absent: the cited
classes of ZZ, SZ, Z/F and Null/Null, and the other genotypes, such as Z/Null, whose
modelled median level is below the protective threshold), then by the probability of being a carrier (exactly one
deficiency allele), then by the degree of relationship to the proband (closer first;
see :mod:`aatd.family.relationships`), then by id. Probabilities equal to 12 decimals count as
ties, so MZ twins or the two parents of a proband are ordered by degree, not by rounding
noise. Probabilities come from exact inference on the whole pedigree
(:mod:`aatd.family.inference`), so every measured relative informs every other.

The typed answer the shells render (:func:`aatd.family.answers.pedigree_report`) is built in
:mod:`aatd.family.answers`. aatd supports, and does not replace, clinical judgement and genetic counselling.
"""

from __future__ import annotations

from dataclasses import dataclass

from aatd.family.inference import PedigreeResult
from aatd.family.relationships import Relationship, proband_id, relationships_to
from aatd.genetics.genotypes import Genotype
from aatd.limits import check_time_budget

DISCLAIMER = ("aatd supports, and does not replace, clinical judgement and genetic counselling: "
              "probabilities assume correct parentage, correct results and Hardy-Weinberg founders.")


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One relative to offer testing, with the reason for their place in the order."""

    rank: int
    member_id: str
    p_severe: float
    p_carrier: float
    most_likely: Genotype
    reason: str
    relationship: str | None = None
    degree: int | None = None


TIE_DECIMALS = 12
"""Probabilities equal to this many decimals are ties in the plan (broken by degree of relationship)."""


def _plan_key(severe: float, carrier: float, rel: Relationship | None, member_id: str) -> tuple[float, float, int,
                                                                                            str]:
    degree = rel.degree if rel is not None and rel.degree is not None else 10**6
    return (-round(severe, TIE_DECIMALS), -round(carrier, TIE_DECIMALS), degree, member_id)


def cascade_plan(result: PedigreeResult) -> tuple[PlanEntry, ...]:
    """Living members without a genotype or IEF phenotype: most likely severe first, then carriers, then closest."""
    rels = relationships_to(result.pedigree, proband_id(result.pedigree))
    check_time_budget("cascade plan (relationships)")
    candidates = [m for m in result.pedigree.members if not m.deceased and not m.genotyped]
    scored = sorted(((result.p_severe(m.id), result.p_carrier(m.id), m.id) for m in candidates),
                    key=lambda t: _plan_key(t[0], t[1], rels[t[2]], t[2]))
    plan = []
    for rank, (severe, carrier, member_id) in enumerate(scored, start=1):
        check_time_budget("cascade plan")
        dist = result.distribution(member_id)
        top = max(dist, key=dist.__getitem__)
        rel = rels[member_id]
        plan.append(PlanEntry(rank, member_id, severe, carrier, top, _reason(result, member_id, rel),
                              rel.label if rel else None, rel.degree if rel else None))
    return tuple(plan)


def _reason(result: PedigreeResult, member_id: str, rel: Relationship | None) -> str:
    """Why the member is where they are in the plan, in words."""
    severe, carrier = result.p_severe(member_id), result.p_carrier(member_id)
    dist = result.distribution(member_id)
    top = max(dist, key=dist.__getitem__)
    member = result.pedigree[member_id]
    text = (f"P(severe genotype) {severe:.1%}, P(carrier) {carrier:.1%}; most likely {top.canonical} "
            f"({dist[top]:.1%})")
    if member.level is not None:
        text += "; serum level already measured, genotype not"
    if member.phenotype is not None:
        text += f"; {member.phenotype.canonical}, the other allele not determined"
    if rel is not None and rel.label == "proband":
        text += "; the proband (not yet tested)"
    elif rel is not None and rel.degree is not None:
        text += f"; {rel.label} of the proband ({ordinal(rel.degree)}-degree relative)"
    elif rel is not None:
        text += f"; {rel.label} of the proband"
    return text


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
