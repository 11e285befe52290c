"""Augmentation-therapy eligibility per guideline, evaluated from ``augmentation_criteria.csv``.

Each row is one criterion of one guideline's *indication* (``lung``: emphysema/COPD;
``panniculitis``: necrotising panniculitis), quoting the sentence it encodes. Criteria:

* ``genotype_class`` - ``no_normal_allele``: both alleles deficient or null. Any genotype with
  a normal (M) allele - MM, MS, MZ, M/rare - fails it (A1F 2016; Sandhaus 2008);
* ``level_umol_l`` - the serum level against the 11 µmol/L threshold (see below);
* ``fev1_pct`` (post-bronchodilator FEV1, % predicted), ``smoking`` (never/former/current),
  ``lung_disease`` (airflow obstruction/COPD), ``emphysema`` (CT), ``panniculitis``,
  ``age_years``.

Airflow obstruction may be stated (``lung_disease``) or read from spirometry
(:class:`AirflowObstruction`: FEV1/FVC below its lower limit of normal, the definition of COPD
in :mod:`aatd.risk`, which computes it). The guidelines ask for post-bronchodilator values: a
spirometry not marked as such still decides the row, and every guideline weighing it says so
in its ``note``.

An indication's decision is ``not_indicated`` when a known value fails a ``not_indicated``
row; otherwise ``undetermined`` when a value is missing (listed in ``missing``); ``discuss``
when a ``discuss`` row fails (A1F: FEV1 > 65% with lung disease); ``consider`` when every
row is met. A guideline takes its best indication (consider > discuss > undetermined >
not_indicated); the panniculitis indication is weighed only when panniculitis is stated.

The level row, in this order:

1. a measured level (not censored) is compared with the threshold: above it, the row fails,
   whatever the genotype, inflammation or pregnancy - a measured level above the threshold
   is never eligible (inflammation and pregnancy only raise the level, so below stays below).
   One exception keeps the answer true of the values: with a raised CRP, a level that would be
   below the threshold without the genotype's median acute-phase rise (Sanders 2018) leaves the
   row unknown (``undetermined``, "a level measured when well"), not failed;
2. a censored result "<x" meets the row when x is at or below the threshold;
3. otherwise (no usable level, on augmentation) the reported genotype's modelled range
   decides: met when its 95th percentile is below the threshold, failed when its 5th is above.

Two rules wrap the table: a level that disagrees with the genotype makes every ``consider``
or ``discuss`` ``undetermined`` until the discordance is resolved; an unknown age is taken
as adult and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aatd.clinic.answers import EligibilityAnswer
from aatd.clinic.guidelines import INDICATIONS, AugmentationCriterion, cite, guideline_tables
from aatd.genetics.units import shown_against

DECISIONS = ("not_indicated", "undetermined", "discuss", "consider")
"""Augmentation decisions, weakest first (a guideline takes its best indication)."""
ELIGIBLE = frozenset({"consider", "discuss"})
"""Decisions under which augmentation may be offered."""
NO_NORMAL_ALLELE = "no_normal_allele"
RESOLVE_DISCORDANCE = "the level and the genotype agree (resolve the discordance first)"


class Smoking(StrEnum):
    """Smoking status."""

    NEVER = "never"
    FORMER = "former"
    CURRENT = "current"


@dataclass(frozen=True, slots=True)
class LevelEvidence:
    """What is known of the serum level for the threshold.

    ``measured_umol_l`` is a usable measured value (not during augmentation, unit not in
    doubt); ``censored`` marks it as a "<x" upper bound; ``raised`` marks inflammation or
    pregnancy (the true level may be lower). ``genotype_p5_umol_l``/``genotype_p95_umol_l`` are
    the reported genotype's modelled 5th and 95th percentiles.
    """

    measured_umol_l: float | None = None
    censored: bool = False
    raised: bool = False
    genotype: str | None = None
    genotype_p5_umol_l: float | None = None
    genotype_p95_umol_l: float | None = None
    well_umol_l: float | None = None
    """With a raised CRP, the measured level without the genotype's median acute-phase rise (µmol/L)."""


