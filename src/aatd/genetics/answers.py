"""Typed, JSON-ready answers about one genotype, two parents or a population.

Each function takes user input as text or numbers, validates it (raising
:class:`~aatd.errors.InputError`) and returns a typed dict that the CLI renders and the
REST API declares as its response model, so that every interface gives the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired

from typing_extensions import TypedDict

from aatd.errors import InputError
from aatd.genetics.alleles import allele_catalogue
from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.inheritance import as_canonical, offspring_distribution
from aatd.genetics.levels import genotype_severity, level_distribution
from aatd.genetics.prevalence import (
    allele_frequencies,
    ancestry,
    ancestry_allele_frequencies,
    carrier_frequency,
    country,
    country_population,
    country_reported_frequencies,
    expected_counts,
    validate_frequencies,
    whole_people,
)
from aatd.genetics.units import Unit
from aatd.knowledge import knowledge
from aatd.provenance import Provenance, provenance

#: One allele of a genotype: its functional class (normal, deficient, null, dysfunctional), relative AAT
#: output (M = 1) and whether it polymerises. ``class`` is a Python keyword, hence the functional syntax.
AlleleOfGenotype = TypedDict("AlleleOfGenotype", {
    "allele": str, "name": str, "class": str, "relative_output": float, "polymerises": str})


class LevelRange(TypedDict):
    """5th percentile, median and 95th percentile of the expected serum level, in one unit."""

    low: float
    median: float
    high: float


class ExpectedLevel(TypedDict):
    """The expected serum level of a genotype in µmol/L, mg/dL (nephelometry) and g/L, with its basis."""

    um: LevelRange
    mg_dl: LevelRange
    g_l: LevelRange
    percentiles: list[int]
    basis: str
    sources: list[str]


class GenotypeAnswer(TypedDict):
    """``aatd genotype``: canonical genotype, alleles, severity class and expected serum level."""

    genotype: str
    alleles: list[AlleleOfGenotype]
    severity: str
    expected_level: ExpectedLevel
    liver_risk_alleles: list[str]
    provenance: Provenance


class InheritanceAnswer(TypedDict):
    """``aatd inherit``: each child genotype's probability (parents as genotypes or distributions)."""

    parents: list[str | dict[str, float]]
    offspring: dict[str, float]
    provenance: Provenance


class GenotypeCount(TypedDict):
    """Hardy-Weinberg frequency of one genotype and the expected number of people (``None`` without a population)."""

    frequency: float
    count: int | None


class PublishedCounts(TypedDict):
    """Numbers of ZZ, SZ and MZ people published for a country (``None`` where not published)."""

    zz: int | None
    sz: int | None
    mz: int | None


class PrevalenceAnswer(TypedDict):
    """``aatd prevalence``: Hardy-Weinberg genotype frequencies and expected counts."""

    allele_frequencies: dict[str, float]
    population: int | None
    genotypes: dict[str, GenotypeCount]
    country: NotRequired[str]
    source: NotRequired[str]
    source_locator: NotRequired[str]
    basis: NotRequired[str]
    sample_size: NotRequired[int | None]
    confidence_intervals: NotRequired[dict[str, tuple[float, float] | None]]
    upper_bounds: NotRequired[list[str]]
    """Alleles whose survey value is a ceiling (the survey pooled them with other rare alleles), not an estimate."""
    notes: NotRequired[str]
    published: NotRequired[PublishedCounts]
    ancestry: NotRequired[str]
    """The genetic ancestry group (``--ancestry``), as the table names it."""
    dataset: NotRequired[str]
    """The cohort or database the ancestry group's counts come from."""
    unreported_alleles: NotRequired[list[str]]
    """Alleles the source did not report or the country's survey did not publish (then only genotypes made of
    reported alleles are given)."""
    carriers: NotRequired[dict[str, float]]
    """Share of people with at least one copy of each reported allele, 1 - (1 - p)^2."""
    provenance: Provenance


#: One allele of the catalogue, as ``aatd alleles --json`` lists it.
AlleleRecordOut = TypedDict("AlleleRecordOut", {
    "allele": str, "name": str, "family": str, "class": str, "legacy": str, "hgvs_c": str, "hgvs_p": str,
    "rsid": str, "grch38": int | None, "grch37": int | None, "ref": str, "alt": str, "relative_output": float,
    "polymerises": str, "verified": bool, "source": str})


def _range(values: Mapping[str, float]) -> LevelRange:
    return LevelRange(low=values["low"], median=values["median"], high=values["high"])


def describe_genotype(text: str) -> GenotypeAnswer:
    """Canonical genotype, its alleles, severity class and expected serum level."""
    g = parse_genotype(text)
    dist = level_distribution(g)
    return {
        "genotype": g.canonical,
        "alleles": [
            {"allele": a.allele, "name": a.display_name, "class": a.functional_class,
             "relative_output": a.relative_output, "polymerises": a.polymerises}
            for a in g.alleles
        ],
        "severity": genotype_severity(g).value,
        "expected_level": {
            "um": _range(dist.expected_range(Unit.UMOL_L).as_dict()),
            "mg_dl": _range(dist.expected_range(Unit.MG_DL).as_dict()),
            "g_l": _range({k: round(v / 100, 3) for k, v in dist.expected_range(Unit.MG_DL).as_dict().items()}),
            "percentiles": [5, 50, 95],
            "basis": dist.basis,
            "sources": [knowledge().cite_short(s) for s in dist.sources],
        },
        "liver_risk_alleles": [a.allele for a in g.alleles if a.polymerises == "yes"],
        "provenance": provenance(),
    }


