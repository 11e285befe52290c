"""Who should be tested for AATD: guideline criteria evaluated as data.

Each row of ``testing_guidelines.csv`` is one criterion of one guideline: a finding
(e.g. ``copd``), optionally "with any of" other findings (``persistent_obstruction`` with
``smoking_history`` or ``occupational_exposure``), optional age and pack-year limits, and
the strength of the recommendation (``recommended`` > ``suggested`` > ``not_indicated``).
The engine expands the person's findings through the ``implies`` column of
``testing_findings.csv``, matches every row, and reports per guideline the strongest
recommendation with the rows that triggered it. Adding a finding can only add matches,
so testing never becomes less indicated when more is known to be wrong.

A row whose finding is present but whose lower age bound the person is below (an adult
guideline, or a criterion written for adults) does not say "do not test": the guideline
does not cover this person at this age. Such a guideline is ``not_covered`` (its rows are
listed). When no guideline recommends or suggests a test, the overall answer is ``not_covered``
if a finding outside an age bound is answered by no guideline that covers the person's age: a
16-year-old with necrotising panniculitis is outside every adult criterion, not someone the
guidelines advise against testing. It is ``not_indicated`` when another guideline answers that
finding at this age: a 5-year-old with asthma is below the WHO's asthma criterion (adults and
adolescents), and GINA, whose strategy covers young children, gives no indication for testing
in asthma (``testing_guidelines.csv``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aatd.clinic.answers import (
    AgeAndSmokingLimits,
    GuidelineAnswer,
    PendingRule,
    ShouldTestAnswer,
    TestingRuleAnswer,
)
from aatd.clinic.guidelines import RECOMMENDATION_LEVELS, Finding, TestingRule, cite, guideline_tables
from aatd.errors import InputError
from aatd.genetics.alleles import fold_name
from aatd.provenance import provenance

DISCLAIMER = "aatd supports, and does not replace, clinical judgement."
MAX_AGE_YEARS = 130.0
MAX_PACK_YEARS = 300.0
NOT_COVERED = "not_covered"
"""A guideline (or the overall answer) whose criteria for these findings are written for older people."""


@dataclass(frozen=True, slots=True)
class GuidelineVerdict:
    """One guideline's answer: the strongest recommendation and the criteria behind it.

    ``pending`` lists rows that would apply if a missing value (age, pack-years) were known;
    ``outside_age`` rows whose finding is present but whose lower age bound the person is below.
    """

    guideline: str
    recommendation: str
    triggered_by: tuple[TestingRule, ...]
    pending: tuple[tuple[TestingRule, str], ...]
    outside_age: tuple[TestingRule, ...] = ()


def finding_index() -> dict[str, str]:
    """Every accepted spelling of a finding (folded) -> the finding code."""
    index: dict[str, str] = {}
    for f in guideline_tables().findings.values():
        for name in (f.finding, *f.aliases):
            index.setdefault(fold_name(name), f.finding)
    return index


def parse_findings(findings: Iterable[str], field: str = "finding") -> frozenset[str]:
    """Resolve finding names and aliases (case, spaces and punctuation ignored) to codes."""
    if isinstance(findings, str):
        findings = [findings]
    index = finding_index()
    codes = set()
    for raw in findings:
        if not isinstance(raw, str) or fold_name(raw) not in index:
            known = ", ".join(sorted(guideline_tables().findings))
            raise InputError(field, raw, f"a clinical finding: {known}")
        codes.add(index[fold_name(raw)])
    return frozenset(codes)


def expand_findings(codes: Iterable[str]) -> frozenset[str]:
    """The findings plus everything they imply (transitively)."""
    table = guideline_tables().findings
    seen: set[str] = set()
    stack = list(codes)
    while stack:
        code = stack.pop()
        if code not in seen:
            seen.add(code)
            stack.extend(table[code].implies)
    return frozenset(seen)


def _check_number(field: str, value: float | None, upper: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= upper:
        raise InputError(field, value, f"a number between 0 and {upper:g}")
    return float(value)


def _limits_unmet(rule: TestingRule, age: float | None, pack_years: float | None) -> tuple[bool, str]:
    """(fails a known limit, description of a limit that cannot be checked)."""
    missing = []
    if rule.min_age is not None or rule.age_below is not None:
        if age is None:
            missing.append("age")
        elif (rule.min_age is not None and age < rule.min_age) or (rule.age_below is not None
                                                                   and age >= rule.age_below):
            return True, ""
    if rule.pack_years_below is not None:
        if pack_years is None:
            missing.append("pack_years")
        elif pack_years >= rule.pack_years_below:
            return True, ""
    return False, " and ".join(missing)


def _strongest(rules: Iterable[TestingRule]) -> str:
    levels = [RECOMMENDATION_LEVELS.index(r.recommendation) for r in rules]
    return RECOMMENDATION_LEVELS[max(levels, default=0)]


def should_test(findings: Iterable[str], *, age: float | None = None,
                pack_years: float | None = None) -> tuple[GuidelineVerdict, ...]:
    """Per guideline, whether AATD testing is recommended, suggested or not indicated.

    ``age`` in years; ``pack_years`` of smoking. Age limits are applied only when the age
    is known: a rule with an unknown limit is listed as ``pending``, not as triggered.
    Rows whose age limit an unknown age cannot check still apply when the limit is only a
    lower age bound for adults, because the finding (e.g. COPD) already implies adulthood;
    but not when only a finding made in infancy (``in_infancy``, e.g. neonatal cholestasis)
    leads to the row: a guideline written for adults then does not cover the person; nor when
    the row's finding is common in children (``common_in_children``, asthma): the row is then
    pending until the age is known.
    """
    given = parse_findings(findings)
    codes = expand_findings(given)
    infant_only = _reached_only_in_infancy(given) if age is None else frozenset()
    age = _check_number("age", age, MAX_AGE_YEARS)
    pack_years = _check_number("pack_years", pack_years, MAX_PACK_YEARS)
    tables = guideline_tables()
    triggered: dict[str, list[TestingRule]] = {g: [] for g in tables.guidelines if _tests(g)}
    pending: dict[str, list[tuple[TestingRule, str]]] = {g: [] for g in triggered}
    outside: dict[str, list[TestingRule]] = {g: [] for g in triggered}
    for rule in tables.testing_rules:
        if rule.finding not in codes or (rule.with_any and not codes.intersection(rule.with_any)):
            continue
        fails, missing = _limits_unmet(rule, age, pack_years)
        if rule.min_age is not None and rule.finding in infant_only:
            outside[rule.guideline].append(rule)
            continue
        if fails:
            if _only_below_min_age(rule, age, pack_years):
                outside[rule.guideline].append(rule)
            continue
        if missing and not (_only_lower_age_bound(rule, missing) and _implies_adulthood(rule)):
            pending[rule.guideline].append((rule, missing))
        else:
            triggered[rule.guideline].append(rule)
    return tuple(GuidelineVerdict(g, _recommendation(rules, outside[g]), tuple(rules), tuple(pending[g]),
                                  tuple(outside[g])) for g, rules in triggered.items())


def _reached_only_in_infancy(given: frozenset[str]) -> frozenset[str]:
    """The findings that only a finding made in infancy leads to (neonatal cholestasis implies unexplained
    liver disease): a rule on them with an adult age bound does not cover the person. A finding also reached
    from another one (COPD, or liver disease stated as such) is judged as before, so adding a finding never
    makes testing less indicated."""
    table = guideline_tables().findings
    infancy = frozenset(c for c in given if table[c].in_infancy)
    return expand_findings(infancy) - expand_findings(given - infancy) if infancy else frozenset()


def _only_below_min_age(rule: TestingRule, age: float | None, pack_years: float | None) -> bool:
    """Whether the row fails only because the person is younger than its lower age bound."""
    if age is None or rule.min_age is None or age >= rule.min_age:
        return False
    return not _limits_unmet(rule, rule.min_age, pack_years)[0]


def _recommendation(triggered: list[TestingRule], outside: list[TestingRule]) -> str:
    """A guideline's answer: its strongest triggered row; ``not_covered`` when no row recommends or suggests
    a test but a row's finding is present below its age bound."""
    strongest = _strongest(triggered)
    return NOT_COVERED if strongest == RECOMMENDATION_LEVELS[0] and outside else strongest


