"""The cited tables behind testing, interpretation and eligibility, loaded into frozen records.

Tables (all in ``aatd/data``, each row citing ``sources.csv``):

* ``guidelines.csv`` - the guidelines aatd encodes;
* ``testing_findings.csv`` - the clinical findings ``should_test`` understands, their
  aliases and what each implies (``sibling_with_aatd`` implies ``relative_with_aatd``);
* ``testing_guidelines.csv`` - who should be tested, one row per guideline criterion;
* ``next_steps.csv`` - next-step codes with clinician and patient texts;
* ``panels.csv`` - genotyping panels and the alleles each tests;
* ``augmentation_criteria.csv`` - augmentation eligibility criteria per guideline;
* ``discordance_explanations.csv`` - causes of a level that disagrees with a genotype;
* ``interpretation_parameters.csv`` - numeric conventions of the interpretation engine;
* ``patient_messages.csv`` - plain-language sentences for patients.

Every loader validates columns and values and raises :class:`~aatd.errors.DataError`
naming the table and line; :func:`guideline_tables` also checks every source resolves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from aatd.errors import DataError
from aatd.genetics.alleles import find_allele
from aatd.knowledge import TableRow, data_directory, knowledge, read_table, split_sources

RECOMMENDATION_LEVELS = ("not_indicated", "suggested", "recommended")
"""Testing recommendation levels, weakest first (their order is used to take the strongest)."""
CRITERIA = ("genotype_class", "level_umol_l", "fev1_pct", "smoking", "lung_disease", "emphysema", "panniculitis",
            "age_years", "ct_density_decline")
INDICATIONS = ("lung", "panniculitis")
"""What augmentation would treat: lung disease (emphysema/COPD) or necrotising panniculitis."""
OPERATORS = ("lt", "le", "ge", "gt", "in", "is")
UNMET_OUTCOMES = ("not_indicated", "discuss")
DIRECTIONS = ("low", "high", "any")
ALL_ALLELES = "*"


@dataclass(frozen=True, slots=True)
class Guideline:
    guideline: str
    name: str
    year: int
    scope: tuple[str, ...]
    source: str
    notes: str


@dataclass(frozen=True, slots=True)
class Finding:
    finding: str
    label: str
    aliases: tuple[str, ...]
    implies: tuple[str, ...]
    notes: str
    in_infancy: bool = False
    """The finding is made in infancy (neonatal cholestasis): a guideline written for adults does not cover it
    when no age is given, rather than being read as if the person were an adult."""
    common_in_children: bool = False
    """The finding is common in children (asthma), so it does not imply adulthood: with no age given, a row on it
    with an age bound waits for the age (pending) rather than being read as if the person were an adult."""


@dataclass(frozen=True, slots=True)
class TestingRule:
    """One criterion of one guideline: ``finding`` (plus any of ``with_any``) gives ``recommendation``.

    Age limits are in years (``min_age`` inclusive, ``age_below`` exclusive); ``pack_years_below``
    is exclusive. A limit applies only when the corresponding value is known.
    """

    guideline: str
    finding: str
    with_any: tuple[str, ...]
    recommendation: str
    min_age: float | None
    age_below: float | None
    pack_years_below: float | None
    source: str
    source_locator: str
    notes: str
    line: int


@dataclass(frozen=True, slots=True)
class NextStepText:
    code: str
    clinician_text: str
    patient_text: str
    source: str
    notes: str


@dataclass(frozen=True, slots=True)
class Panel:
    """A genotyping panel; ``alleles`` is empty when it reads every allele (sequencing)."""

    panel: str
    label: str
    alleles: frozenset[str]
    reads_all: bool
    source: str
    notes: str


@dataclass(frozen=True, slots=True)
class AugmentationCriterion:
    """One criterion of one guideline's indication (see ``augmentation_criteria.csv``).

    ``sentence`` is the guideline sentence (or its secondary wording) the row encodes.
    """

    guideline: str
    indication: str
    criterion: str
    operator: str
    value: str
    if_unmet: str
    source: str
    source_locator: str
    sentence: str
    notes: str


@dataclass(frozen=True, slots=True)
class DiscordanceCause:
    code: str
    direction: str
    rank: int
    clinician_text: str
    patient_text: str
    source: str


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    value: float
    unit: str
    source: str
    notes: str


@dataclass(frozen=True, slots=True)
class PatientMessage:
    key: str
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class GuidelineTables:
    """All testing/interpretation tables, validated."""

    guidelines: Mapping[str, Guideline]
    findings: Mapping[str, Finding]
    testing_rules: tuple[TestingRule, ...]
    next_steps: Mapping[str, NextStepText]
    panels: Mapping[str, Panel]
    augmentation: tuple[AugmentationCriterion, ...]
    discordance: Mapping[str, DiscordanceCause]
    parameters: Mapping[str, Parameter]
    messages: Mapping[str, PatientMessage]

    def parameter(self, name: str) -> float:
        """A numeric parameter of ``interpretation_parameters.csv``."""
        try:
            return self.parameters[name].value
        except KeyError:
            raise DataError("interpretation_parameters.csv", None, f"missing parameter {name!r}") from None


# --- reading -------------------------------------------------------------------------


def _rows(directory: Path, table: str, columns: tuple[str, ...]) -> Iterator[TableRow]:
    return read_table(table, columns, directory)


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def _load_guidelines(d: Path) -> dict[str, Guideline]:
    table = "guidelines.csv"
    out: dict[str, Guideline] = {}
    for row in _rows(d, table, ("guideline", "name", "year", "scope", "source")):
        year = row.number("year")
        if year is None:
            raise DataError(table, row.line, "column 'year' is empty")
        key = row.required("guideline")
        if key in out:
            raise DataError(table, row.line, f"duplicate guideline {key!r}")
        out[key] = Guideline(key, row.required("name"), int(year), _split(row.text("scope")),
                             row.required("source"), row.text("notes"))
    return out


def _load_findings(d: Path) -> dict[str, Finding]:
    table = "testing_findings.csv"
    out: dict[str, Finding] = {}
    for row in _rows(d, table, ("finding", "label", "aliases", "implies", "source")):
        row.source()  # the guidelines that name this finding; checked to resolve
        key = row.required("finding")
        if key in out:
            raise DataError(table, row.line, f"duplicate finding {key!r}")
        infancy = row.text("in_infancy")
        if infancy not in ("", "yes"):
            raise DataError(table, row.line, f"in_infancy must be 'yes' or empty, got {infancy!r}")
        children = row.text("common_in_children")
        if children not in ("", "yes"):
            raise DataError(table, row.line, f"common_in_children must be 'yes' or empty, got {children!r}")
        out[key] = Finding(key, row.required("label"), _split(row.text("aliases")), _split(row.text("implies")),
                           row.text("notes"), in_infancy=infancy == "yes",
                           common_in_children=children == "yes")
    for f in out.values():
        for implied in f.implies:
            if implied not in out:
                raise DataError(table, None, f"finding {f.finding!r} implies unknown finding {implied!r}")
    return out


def _load_rules(d: Path, guidelines: Mapping[str, Guideline], findings: Mapping[str, Finding]) -> list[TestingRule]:
    table = "testing_guidelines.csv"
    rules = []
    columns = ("guideline", "finding", "with_any", "recommendation", "min_age", "age_below", "pack_years_below",
               "source")
    for row in _rows(d, table, columns):
        rule = TestingRule(
            guideline=row.required("guideline"), finding=row.required("finding"),
            with_any=_split(row.text("with_any")),
            recommendation=row.one_of("recommendation", RECOMMENDATION_LEVELS),
            min_age=row.number("min_age"), age_below=row.number("age_below"),
            pack_years_below=row.number("pack_years_below"), source=row.required("source"),
            source_locator=row.text("source_locator"), notes=row.text("notes"), line=row.line,
        )
        if rule.guideline not in guidelines:
            raise DataError(table, row.line, f"unknown guideline {rule.guideline!r}")
        for name in (rule.finding, *rule.with_any):
            if name not in findings:
                raise DataError(table, row.line, f"unknown finding {name!r}")
        rules.append(rule)
    return rules


def _load_next_steps(d: Path) -> dict[str, NextStepText]:
    table = "next_steps.csv"
    out: dict[str, NextStepText] = {}
    for row in _rows(d, table, ("code", "clinician_text", "patient_text", "source")):
        code = row.required("code")
        if code in out:
            raise DataError(table, row.line, f"duplicate code {code!r}")
        out[code] = NextStepText(code, row.required("clinician_text"), row.required("patient_text"),
                                 row.required("source"), row.text("notes"))
    return out


def _load_panels(d: Path) -> dict[str, Panel]:
    table = "panels.csv"
    alleles: dict[str, set[str]] = {}
    first: dict[str, tuple[str, str, str]] = {}
    for row in _rows(d, table, ("panel", "label", "allele", "source")):
        panel, allele = row.required("panel"), row.required("allele")
        if allele != ALL_ALLELES:
            record = find_allele(allele)
            if record is None:
                raise DataError(table, row.line, f"unknown allele {allele!r}")
            allele = record.allele
        alleles.setdefault(panel, set()).add(allele)
        first.setdefault(panel, (row.required("label"), row.required("source"), row.text("notes")))
    out = {}
    for panel, names in alleles.items():
        label, source, notes = first[panel]
        reads_all = ALL_ALLELES in names
        out[panel] = Panel(panel, label, frozenset(names - {ALL_ALLELES}), reads_all, source, notes)
    return out


def _load_augmentation(d: Path, guidelines: Mapping[str, Guideline]) -> list[AugmentationCriterion]:
    table = "augmentation_criteria.csv"
    out = []
    columns = ("guideline", "indication", "criterion", "operator", "value", "if_unmet", "source", "sentence")
    for row in _rows(d, table, columns):
        c = AugmentationCriterion(
            guideline=row.required("guideline"), indication=row.one_of("indication", INDICATIONS),
            criterion=row.one_of("criterion", CRITERIA),
            operator=row.one_of("operator", OPERATORS), value=row.required("value"),
            if_unmet=row.one_of("if_unmet", UNMET_OUTCOMES), source=row.required("source"),
            source_locator=row.text("source_locator"), sentence=row.required("sentence"), notes=row.text("notes"),
        )
        if c.guideline not in guidelines:
            raise DataError(table, row.line, f"unknown guideline {c.guideline!r}")
        if c.operator in ("lt", "le", "ge", "gt"):
            row.number("value")
        out.append(c)
    return out


def _load_discordance(d: Path) -> dict[str, DiscordanceCause]:
    table = "discordance_explanations.csv"
    out = {}
    for row in _rows(d, table, ("code", "direction", "rank", "clinician_text", "patient_text", "source")):
        rank = row.number("rank")
        if rank is None:
            raise DataError(table, row.line, "column 'rank' is empty")
        code = row.required("code")
        out[code] = DiscordanceCause(code, row.one_of("direction", DIRECTIONS), int(rank),
                                     row.required("clinician_text"), row.required("patient_text"),
                                     row.required("source"))
    return out


def _load_parameters(d: Path) -> dict[str, Parameter]:
    table = "interpretation_parameters.csv"
    out = {}
    for row in _rows(d, table, ("name", "value", "unit", "source")):
        value = row.number("value")
        if value is None:
            raise DataError(table, row.line, "column 'value' is empty")
        name = row.required("name")
        out[name] = Parameter(name, value, row.text("unit"), row.required("source"), row.text("notes"))
    return out


def _load_messages(d: Path) -> dict[str, PatientMessage]:
    table = "patient_messages.csv"
    return {row.text("key"): PatientMessage(row.required("key"), row.required("text"),
                                     row.required("source"))
            for row in _rows(d, table, ("key", "text", "source"))}


def load_guideline_tables(directory: Path) -> GuidelineTables:
    """Load and validate every testing/interpretation table in ``directory``."""
    guidelines = _load_guidelines(directory)
    findings = _load_findings(directory)
    tables = GuidelineTables(
        guidelines=MappingProxyType(guidelines), findings=MappingProxyType(findings),
        testing_rules=tuple(_load_rules(directory, guidelines, findings)),
        next_steps=MappingProxyType(_load_next_steps(directory)), panels=MappingProxyType(_load_panels(directory)),
        augmentation=tuple(_load_augmentation(directory, guidelines)),
        discordance=MappingProxyType(_load_discordance(directory)),
        parameters=MappingProxyType(_load_parameters(directory)),
        messages=MappingProxyType(_load_messages(directory)),
    )
    _check_sources(tables)
    return tables


def _cited(tables: GuidelineTables) -> Iterator[tuple[str, str]]:
    yield from (("guidelines.csv", g.source) for g in tables.guidelines.values())
    yield from (("testing_guidelines.csv", r.source) for r in tables.testing_rules)
    yield from (("next_steps.csv", s.source) for s in tables.next_steps.values())
    yield from (("panels.csv", p.source) for p in tables.panels.values())
    yield from (("augmentation_criteria.csv", c.source) for c in tables.augmentation)
    yield from (("discordance_explanations.csv", c.source) for c in tables.discordance.values())
    yield from (("interpretation_parameters.csv", p.source) for p in tables.parameters.values())
    yield from (("patient_messages.csv", m.source) for m in tables.messages.values())


def _check_sources(tables: GuidelineTables) -> None:
    sources = knowledge().sources
    for table, field in _cited(tables):
        for source_id in split_sources(field):
            if source_id not in sources:
                raise DataError(table, None, f"source {source_id!r} is not in sources.csv")


@cache
def guideline_tables() -> GuidelineTables:
    """The packaged testing/interpretation tables (loaded and validated once per process)."""
    return load_guideline_tables(data_directory())


def cite(source_field: str) -> list[str]:
    """Short citations (``"Sandhaus 2016, doi:..."``) of a ``source`` field."""
    return [s.short for s in knowledge().cite(source_field)]
