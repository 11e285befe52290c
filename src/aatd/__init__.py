"""aatd: alpha-1 antitrypsin deficiency toolkit.

A pure-Python core of cited knowledge (alleles, serum levels, allele frequencies),
genotype notation, Mendelian inheritance and Hardy-Weinberg prevalence, on which the
family, testing, risk and screening engines and the CLI, API and web app are built.
"""

from aatd.clinic.augmentation import augmentation_eligibility
from aatd.clinic.interpretation import describe_interpretation, interpret_result
from aatd.clinic.who_to_test import describe_should_test, should_test
from aatd.errors import AatdError, DataError, InputError, PedigreeError
from aatd.family.cascade import cascade_plan, pedigree_report
from aatd.family.inference import genotype_posteriors
from aatd.family.pedigree import Pedigree, build_pedigree, pedigree_from_json, pedigree_from_ped
from aatd.genetics.alleles import Allele, allele_catalogue, get_allele, known_allele_names
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
from aatd.genetics.prevalence import (
    allele_frequencies,
    country_allele_frequencies,
    expected_counts,
    hardy_weinberg,
)
from aatd.genetics.units import Level, Method, Unit
from aatd.knowledge import data_version, knowledge
from aatd.provenance import software_version
from aatd.risk.answers import describe_risk

__version__ = software_version()

__all__ = [
    "AatdError",
    "Allele",
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
    "describe_interpretation",
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
    "offspring_distribution",
    "parse_genotype",
    "parse_phenotype",
    "parse_result",
    "pedigree_from_json",
    "pedigree_from_ped",
    "pedigree_report",
    "should_test",
]