def describe_inheritance(parent1: str | Mapping[str, float],
                         parent2: str | Mapping[str, float]) -> InheritanceAnswer:
    """Offspring genotype distribution of two parents (genotypes or distributions)."""
    dist = offspring_distribution(parent1, parent2)
    names = [_parent_label(p) for p in (parent1, parent2)]
    return {"parents": names, "offspring": as_canonical(dist), "provenance": provenance()}


def _parent_label(parent: str | Mapping[str, float]) -> str | dict[str, float]:
    if isinstance(parent, str):
        return parse_genotype(parent).canonical
    return {parse_genotype(g).canonical: p for g, p in parent.items()}


def describe_prevalence(*, country_name: str | None = None, s: float | None = None, z: float | None = None,
                        frequencies: Mapping[str, float] | None = None,
                        population: int | float | str | None = None,
                        ancestry_name: str | None = None) -> PrevalenceAnswer:
    """Hardy-Weinberg genotype frequencies and expected counts.

    Give a ``country_name`` from the country table, an ``ancestry_name`` from the ancestry-group table,
    or ``s`` and ``z`` allele frequencies, or a full ``frequencies`` mapping. ``population`` defaults to
    the country's survey population (ancestry groups have none); given, it is a whole number of people
    (:func:`~aatd.genetics.prevalence.whole_people`: ``0.5``, ``0`` and ``1e999`` are refused).
    """
    people = None if population is None else whole_people(population)
    if country_name is not None and ancestry_name is not None:
        raise InputError("ancestry", ancestry_name, "either a country or an ancestry group, not both")
    given = [(name, value) for name, value in (("s", s), ("z", z), ("frequencies", frequencies)) if value is not None]
    if given and (country_name is not None or ancestry_name is not None):
        # the place's own frequencies would be used and the ones given silently ignored
        raise InputError(given[0][0], given[0][1], "either a country or ancestry group, or allele frequencies, "
                         "not both")
    if ancestry_name is not None:
        return _describe_ancestry(ancestry_name, people)
    answer_country: str | None = None
    if country_name is not None:
        record = country(country_name)
        freqs = country_reported_frequencies(country_name)
        people = people if people is not None else country_population(country_name)
        answer_country = record.country
    elif frequencies is not None:
        freqs = validate_frequencies(frequencies)
    else:
        if s is None or z is None:
            raise InputError("country", None, "a country, an ancestry group, or both --s and --z allele frequencies")
        freqs = allele_frequencies(s, z)
    answer = _hardy_weinberg_answer(freqs, people)
    if answer_country is not None:
        record = country(answer_country)
        answer["country"] = record.country
        answer["source"] = knowledge().cite_short(record.source)
        answer["source_locator"] = record.source_locator
        answer["basis"] = record.basis
        answer["sample_size"] = record.sample_size
        answer["confidence_intervals"] = {"S": record.s_ci, "Z": record.z_ci}
        answer["upper_bounds"] = list(record.upper_bounds)
        answer["notes"] = record.notes
        answer["published"] = PublishedCounts(zz=record.est_zz, sz=record.est_sz, mz=record.est_mz)
        if record.s is None:  # a Z-only survey: ZZ and the share of Z carriers, and S named as not published
            answer["confidence_intervals"] = {"Z": record.z_ci}
            answer["unreported_alleles"] = ["S"]
            answer["carriers"] = {"Z": carrier_frequency(record.z)}
    return answer


def _hardy_weinberg_answer(freqs: Mapping[str, float], population: int | None) -> PrevalenceAnswer:
    counts = expected_counts(freqs, population if population is not None else 0)
    genotypes: dict[str, GenotypeCount] = {
        g.canonical: {"frequency": c.frequency, "count": round(c.count) if population is not None else None}
        for g, c in counts.items()
    }
    return PrevalenceAnswer(allele_frequencies=dict(freqs), population=population, genotypes=genotypes,
                            provenance=provenance())


def _describe_ancestry(name: str, population: int | None) -> PrevalenceAnswer:
    """The ancestry group's frequencies; where S was not reported, only Z, ZZ and the share of Z carriers."""
    record = ancestry(name)
    answer = _hardy_weinberg_answer(ancestry_allele_frequencies(name), population)
    reported = {"S": record.s, "Z": record.z}
    answer["ancestry"] = record.group
    answer["dataset"] = record.dataset
    answer["source"] = knowledge().cite_short(record.source)
    answer["source_locator"] = record.source_locator
    answer["basis"] = record.basis
    answer["sample_size"] = record.people
    answer["confidence_intervals"] = {a: ci for a, ci in (("S", record.s_ci), ("Z", record.z_ci))
                                      if reported[a] is not None}
    answer["unreported_alleles"] = [a for a, p in reported.items() if p is None]
    answer["carriers"] = {a: carrier_frequency(p) for a, p in reported.items() if p is not None}
    answer["notes"] = record.notes
    return answer


def list_alleles() -> list[AlleleRecordOut]:
    """The allele catalogue as plain records."""
    return [
        {"allele": a.allele, "name": a.display_name, "family": a.family, "class": a.functional_class,
         "legacy": a.legacy_protein, "hgvs_c": a.hgvs_c, "hgvs_p": a.hgvs_p, "rsid": a.rsid,
         "grch38": a.grch38_pos, "grch37": a.grch37_pos, "ref": a.ref_plus, "alt": a.alt_plus,
         "relative_output": a.relative_output, "polymerises": a.polymerises, "verified": a.verified,
         "source": knowledge().cite_short(a.source)}
        for a in allele_catalogue()
    ]
