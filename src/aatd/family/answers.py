"""Typed, JSON-ready answers for a family: every member's genotype probabilities and the cascade plan.

:func:`pedigree_report` (a pedigree document in, a :class:`PedigreeAnswer` out) is shared by the CLI,
the REST API and the web pages; :func:`family_answer` also returns the inference result, so a page can
draw the family without inferring again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired

from typing_extensions import TypedDict

from aatd.errors import InputError
from aatd.family._junction_tree import Progress
from aatd.family.cascade import DISCLAIMER, PlanEntry, cascade_plan
from aatd.family.inference import (
    ExactLimits,
    PedigreeResult,
    allele_model,
    carrier_mask,
    infer,
    prior_parameters,
    prospective_children,
    severe_mask,
)
from aatd.family.pedigree import Pedigree, read_pedigree_text
from aatd.family.pedigree import pedigree_from_json as _from_json
from aatd.family.relationships import proband_id, relationships_to
from aatd.genetics.inheritance import as_canonical
from aatd.genetics.levels import MODEL_SOURCES, Severity, genotype_classes, protective_threshold_umol_l
from aatd.knowledge import knowledge
from aatd.limits import check_time_budget
from aatd.provenance import Provenance, provenance


class MemberAnswer(TypedDict):
    """One member: posterior genotype probabilities, P(severe), P(carrier), relationship to the proband."""

    genotypes: dict[str, float]
    p_severe: float
    p_carrier: float
    relationship: str | None
    degree: int | None


class PlanRow(TypedDict):
    """One relative to offer testing, in order, with the reason for their place."""

    rank: int
    id: str
    p_severe: float
    p_carrier: float
    most_likely: str
    reason: str
    relationship: str | None
    degree: int | None


class ChildChances(TypedDict):
    """The genotype distribution of a prospective child of one couple."""

    father: str
    mother: str
    genotypes: dict[str, float]


class PedigreeDefinitions(TypedDict):
    """What the report's terms mean."""

    p_severe: str
    p_carrier: str
    relationship: str
    degree: str


class PedigreeAnswer(TypedDict):
    """``aatd pedigree --json``: posteriors of every member; with ``plan``, the cascade plan and children."""

    members: dict[str, MemberAnswer]
    allele_frequencies: dict[str, float]
    frequency_basis: str
    log_likelihood: float
    method: str
    definitions: PedigreeDefinitions
    proband: str | None
    sources: list[str]
    note: str
    plan: NotRequired[list[PlanRow]]
    prospective_children: NotRequired[list[ChildChances]]
    provenance: Provenance


def _plan_json(plan: Sequence[PlanEntry]) -> list[PlanRow]:
    return [PlanRow(rank=e.rank, id=e.member_id, p_severe=e.p_severe, p_carrier=e.p_carrier,
                    most_likely=e.most_likely.canonical, reason=e.reason, relationship=e.relationship,
                    degree=e.degree) for e in plan]


def members_json(result: PedigreeResult) -> dict[str, MemberAnswer]:
    """``{"<id>": {"genotypes": {...}, "p_severe": p, "p_carrier": p, "relationship": ..., "degree": ...}}``.

    ``genotypes``/``p_severe``/``p_carrier`` are the JSON contract; ``relationship`` and
    ``degree`` (to the proband, :mod:`aatd.family.relationships`) are ``None`` without a proband.
    """
    severe, carrier = severe_mask(result.model), carrier_mask(result.model)
    rels = relationships_to(result.pedigree, proband_id(result.pedigree))
    out: dict[str, MemberAnswer] = {}
    for m in result.pedigree.members:
        row = result.row(m.id)
        rel = rels[m.id]
        out[m.id] = MemberAnswer(genotypes=as_canonical(result.distribution(m.id)),
                                 p_severe=float(row @ severe), p_carrier=float(row @ carrier),
                                 relationship=rel.label if rel else None, degree=rel.degree if rel else None)
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


_P_SEVERE = ("probability of a genotype of the severe or absent class: {cited} (their cited classes; Z/F counts "
             "although its level is above the threshold, because F is dysfunctional), or another genotype whose "
             "modelled median level is below the protective threshold of {threshold} µmol/L")


def severe_genotypes() -> list[str]:
    """The genotypes whose cited class (``genotype_classes.csv``) is severe or absent, as the definition names them."""
    return [g for g, s in genotype_classes().items() if s in (Severity.SEVERE, Severity.ABSENT)]


def report_for(result: PedigreeResult, *, plan: bool = False,
               couples: Sequence[tuple[str, str]] | None = None,
               limits: ExactLimits | None = None) -> PedigreeAnswer:
    """The full answer for an inference result."""
    pedigree, model = result.pedigree, result.model
    residual = prior_parameters()["residual_allele_frequency"]
    out = PedigreeAnswer({
        "members": members_json(result),
        "allele_frequencies": dict(model.frequencies),
        "frequency_basis": model.basis,
        "log_likelihood": result.log_likelihood,
        "method": result.method,
        "definitions": {
            "p_severe": _P_SEVERE.format(cited=", ".join(severe_genotypes()),
                                         threshold=f"{protective_threshold_umol_l():g}"),
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
        "provenance": provenance(frequency_basis=model.basis),
    })
    if plan:
        out["plan"] = _plan_json(cascade_plan(result))
        pairs = _couples(pedigree, couples)
        check_time_budget("cascade plan (children of each couple)")
        children = prospective_children(pedigree, model, pairs, limits=limits)
        out["prospective_children"] = [ChildChances(father=f, mother=m, genotypes=as_canonical(child))
                                        for (f, m), child in zip(pairs, children, strict=True)]
    return out


def pedigree_report(doc: Mapping[str, Any], *, country: str | None = None,
                    frequencies: Mapping[str, float] | None = None, plan: bool = False,
                    couples: Sequence[tuple[str, str]] | None = None, residual: bool | None = None,
                    limits: ExactLimits | None = None) -> PedigreeAnswer:
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
                  limits: ExactLimits | None = None) -> tuple[PedigreeResult, PedigreeAnswer]:
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
                     progress: Progress | None = None) -> tuple[Pedigree, PedigreeResult, PedigreeAnswer]:
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
