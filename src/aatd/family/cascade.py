"""Cascade testing: whom in the family to test first, and what a couple's child may inherit.

Guidelines ask that relatives of a person found to have AATD be offered testing. The
plan ranks every living relative who has no genotype or IEF phenotype yet by the
posterior probability of a severe genotype (severity class severe or absent: ZZ,
Z/Null, Null/Null, SZ and the other genotypes whose expected level is below the
protective threshold), then by the probability of being a carrier (exactly one
deficiency allele), then by the degree of relationship to the proband (closer first;
see :mod:`aatd.family.relationships`), then by id. Probabilities equal to 12 decimals count as
ties, so MZ twins or the two parents of a proband are ordered by degree, not by rounding
noise. Probabilities come from exact inference on the whole pedigree
(:mod:`aatd.family.inference`), so every measured relative informs every other.

:func:`pedigree_report` is the JSON-in, JSON-out answer shared by the CLI and the API.
aatd supports, and does not replace, clinical judgement and genetic counselling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aatd.errors import InputError
from aatd.family._junction_tree import Progress
from aatd.family.inference import (
    ExactLimits,
    PedigreeResult,
    allele_model,
    carrier_mask,
    infer,
    prior_parameters,
    prospective_child,
    severe_mask,
)
from aatd.family.pedigree import Pedigree, read_pedigree_text
from aatd.family.pedigree import pedigree_from_json as _from_json
from aatd.family.relationships import Relationship, proband_id, relationships_to
from aatd.genetics.genotypes import Genotype
from aatd.genetics.inheritance import as_canonical
from aatd.genetics.levels import MODEL_SOURCES, protective_threshold_umol_l
from aatd.knowledge import knowledge
from aatd.provenance import provenance

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
    candidates = [m for m in result.pedigree.members if not m.deceased and not m.genotyped]
    scored = sorted(((result.p_severe(m.id), result.p_carrier(m.id), m.id) for m in candidates),
                    key=lambda t: _plan_key(t[0], t[1], rels[t[2]], t[2]))
    plan = []
    for rank, (severe, carrier, member_id) in enumerate(scored, start=1):
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
    if rel is not None and rel.degree is not None:
        text += f"; {rel.label} of the proband ({ordinal(rel.degree)}-degree relative)"
    elif rel is not None:
        text += f"; {rel.label} of the proband"
    return text


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plan_json(plan: Sequence[PlanEntry]) -> list[dict[str, Any]]:
    return [{"rank": e.rank, "id": e.member_id, "p_severe": e.p_severe, "p_carrier": e.p_carrier,
             "most_likely": e.most_likely.canonical, "reason": e.reason, "relationship": e.relationship,
             "degree": e.degree} for e in plan]


def members_json(result: PedigreeResult) -> dict[str, dict[str, Any]]:
    """``{"<id>": {"genotypes": {...}, "p_severe": p, "p_carrier": p, "relationship": ..., "degree": ...}}``.

    ``genotypes``/``p_severe``/``p_carrier`` are the JSON contract; ``relationship`` and
    ``degree`` (to the proband, :mod:`aatd.family.relationships`) are ``None`` without a proband.
    """
    severe, carrier = severe_mask(result.model), carrier_mask(result.model)
    rels = relationships_to(result.pedigree, proband_id(result.pedigree))
    out: dict[str, dict[str, Any]] = {}
    for m in result.pedigree.members:
        row = result.row(m.id)
        rel = rels[m.id]
        out[m.id] = {"genotypes": as_canonical(result.distribution(m.id)),
                     "p_severe": float(row @ severe), "p_carrier": float(row @ carrier),
                     "relationship": rel.label if rel else None, "degree": rel.degree if rel else None}
    return out


def _frequencies_from(doc: Mapping[str, Any], country: str | None,
                      frequencies: Mapping[str, float] | None) -> tuple[str | None, Mapping[str, float] | None]:
    """CLI/API arguments override the document's ``country`` / ``allele_frequencies``."""
    if country is not None and frequencies is not None:
        raise InputError("country", country, "either a country or explicit frequencies, not both")
    if country is not None or frequencies is not None:
        return country, frequencies
    doc_country, doc_freqs = doc.get("country"), doc.get("allele_frequencies")
    if doc_country is not None and doc_freqs is not None:
        raise InputError("country", doc_country, "either 'country' or 'allele_frequencies', not both")
    if doc_freqs is not None and not isinstance(doc_freqs, Mapping):
        raise InputError("allele_frequencies", doc_freqs, "an object such as {'M': 0.95, 'S': 0.03, 'Z': 0.02}")
    if doc_country is not None and not isinstance(doc_country, str):
        raise InputError("country", doc_country, "a country name")
    return doc_country, doc_freqs


