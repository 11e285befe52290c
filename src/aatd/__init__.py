"""aatd: alpha-1 antitrypsin deficiency toolkit.

A pure-Python core of cited knowledge (alleles, serum levels, allele frequencies), genotype
notation, inheritance and prevalence (:mod:`aatd.genetics`), families (:mod:`aatd.family`),
the clinic (:mod:`aatd.clinic`: who to test, what a result means, augmentation), lifetime risk
(:mod:`aatd.risk`) and patient content (:mod:`aatd.patients`), with the CLI and web app on top.

Public names are imported on first use (PEP 562), so ``import aatd`` and the CLI start fast and
load numpy, scipy and the engines only when a command needs them.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from aatd._version import __version__

if TYPE_CHECKING:
    from aatd.clinic.augmentation import augmentation_eligibility
    from aatd.clinic.interpretation import describe_interpretation, interpret_result
    from aatd.clinic.who_to_test import describe_should_test, should_test
    from aatd.errors import AatdError, DataError, InputError, PedigreeError
    from aatd.family.answers import pedigree_report
    from aatd.family.cascade import cascade_plan
    from aatd.family.inference import genotype_posteriors
    from aatd.family.pedigree import Pedigree, build_pedigree, pedigree_from_json, pedigree_from_ped
    from aatd.genetics.alleles import Allele, allele_catalogue, get_allele, known_allele_names
    from aatd.genetics.answers import describe_genotype, describe_inheritance, describe_prevalence, list_alleles
    from aatd.genetics.genotypes import Genotype, Phenotype, parse_genotype, parse_phenotype, parse_result
    from aatd.genetics.inheritance import as_canonical, gametes, offspring_distribution
    from aatd.genetics.levels import (
        Severity,
        classify_umol_l,
        expected_level,
        genotype_severity,
        level_distribution,
        level_likelihood,
    )
    from aatd.genetics.prevalence import allele_frequencies, country_allele_frequencies, expected_counts, hardy_weinberg
    from aatd.genetics.units import Crp, CrpUnit, Level, Method, Unit
    from aatd.knowledge import data_version, knowledge
    from aatd.risk.answers import describe_risk

_PUBLIC: dict[str, str] = {
    "AatdError": "aatd.errors",
    "Allele": "aatd.genetics.alleles",
    "allele_catalogue": "aatd.genetics.alleles",
    "allele_frequencies": "aatd.genetics.prevalence",
    "as_canonical": "aatd.genetics.inheritance",
    "augmentation_eligibility": "aatd.clinic.augmentation",
    "build_pedigree": "aatd.family.pedigree",
    "cascade_plan": "aatd.family.cascade",
    "classify_umol_l": "aatd.genetics.levels",
    "country_allele_frequencies": "aatd.genetics.prevalence",
    "Crp": "aatd.genetics.units",
    "CrpUnit": "aatd.genetics.units",
    "data_version": "aatd.knowledge",
    "DataError": "aatd.errors",
    "describe_genotype": "aatd.genetics.answers",
    "describe_inheritance": "aatd.genetics.answers",
    "describe_interpretation": "aatd.clinic.interpretation",
    "describe_prevalence": "aatd.genetics.answers",
    "describe_risk": "aatd.risk.answers",
    "describe_should_test": "aatd.clinic.who_to_test",
    "expected_counts": "aatd.genetics.prevalence",
    "expected_level": "aatd.genetics.levels",
    "gametes": "aatd.genetics.inheritance",
    "Genotype": "aatd.genetics.genotypes",
    "genotype_posteriors": "aatd.family.inference",
    "genotype_severity": "aatd.genetics.levels",
    "get_allele": "aatd.genetics.alleles",
    "hardy_weinberg": "aatd.genetics.prevalence",
    "InputError": "aatd.errors",
    "interpret_result": "aatd.clinic.interpretation",
    "knowledge": "aatd.knowledge",
    "known_allele_names": "aatd.genetics.alleles",
    "Level": "aatd.genetics.units",
    "level_distribution": "aatd.genetics.levels",
    "level_likelihood": "aatd.genetics.levels",
    "list_alleles": "aatd.genetics.answers",
    "Method": "aatd.genetics.units",
    "offspring_distribution": "aatd.genetics.inheritance",
    "parse_genotype": "aatd.genetics.genotypes",
    "parse_phenotype": "aatd.genetics.genotypes",
    "parse_result": "aatd.genetics.genotypes",
    "Pedigree": "aatd.family.pedigree",
    "pedigree_from_json": "aatd.family.pedigree",
    "pedigree_from_ped": "aatd.family.pedigree",
    "pedigree_report": "aatd.family.answers",
    "PedigreeError": "aatd.errors",
    "Phenotype": "aatd.genetics.genotypes",
    "Severity": "aatd.genetics.levels",
    "should_test": "aatd.clinic.who_to_test",
    "Unit": "aatd.genetics.units",
}
"""Public name -> the module that defines it."""

__all__ = [
    "AatdError",
    "Allele",
    "Crp",
    "CrpUnit",
    "DataError",
    "Genotype",
    "InputError",
    "Level",
    "Method",
    "Pedigree",
    "PedigreeError",
    "Phenotype",
    "Severity",
    "Unit",
    "__version__",
    "allele_catalogue",
    "allele_frequencies",
    "as_canonical",
    "augmentation_eligibility",
    "build_pedigree",
    "cascade_plan",
    "classify_umol_l",
    "country_allele_frequencies",
    "data_version",
    "describe_genotype",
    "describe_inheritance",
    "describe_interpretation",
    "describe_prevalence",
    "describe_risk",
    "describe_should_test",
    "expected_counts",
    "expected_level",
    "gametes",
    "genotype_posteriors",
    "genotype_severity",
    "get_allele",
    "hardy_weinberg",
    "interpret_result",
    "knowledge",
    "known_allele_names",
    "level_distribution",
    "level_likelihood",
    "list_alleles",
    "offspring_distribution",
    "parse_genotype",
    "parse_phenotype",
    "parse_result",
    "pedigree_from_json",
    "pedigree_from_ped",
    "pedigree_report",
    "should_test",
]


def _module(module: str) -> ModuleType:
    """The module ``module`` of :data:`_PUBLIC`, imported by name so the import graph shows it."""
    if module == "aatd.clinic.augmentation":
        from aatd.clinic import augmentation as clinic_augmentation

        return clinic_augmentation
    elif module == "aatd.clinic.interpretation":
        from aatd.clinic import interpretation as clinic_interpretation

        return clinic_interpretation
    elif module == "aatd.clinic.who_to_test":
        from aatd.clinic import who_to_test as clinic_who_to_test

        return clinic_who_to_test
    elif module == "aatd.errors":
        from aatd import errors as errors

        return errors
    elif module == "aatd.family.answers":
        from aatd.family import answers as family_answers

        return family_answers
    elif module == "aatd.family.cascade":
        from aatd.family import cascade as family_cascade

        return family_cascade
    elif module == "aatd.family.inference":
        from aatd.family import inference as family_inference

        return family_inference
    elif module == "aatd.family.pedigree":
        from aatd.family import pedigree as family_pedigree

        return family_pedigree
    elif module == "aatd.genetics.alleles":
        from aatd.genetics import alleles as genetics_alleles

        return genetics_alleles
    elif module == "aatd.genetics.answers":
        from aatd.genetics import answers as genetics_answers

        return genetics_answers
    elif module == "aatd.genetics.genotypes":
        from aatd.genetics import genotypes as genetics_genotypes

        return genetics_genotypes
    elif module == "aatd.genetics.inheritance":
        from aatd.genetics import inheritance as genetics_inheritance

        return genetics_inheritance
    elif module == "aatd.genetics.levels":
        from aatd.genetics import levels as genetics_levels

        return genetics_levels
    elif module == "aatd.genetics.prevalence":
        from aatd.genetics import prevalence as genetics_prevalence

        return genetics_prevalence
    elif module == "aatd.genetics.units":
        from aatd.genetics import units as genetics_units

        return genetics_units
    elif module == "aatd.knowledge":
        from aatd import knowledge as knowledge

        return knowledge
    elif module == "aatd.risk.answers":
        from aatd.risk import answers as risk_answers

        return risk_answers
    raise AttributeError(module)  # _PUBLIC and this list are checked against each other by the tests


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'aatd' has no attribute {name!r}")
    value = getattr(_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
