"""Population screening: read cohort and consumer genotype files for PI*Z, PI*S and the
other verified catalogue alleles, strand- and build-safe.

    >>> from aatd.screening import screen
    >>> result = screen(["cohort.bcf"])            # doctest: +SKIP
    >>> result.summary["genotype_counts"]          # doctest: +SKIP
    {'MM': 95550, 'MZ': 3881, 'ZZ': 37}

Readers: VCF/BCF (cyvcf2), PLINK 1/2 (pgenlib), BGEN (bgen), VCF Zarr (zarr) and consumer
raw-data files (23andMe, AncestryDNA, MyHeritage, FamilyTreeDNA, LivingDNA). See
``docs/screening.md``.
"""

from aatd.screening.engine import FORMATS, assemble, detect_format, scan_file, screen
from aatd.screening.model import CallState, FileScan, SiteCalls, SiteNote
from aatd.screening.populations import (
    PopulationTable,
    SamplePanel,
    parse_population_panel,
    population_frequencies,
    read_population_panel,
)
from aatd.screening.result import DISCLAIMER, TSV_COLUMNS, ScreenResult
from aatd.screening.sites import Match, Site, screening_sites

__all__ = [
    "DISCLAIMER",
    "FORMATS",
    "TSV_COLUMNS",
    "CallState",
    "FileScan",
    "Match",
    "PopulationTable",
    "SamplePanel",
    "ScreenResult",
    "Site",
    "SiteCalls",
    "SiteNote",
    "assemble",
    "detect_format",
    "parse_population_panel",
    "population_frequencies",
    "read_population_panel",
    "scan_file",
    "screen",
    "screening_sites",
]
