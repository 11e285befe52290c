"""JSON-ready answers shared by the CLI, the REST API and the web app.

Each function takes user input as text or numbers, validates it (raising
:class:`~aatd.errors.InputError`) and returns a plain dict, so that every interface
gives the same answer for the same input.
"""

from __future__ import annotations

from collections.abc import Mapping

from aatd.genetics.alleles import allele_catalogue
from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.inheritance import as_canonical, offspring_distribution
from aatd.genetics.levels import genotype_severity, level_distribution
from aatd.genetics.prevalence import (
    allele_frequencies,
    country,
    country_population,
    expected_counts,
    validate_frequencies,
)
from aatd.genetics.units import Unit
from aatd.knowledge import knowledge
from aatd.provenance import provenance


def describe_genotype(text: str) -> dict[str, object]:
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
            "um": dist.expected_range(Unit.UMOL_L).as_dict(),
            "mg_dl": dist.expected_range(Unit.MG_DL).as_dict(),
            "g_l": {k: round(v / 100, 3) for k, v in dist.expected_range(Unit.MG_DL).as_dict().items()},
            "percentiles": [5, 50, 95],
            "basis": dist.basis,
            "sources": [knowledge().cite_short(s) for s in dist.sources],
        },
        "liver_risk_alleles": [a.allele for a in g.alleles if a.polymerises == "yes"],
        "provenance": provenance(),
    }


def describe_inheritance(parent1: str | Mapping[str, float], parent2: str | Mapping[str, float]) -> dict[str, object]:
    """Offspring genotype distribution of two parents (genotypes or distributions)."""
    dist = offspring_distribution(parent1, parent2)
    names = [_parent_label(p) for p in (parent1, parent2)]
    return {"parents": names, "offspring": as_canonical(dist), "provenance": provenance()}


def _parent_label(parent: str | Mapping[str, float]) -> object:
    if isinstance(parent, str):
        return parse_genotype(parent).canonical
    return {parse_genotype(g).canonical: p for g, p in parent.items()}


def describe_prevalence(*, country_name: str | None = None, s: float | None = None, z: float | None = None,
                        frequencies: Mapping[str, float] | None = None,
                        population: float | None = None) -> dict[str, object]:
    """Hardy-Weinberg genotype frequencies and expected counts.

    Give a ``country_name`` from the table, or ``s`` and ``z`` allele frequencies, or a
    full ``frequencies`` mapping. ``population`` defaults to the country's survey population.
    """
    source: dict[str, object] = {}
    if country_name is not None:
        record = country(country_name)
        freqs = allele_frequencies(record.s, record.z)
        population = population if population is not None else country_population(country_name)
        source = {"country": record.country, "source": knowledge().cite_short(record.source),
                  "source_locator": record.source_locator, "basis": record.basis,
                  "sample_size": record.sample_size,
                  "confidence_intervals": {"S": record.s_ci, "Z": record.z_ci},
                  "notes": record.notes,
                  "published": {"zz": record.est_zz, "sz": record.est_sz, "mz": record.est_mz}}
    elif frequencies is not None:
        freqs = validate_frequencies(frequencies)
    else:
        from aatd.errors import InputError

        if s is None or z is None:
            raise InputError("country", None, "a country, or both --s and --z allele frequencies")
        freqs = allele_frequencies(s, z)
    counts = expected_counts(freqs, population if population is not None else 0)
    genotypes = {
        g.canonical: {"frequency": c.frequency, "count": round(c.count) if population is not None else None}
        for g, c in counts.items()
    }
    return {"allele_frequencies": freqs, "population": population, "genotypes": genotypes, **source,
            "provenance": provenance()}


def list_alleles() -> list[dict[str, object]]:
    """The allele catalogue as plain records."""
    return [
        {"allele": a.allele, "name": a.display_name, "family": a.family, "class": a.functional_class,
         "legacy": a.legacy_protein, "hgvs_c": a.hgvs_c, "hgvs_p": a.hgvs_p, "rsid": a.rsid,
         "grch38": a.grch38_pos, "grch37": a.grch37_pos, "ref": a.ref_plus, "alt": a.alt_plus,
         "relative_output": a.relative_output, "polymerises": a.polymerises, "verified": a.verified,
         "source": knowledge().cite_short(a.source)}
        for a in allele_catalogue()
    ]
