"""aatd: alpha-1 antitrypsin deficiency toolkit.

A pure-Python core of cited knowledge (alleles, serum levels, allele frequencies),
genotype notation, Mendelian inheritance and Hardy-Weinberg prevalence, on which the
family, testing, risk and screening engines and the CLI, API and web app are built.
"""

from aatd.alleles import Allele, allele_catalogue, get_allele, known_allele_names
from aatd.errors import AatdError, DataError, InputError, PedigreeError
from aatd.genotypes import Genotype, Phenotype, parse_genotype, parse_phenotype, parse_result
from aatd.inheritance import as_canonical, gametes, offspring_distribution
from aatd.knowledge import data_version, knowledge
from aatd.levels import (
    Severity,
    classify_umol_l,
    expected_level,
    genotype_severity,
    level_distribution,
    level_likelihood,
)
from aatd.prevalence import (
    allele_frequencies,
    country_allele_frequencies,
    expected_counts,
    hardy_weinberg,
)
from aatd.provenance import software_version
from aatd.units import Level, Method, Unit

__version__ = software_version()

__all__ = [
    "AatdError",
    "Allele",
    "DataError",
    "Genotype",
    "InputError",
    "Level",
    "Method",
    "PedigreeError",
    "Phenotype",
    "Severity",
    "Unit",
    "__version__",
    "allele_catalogue",
    "allele_frequencies",
    "as_canonical",
    "classify_umol_l",
    "country_allele_frequencies",
    "data_version",
    "expected_counts",
    "expected_level",
    "gametes",
    "genotype_severity",
    "get_allele",
    "hardy_weinberg",
    "knowledge",
    "known_allele_names",
    "level_distribution",
    "level_likelihood",
    "offspring_distribution",
    "parse_genotype",
    "parse_phenotype",
    "parse_result",
]
