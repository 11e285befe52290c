"""Typed, JSON-ready answers of the clinic: what a result means, who should be tested, who may get augmentation.

The shapes that :func:`aatd.clinic.interpretation.describe_interpretation` and
:func:`aatd.clinic.who_to_test.describe_should_test` return, that the CLI renders and the REST API
declares as its response models.
"""

from __future__ import annotations

from typing_extensions import TypedDict

from aatd.provenance import Provenance


class CitedStep(TypedDict):
    """A next step: its code, the clinician's and the patient's wording, why, and its sources."""

    code: str
    text: str
    reason: str
    patient_text: str
    sources: list[str]
    source_ids: list[str]


class CitedStatement(TypedDict):
    """One claim of the explanation with the sources that support it."""

    text: str
    sources: list[str]
    source_ids: list[str]


class ConflictAnswer(TypedDict):
    """An IEF phenotype and a genotype that no genotype fits (:func:`aatd.clinic.interpretation.describe_conflict`).

    Neither result is chosen: ``severity`` is ``indeterminate``, ``explanation`` says why the two cannot both be
    right, and ``next_step_details`` what resolves it. The keys the report of an interpretation reads
    (``severity``, ``consistent``, ``explanation``, ``next_step_details``, ``disclaimer``) mean the same here.
    """

    severity: str
    consistent: bool
    phenotype: str
    genotype: str
    panel: str
    explanation: list[CitedStatement]
    next_step_details: list[CitedStep]
    disclaimer: str


class DiscordanceCause(TypedDict):
    """A ranked explanation of a level that does not fit the genotype (probability when computable)."""

    code: str
    probability: float | None
    note: str
    text: str


class CriterionCheck(TypedDict):
    """One eligibility criterion of one guideline, whether it is met (``None``: not known) and why."""

    indication: str
    criterion: str
    operator: str
    value: str
    met: bool | None
    detail: str
    if_unmet: str
    sentence: str
    notes: str
    sources: list[str]


class EligibilityAnswer(TypedDict):
    """Augmentation eligibility under one guideline: the decision, what is missing to decide, the criteria."""

    guideline: str
    name: str
    decision: str
    indication: str
    missing: list[str]
    note: str
    criteria: list[CriterionCheck]


class InterpretationAnswer(TypedDict):
    """``aatd interpret --json``: severity, whether level and genotype agree, next steps, explanation, eligibility."""

    severity: str
    consistent: bool | None
    next_steps: list[str]
    next_step_details: list[CitedStep]
    explanation: list[CitedStatement]
    patient_explanation: list[str]
    discordance_causes: list[DiscordanceCause]
    genotype_probabilities: dict[str, float]
    reported_genotype: str | None
    panel: str | None
    level_umol_l: float | None
    measured_class: str | None
    """The severity class of the usable measured level alone (``None`` without one): the patient text
    speaks of the level by this class, and of the whole result by ``severity``."""
    inflamed: bool | None
    eligibility: list[EligibilityAnswer]
    assumptions: list[str]
    disclaimer: str
    inputs: dict[str, object]
    provenance: Provenance


class AgeAndSmokingLimits(TypedDict):
    """Limits of a testing rule: applies from ``min_age``, below ``age_below``, below ``pack_years_below``."""

    min_age: float | None
    age_below: float | None
    pack_years_below: float | None


class TestingRuleAnswer(TypedDict):
    """One guideline criterion for testing, its recommendation and its source."""

    finding: str
    criterion: str
    recommendation: str
    limits: AgeAndSmokingLimits
    sources: list[str]
    source_ids: list[str]
    source_locator: str
    notes: str


class PendingRule(TestingRuleAnswer):
    """A criterion that would apply if ``missing`` (age, pack-years) were known."""

    missing: str


class GuidelineAnswer(TypedDict):
    """Whether one guideline recommends testing, and which criteria triggered or would trigger it."""

    guideline: str
    name: str
    recommendation: str
    triggered_by: list[TestingRuleAnswer]
    would_apply_if_known: list[PendingRule]
    outside_age_bounds: list[TestingRuleAnswer]
    """Criteria whose finding is present but whose lower age bound the person is below (``not_covered``)."""
    guideline_source: list[str]


class ShouldTestAnswer(TypedDict):
    """``aatd should-test --json``: the strongest recommendation and each guideline's verdict."""

    findings: list[str]
    implied_findings: list[str]
    age: float | None
    pack_years: float | None
    overall: str
    guidelines: list[GuidelineAnswer]
    disclaimer: str
    provenance: Provenance