@dataclass(frozen=True, slots=True)
class AirflowObstruction:
    """Airflow obstruction read from one spirometry: FEV1/FVC (a ratio, 0-1) against its lower limit of normal.

    Built by :func:`aatd.risk.lung_function.lung_function` (the GLI equations live in the risk
    layer); ``equations`` names the reference equations; ``post_bronchodilator`` is ``True`` only when
    the spirometry is marked as measured after a bronchodilator (``None``: not said).
    """

    obstructed: bool
    fev1_fvc: float
    lower_limit: float
    equations: str
    post_bronchodilator: bool | None = None

    @property
    def finding(self) -> str:
        """The finding in words, with the ratio printed on its true side of the limit."""
        ratio = shown_against(self.fev1_fvc, self.lower_limit, decimals=2)
        limit = shown_against(self.lower_limit, self.fev1_fvc, decimals=2)
        side = "below" if self.obstructed else "not below"
        return f"FEV1/FVC {ratio} is {side} its lower limit of normal {limit} ({self.equations})"


NOT_POST_BRONCHODILATOR = ("this spirometry is not marked as post-bronchodilator: airflow obstruction is judged on "
                           "post-bronchodilator spirometry (GOLD 2023), so confirm it after a bronchodilator")
"""Said by every guideline that weighs a spirometry not marked as post-bronchodilator."""
_SPIROMETRY_CRITERIA = frozenset({"fev1_pct", "lung_disease"})


@dataclass(frozen=True, slots=True)
class ClinicalFacts:
    """The inputs of :func:`augmentation_eligibility`.

    ``genotype_class`` is ``no_normal_allele``, ``normal_allele`` or ``None`` (unknown);
    ``age_years`` ``None`` is taken as adult; ``concordant`` ``False`` marks a level that
    disagrees with the genotype. ``airflow`` (from spirometry) decides ``lung_disease`` when it
    is not stated.
    """

    level: LevelEvidence
    fev1_pct: float | None = None
    smoking: Smoking | None = None
    emphysema: bool | None = None
    ct_density_decline: bool | None = None
    genotype_class: str | None = None
    lung_disease: bool | None = None
    panniculitis: bool | None = None
    age_years: float | None = None
    concordant: bool | None = None
    airflow: AirflowObstruction | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion: AugmentationCriterion
    met: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class EligibilityVerdict:
    """One guideline's decision, its best indication and every criterion evaluated."""

    guideline: str
    decision: str
    results: tuple[CriterionResult, ...]
    missing: tuple[str, ...]
    indication: str = "lung"
    note: str = ""

    @property
    def eligible(self) -> bool:
        """Whether augmentation may be offered (``consider`` or ``discuss``)."""
        return self.decision in ELIGIBLE


def _compare(value: float, operator: str, threshold: float) -> bool:
    return {"lt": value < threshold, "le": value <= threshold, "ge": value >= threshold,
            "gt": value > threshold}[operator]