def overall_recommendation(verdicts: Iterable[GuidelineVerdict]) -> str:
    """The strongest recommendation of any guideline; ``not_covered`` rather than ``not_indicated`` when no
    guideline recommends or suggests a test and a finding outside one guideline's age bound is answered by no
    guideline at this age (see :func:`unanswered_outside_age`)."""
    verdicts = tuple(verdicts)
    strongest = _strongest(r for v in verdicts for r in v.triggered_by)
    if strongest == RECOMMENDATION_LEVELS[0] and unanswered_outside_age(verdicts):
        return NOT_COVERED
    return strongest


def unanswered_outside_age(verdicts: Iterable[GuidelineVerdict]) -> frozenset[str]:
    """Findings that are present below a row's lower age bound and that no row applying at this age answers.

    A row that applies (its finding present, its limits met) answers its finding for this person, whatever its
    recommendation: GINA's asthma row ("no indication for AATD testing", every age) answers asthma for a
    5-year-old below the WHO's adults-and-adolescents criterion. A finding no applying row names (panniculitis
    at 16, under the adult criteria of ATS/ERS and A1F 2016) is unanswered: the guidelines do not cover it."""
    verdicts = tuple(verdicts)
    outside = {r.finding for v in verdicts for r in v.outside_age}
    answered = {r.finding for v in verdicts for r in v.triggered_by}
    return frozenset(outside - answered)


