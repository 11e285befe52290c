"""Augmentation-therapy eligibility per guideline, evaluated from ``augmentation_criteria.csv``.

Each row is one criterion of one guideline: ``level_umol_l`` (serum AAT, µmol/L),
``fev1_pct`` (post-bronchodilator FEV1, % predicted), ``smoking`` (never/former/current),
``emphysema`` or ``ct_density_decline`` (true/false), with an operator, a value, and what
failing it means (``not_indicated`` or ``discuss``). A guideline's decision is:

* ``not_indicated`` - a known value fails a ``not_indicated`` criterion;
* ``undetermined`` - otherwise, some value is missing (listed in ``missing``);
* ``discuss`` - all known, but a ``discuss`` criterion fails (e.g. A1F, FEV1 > 65%);
* ``consider`` - every criterion is met.

The serum-level criterion can also be met by the genotype alone when (nearly) every
person of that genotype is below the threshold - its modelled 95th percentile is - and
failed when its 5th percentile is above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aatd.clinic.guidelines import AugmentationCriterion, cite, guideline_tables


class Smoking(StrEnum):
    """Smoking status."""

    NEVER = "never"
    FORMER = "former"
    CURRENT = "current"


@dataclass(frozen=True, slots=True)
class LevelEvidence:
    """What is known of the serum level for the threshold: a measured value (µmol/L, with
    whether it is a "<x" upper bound or raised by inflammation) and/or the genotype's range."""

    measured_umol_l: float | None = None
    censored: bool = False
    inflamed: bool = False
    genotype: str | None = None
    genotype_p5_umol_l: float | None = None
    genotype_p95_umol_l: float | None = None


@dataclass(frozen=True, slots=True)
class ClinicalFacts:
    level: LevelEvidence
    fev1_pct: float | None = None
    smoking: Smoking | None = None
    emphysema: bool | None = None
    ct_density_decline: bool | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion: AugmentationCriterion
    met: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class EligibilityVerdict:
    guideline: str
    decision: str
    results: tuple[CriterionResult, ...]
    missing: tuple[str, ...]


def _compare(value: float, operator: str, threshold: float) -> bool:
    return {"lt": value < threshold, "le": value <= threshold, "ge": value >= threshold,
            "gt": value > threshold}[operator]


def _level(c: AugmentationCriterion, level: LevelEvidence) -> tuple[bool | None, str]:
    threshold = float(c.value)
    if level.measured_umol_l is not None:
        below = _compare(level.measured_umol_l, c.operator, threshold)
        if below:
            return True, f"measured {level.measured_umol_l:.1f} µmol/L"
        if not level.censored and not level.inflamed:
            return False, f"measured {level.measured_umol_l:.1f} µmol/L"
    if level.genotype and level.genotype_p95_umol_l is not None and level.genotype_p5_umol_l is not None:
        if _compare(level.genotype_p95_umol_l, c.operator, threshold):
            return True, f"genotype {level.genotype}: 95th percentile {level.genotype_p95_umol_l:.1f} µmol/L"
        if not _compare(level.genotype_p5_umol_l, c.operator, threshold):
            return False, f"genotype {level.genotype}: 5th percentile {level.genotype_p5_umol_l:.1f} µmol/L"
    why = "a serum level without inflammation" if level.inflamed else "a serum AAT level"
    return None, why


def _evaluate(c: AugmentationCriterion, facts: ClinicalFacts) -> CriterionResult:
    if c.criterion == "level_umol_l":
        met, detail = _level(c, facts.level)
        return CriterionResult(c, met, detail)
    if c.criterion == "fev1_pct":
        if facts.fev1_pct is None:
            return CriterionResult(c, None, "FEV1 % predicted")
        return CriterionResult(c, _compare(facts.fev1_pct, c.operator, float(c.value)), f"FEV1 {facts.fev1_pct:g}%")
    if c.criterion == "smoking":
        if facts.smoking is None:
            return CriterionResult(c, None, "smoking status")
        return CriterionResult(c, facts.smoking.value in c.value.split(";"), f"smoking {facts.smoking.value}")
    value = facts.emphysema if c.criterion == "emphysema" else facts.ct_density_decline
    label = "emphysema on CT" if c.criterion == "emphysema" else "CT lung-density decline"
    if value is None:
        return CriterionResult(c, None, label)
    return CriterionResult(c, value == (c.value.lower() == "true"), f"{label}: {'yes' if value else 'no'}")


def _decision(results: list[CriterionResult]) -> str:
    if any(r.met is False and r.criterion.if_unmet == "not_indicated" for r in results):
        return "not_indicated"
    if any(r.met is None for r in results):
        return "undetermined"
    if any(r.met is False for r in results):
        return "discuss"
    return "consider"


def augmentation_eligibility(facts: ClinicalFacts) -> tuple[EligibilityVerdict, ...]:
    """Per guideline with eligibility rows, the augmentation decision and what is missing."""
    by_guideline: dict[str, list[CriterionResult]] = {}
    for criterion in guideline_tables().augmentation:
        by_guideline.setdefault(criterion.guideline, []).append(_evaluate(criterion, facts))
    verdicts = []
    for guideline, results in by_guideline.items():
        missing = tuple(dict.fromkeys(r.detail for r in results if r.met is None))
        verdicts.append(EligibilityVerdict(guideline, _decision(results), tuple(results), missing))
    return tuple(verdicts)


def describe_eligibility(verdicts: tuple[EligibilityVerdict, ...]) -> list[dict[str, object]]:
    """JSON-ready form of :func:`augmentation_eligibility`."""
    tables = guideline_tables()
    out: list[dict[str, object]] = []
    for v in verdicts:
        g = tables.guidelines[v.guideline]
        out.append({
            "guideline": v.guideline, "name": f"{g.name} {g.year}", "decision": v.decision,
            "missing": list(v.missing),
            "criteria": [{"criterion": r.criterion.criterion, "operator": r.criterion.operator,
                          "value": r.criterion.value, "met": r.met, "detail": r.detail,
                          "if_unmet": r.criterion.if_unmet, "notes": r.criterion.notes,
                          "sources": cite(r.criterion.source)} for r in v.results],
        })
    return out


def guidelines_without_eligibility() -> list[str]:
    """Guidelines aatd encodes for testing but whose augmentation criteria are not encoded."""
    tables = guideline_tables()
    encoded = {c.guideline for c in tables.augmentation}
    return [g for g in tables.guidelines if g not in encoded and "augmentation" in tables.guidelines[g].scope]