def _level(c: AugmentationCriterion, level: LevelEvidence) -> tuple[bool | None, str]:
    threshold = float(c.value)
    symbol = {"lt": "<", "le": "<="}.get(c.operator, c.operator)
    if level.measured_umol_l is not None and not level.censored:
        value = level.measured_umol_l
        shown = shown_against(value, threshold)
        if _compare(value, c.operator, threshold):
            return True, f"measured {shown} µmol/L is {symbol} {threshold:g} µmol/L"
        if level.well_umol_l is not None and _compare(level.well_umol_l, c.operator, threshold):
            well = shown_against(level.well_umol_l, threshold)
            return None, (f"a serum AAT level measured when well: {shown} µmol/L was measured with a raised CRP "
                          f"and may be about {well} µmol/L ({symbol} {threshold:g} µmol/L) without the acute-phase "
                          "rise")
        why = " (measured during inflammation or pregnancy: repeat when well)" if level.raised else ""
        return False, f"measured {shown} µmol/L is not {symbol} {threshold:g} µmol/L{why}"
    if level.measured_umol_l is not None and level.censored and level.measured_umol_l <= threshold:
        return True, f"below {level.measured_umol_l:.1f} µmol/L (censored result)"
    if level.genotype and level.genotype_p95_umol_l is not None and level.genotype_p5_umol_l is not None:
        if _compare(level.genotype_p95_umol_l, c.operator, threshold):
            return True, f"genotype {level.genotype}: 95th percentile {level.genotype_p95_umol_l:.1f} µmol/L"
        if not _compare(level.genotype_p5_umol_l, c.operator, threshold):
            return False, f"genotype {level.genotype}: 5th percentile {level.genotype_p5_umol_l:.1f} µmol/L"
    return None, "a serum AAT level (the genotype's range straddles the threshold)" if level.genotype \
        else "a serum AAT level"


def _flag(value: bool | None, c: AugmentationCriterion, label: str) -> CriterionResult:
    if value is None:
        return CriterionResult(c, None, label)
    return CriterionResult(c, value == (c.value.lower() == "true"), f"{label}: {'yes' if value else 'no'}")


_FLAG_LABELS = {"emphysema": "emphysema on CT", "ct_density_decline": "CT lung-density decline",
                "lung_disease": "airflow obstruction (COPD) on lung-function tests",
                "panniculitis": "necrotising panniculitis"}


def _evaluate(c: AugmentationCriterion, facts: ClinicalFacts) -> CriterionResult:
    if c.criterion == "level_umol_l":
        met, detail = _level(c, facts.level)
        return CriterionResult(c, met, detail)
    if c.criterion == "genotype_class":
        if facts.genotype_class is None:
            return CriterionResult(c, None, "a genotype (or phenotype) confirming two deficiency alleles")
        ok = facts.genotype_class == c.value
        return CriterionResult(c, ok, "two deficiency or null alleles" if ok else
                               "a normal (M) allele: heterozygotes are not treated")
    if c.criterion == "fev1_pct":
        if facts.fev1_pct is None:
            return CriterionResult(c, None, "FEV1 % predicted")
        return CriterionResult(c, _compare(facts.fev1_pct, c.operator, float(c.value)), f"FEV1 {facts.fev1_pct:g}%")
    if c.criterion == "smoking":
        if facts.smoking is None:
            return CriterionResult(c, None, "smoking status")
        return CriterionResult(c, facts.smoking.value in c.value.split(";"), f"smoking {facts.smoking.value}")
    if c.criterion == "age_years":
        if facts.age_years is None:
            return CriterionResult(c, True, "age not given: assumed adult")
        met = _compare(facts.age_years, c.operator, float(c.value))
        return CriterionResult(c, met, f"age {facts.age_years:g} years")
    if c.criterion == "lung_disease" and facts.lung_disease is None and facts.airflow is not None:
        result = _flag(facts.airflow.obstructed, c, _FLAG_LABELS[c.criterion])
        return CriterionResult(c, result.met, f"{result.detail}, {facts.airflow.finding}")
    value = {"emphysema": facts.emphysema, "ct_density_decline": facts.ct_density_decline,
             "lung_disease": facts.lung_disease, "panniculitis": facts.panniculitis}[c.criterion]
    return _flag(value, c, _FLAG_LABELS[c.criterion])


def _decision(results: list[CriterionResult]) -> str:
    if any(r.met is False and r.criterion.if_unmet == "not_indicated" for r in results):
        return "not_indicated"
    if any(r.met is None for r in results):
        return "undetermined"
    if any(r.met is False for r in results):
        return "discuss"
    return "consider"