def _tests(guideline: str) -> bool:
    return "testing" in guideline_tables().guidelines[guideline].scope


def _only_lower_age_bound(rule: TestingRule, missing: str) -> bool:
    return missing == "age" and rule.age_below is None


def _implies_adulthood(rule: TestingRule) -> bool:
    """Whether the row's finding says the person is no child (COPD does; asthma, common in children, does not)."""
    return not guideline_tables().findings[rule.finding].common_in_children


def _rule_dict(rule: TestingRule, findings: Mapping[str, Finding]) -> TestingRuleAnswer:
    criterion = findings[rule.finding].label
    if rule.with_any:
        criterion += " with " + " or ".join(findings[f].label.lower() for f in rule.with_any)
    return TestingRuleAnswer(finding=rule.finding, criterion=criterion, recommendation=rule.recommendation,
                             limits=AgeAndSmokingLimits(min_age=rule.min_age, age_below=rule.age_below,
                                                        pack_years_below=rule.pack_years_below),
                             sources=cite(rule.source), source_ids=list(rule.source.split(";")),
                             source_locator=rule.source_locator, notes=rule.notes)


def describe_should_test(findings: Iterable[str], *, age: float | None = None,
                         pack_years: float | None = None) -> ShouldTestAnswer:
    """JSON-ready answer of :func:`should_test` for the CLI and the API."""
    codes = parse_findings(findings)
    verdicts = should_test(codes, age=age, pack_years=pack_years)
    tables = guideline_tables()
    per_guideline: list[GuidelineAnswer] = []
    for v in verdicts:
        g = tables.guidelines[v.guideline]
        per_guideline.append(GuidelineAnswer(
            guideline=v.guideline, name=f"{g.name} {g.year}", recommendation=v.recommendation,
            triggered_by=[_rule_dict(r, tables.findings) for r in v.triggered_by],
            would_apply_if_known=[PendingRule(**_rule_dict(r, tables.findings), missing=m) for r, m in v.pending],
            outside_age_bounds=[_rule_dict(r, tables.findings) for r in v.outside_age],
            guideline_source=cite(g.source),
        ))
    overall = overall_recommendation(verdicts)
    return ShouldTestAnswer(
        findings=sorted(codes), implied_findings=sorted(expand_findings(codes) - codes),
        age=age, pack_years=pack_years, overall=overall, guidelines=per_guideline,
        disclaimer=DISCLAIMER, provenance=provenance(),
    )