def _couples(pedigree: Pedigree, couples: Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if couples is not None:
        return list(couples)
    return sorted({(m.father, m.mother) for m in pedigree.members if m.father and m.mother})


def report_for(result: PedigreeResult, *, plan: bool = False,
               couples: Sequence[tuple[str, str]] | None = None,
               limits: ExactLimits | None = None) -> dict[str, Any]:
    """The full JSON answer for an inference result."""
    pedigree, model = result.pedigree, result.model
    residual = prior_parameters()["residual_allele_frequency"]
    out: dict[str, Any] = {
        "members": members_json(result),
        "allele_frequencies": dict(model.frequencies),
        "frequency_basis": model.basis,
        "log_likelihood": result.log_likelihood,
        "method": result.method,
        "definitions": {
            "p_severe": "probability of a genotype whose severity class is severe or absent (expected level "
                        f"below the protective threshold of {protective_threshold_umol_l():g} µmol/L)",
            "p_carrier": "probability of exactly one deficiency allele (any allele not of the normal class)",
            "relationship": "how the member is related to the proband (the member marked proband, else the first "
                            "with a severe genotype), from common ancestors and generation distances",
            "degree": "degree of relationship to the proband (1: parents, children, full siblings; 2: "
                      "grandparents, aunts/uncles, half-siblings...; 3: first cousins...); null for the proband, "
                      "partners and unrelated members",
        },
        "proband": proband_id(pedigree),
        "sources": sorted({knowledge().cite_short(s) for s in (*MODEL_SOURCES, residual.source)}),
        "note": DISCLAIMER,
    }
    if plan:
        out["plan"] = _plan_json(cascade_plan(result))
        out["prospective_children"] = [
            {"father": f, "mother": m,
             "genotypes": as_canonical(prospective_child(pedigree, model, f, m, limits=limits))}
            for f, m in _couples(pedigree, couples)
        ]
    out["provenance"] = provenance(frequency_basis=model.basis)
    return out


def pedigree_report(doc: Mapping[str, Any], *, country: str | None = None,
                    frequencies: Mapping[str, float] | None = None, plan: bool = False,
                    couples: Sequence[tuple[str, str]] | None = None, residual: bool | None = None,
                    limits: ExactLimits | None = None) -> dict[str, Any]:
    """JSON in, JSON out: posterior genotypes of every member, optionally the cascade plan.

    ``doc`` is the aatd pedigree document (``members`` plus ``country`` or
    ``allele_frequencies``); ``country``/``frequencies`` override the document's.
    With ``plan``, adds the ranked testing plan and the child distribution of each
    couple in ``couples`` (default: every couple with children in the pedigree).
    """
    return family_answer(doc, country=country, frequencies=frequencies, plan=plan, couples=couples,
                         residual=residual, limits=limits)[1]


def family_answer(doc: Mapping[str, Any], *, country: str | None = None,
                  frequencies: Mapping[str, float] | None = None, plan: bool = False,
                  couples: Sequence[tuple[str, str]] | None = None, residual: bool | None = None,
                  limits: ExactLimits | None = None) -> tuple[PedigreeResult, dict[str, Any]]:
    """As :func:`pedigree_report`, also returning the inference result (to draw without inferring again)."""
    pedigree = _from_json(doc)
    chosen_country, chosen_freqs = _frequencies_from(doc, country, frequencies)
    model = allele_model(pedigree, country=chosen_country, frequencies=chosen_freqs,
                         residual=_residual_from(doc, residual))
    result = infer(pedigree, model, limits=limits)
    return result, report_for(result, plan=plan, couples=couples, limits=limits)


def report_from_text(text: str, *, country: str | None = None, frequencies: Mapping[str, float] | None = None,
                     plan: bool = False, couples: Sequence[tuple[str, str]] | None = None,
                     residual: bool | None = None, limits: ExactLimits | None = None,
                     progress: Progress | None = None) -> tuple[Pedigree, PedigreeResult, dict[str, Any]]:
    """Read any supported pedigree format and answer; also return the pedigree and result (for drawing)."""
    pedigree, doc = read_pedigree_text(text)
    chosen_country, chosen_freqs = _frequencies_from(doc, country, frequencies)
    model = allele_model(pedigree, country=chosen_country, frequencies=chosen_freqs,
                         residual=_residual_from(doc, residual))
    result = infer(pedigree, model, limits=limits, progress=progress)
    return pedigree, result, report_for(result, plan=plan, couples=couples, limits=limits)


def _residual_from(doc: Mapping[str, Any], residual: bool | None) -> bool | None:
    """The ``residual_allele`` switch: the argument, else the document's, else the model's default."""
    if residual is not None:
        return residual
    value = doc.get("residual_allele")
    if value is not None and not isinstance(value, bool):
        raise InputError("residual_allele", value, "true or false")
    return value