def _verdict(guideline: str, by_indication: dict[str, list[CriterionResult]], facts: ClinicalFacts
             ) -> EligibilityVerdict:
    decisions = {ind: _decision(results) for ind, results in by_indication.items()}
    best = max(decisions, key=lambda ind: (DECISIONS.index(decisions[ind]), -INDICATIONS.index(ind)))
    decision, note = decisions[best], ""
    missing = tuple(dict.fromkeys(r.detail for ind, results in by_indication.items() if decisions[ind] ==
                                  "undetermined" for r in results if r.met is None))
    if decision in ELIGIBLE and facts.concordant is False:
        decision, note = "undetermined", "the level disagrees with the genotype: resolve the discordance first"
        missing = (*missing, RESOLVE_DISCORDANCE)
    results = tuple(r for ind in INDICATIONS for r in by_indication.get(ind, []))
    if _weighs_unmarked_spirometry(results, facts):
        note = "; ".join(filter(None, (note, NOT_POST_BRONCHODILATOR)))
    return EligibilityVerdict(guideline, decision, results, missing, best, note)


def _weighs_unmarked_spirometry(results: tuple[CriterionResult, ...], facts: ClinicalFacts) -> bool:
    """Whether a known spirometry value not marked post-bronchodilator decides one of these rows."""
    if facts.airflow is None or facts.airflow.post_bronchodilator:
        return False
    return any(r.met is not None and r.criterion.criterion in _SPIROMETRY_CRITERIA
               and (r.criterion.criterion == "fev1_pct" or facts.lung_disease is None) for r in results)


def augmentation_eligibility(facts: ClinicalFacts) -> tuple[EligibilityVerdict, ...]:
    """Per guideline with eligibility rows, the augmentation decision and what is missing."""
    by_guideline: dict[str, dict[str, list[CriterionResult]]] = {}
    for criterion in guideline_tables().augmentation:
        if criterion.indication == "panniculitis" and facts.panniculitis is None:
            continue  # an indication is weighed only when its own finding is stated
        by_guideline.setdefault(criterion.guideline, {}).setdefault(criterion.indication, []).append(
            _evaluate(criterion, facts))
    return tuple(_verdict(g, rows, facts) for g, rows in by_guideline.items())


def describe_eligibility(verdicts: tuple[EligibilityVerdict, ...]) -> list[EligibilityAnswer]:
    """JSON-ready form of :func:`augmentation_eligibility`."""
    tables = guideline_tables()
    out: list[EligibilityAnswer] = []
    for v in verdicts:
        g = tables.guidelines[v.guideline]
        out.append({
            "guideline": v.guideline, "name": f"{g.name} {g.year}", "decision": v.decision,
            "indication": v.indication, "missing": list(v.missing), "note": v.note,
            "criteria": [{"indication": r.criterion.indication, "criterion": r.criterion.criterion,
                          "operator": r.criterion.operator, "value": r.criterion.value, "met": r.met,
                          "detail": r.detail, "if_unmet": r.criterion.if_unmet, "sentence": r.criterion.sentence,
                          "notes": r.criterion.notes, "sources": cite(r.criterion.source)} for r in v.results],
        })
    return out


def guidelines_excluding(smoking: Smoking) -> list[str]:
    """Names (with year) of the guidelines whose lung-indication criteria exclude this smoking status.

    The one reading of the ``smoking`` rows of ``augmentation_criteria.csv`` outside eligibility itself:
    the risk model's augmentation what-if says, for someone who still smokes, which guidelines would not
    offer the treatment they are shown.
    """
    tables = guideline_tables()
    names = [f"{tables.guidelines[c.guideline].name} {tables.guidelines[c.guideline].year}"
             for c in tables.augmentation
             if c.criterion == "smoking" and c.indication == "lung" and smoking.value not in c.value.split(";")]
    return list(dict.fromkeys(names))


def guidelines_without_eligibility() -> list[str]:
    """Guidelines aatd encodes for testing but whose augmentation criteria are not encoded."""
    tables = guideline_tables()
    encoded = {c.guideline for c in tables.augmentation}
    return [g for g in tables.guidelines if g not in encoded and "augmentation" in tables.guidelines[g].scope]
