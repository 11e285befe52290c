"""Allele counts of the screened alleles per population of a cohort (a sample panel).

Population-genome resources (1000 Genomes, HGDP, national biobanks) publish genotype files
with a sample panel naming each sample's population: 1000 Genomes' panel has the columns
``sample pop super_pop gender``. Counting PI*Z and PI*S in such a file per population gives
what a country row of ``allele_frequencies.csv`` needs: the allele count, the allele number
(2 x people with a call), the frequency and its 95% Wilson interval.

The counting rule is the cohort summary's (:func:`aatd.screening.cohort.summarise`): only
full calls count (a hard call, or a hard call from a dosage); missing, half, haploid and
too-uncertain calls are left out of both the count and the allele number. The same files
therefore give the same totals with and without a panel (tested), and the counts equal
``bcftools +fill-tags -- -S panel -t AC,AN`` on files without half-calls (tested).

A population is not a country: a panel label says where the samples were drawn (1000
Genomes' ``GIH`` is "Gujarati Indians in Houston", not India). Which populations may stand
for a country is a curation decision, made and cited in the data table, not here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from aatd.errors import InputError
from aatd.limits import LABEL
from aatd.screening.cohort import Cohort
from aatd.screening.model import RESOLVED
from aatd.screening.stats import CONFIDENCE, wilson_interval

PANEL_BYTES = 64 * 1024 * 1024
"""Largest sample panel read (bytes). A line of a panel is under 100 bytes, so 64 MiB holds
over 600,000 samples (UK Biobank has about 500,000); reading stays linear and small."""

_FULL_CALL = np.zeros(256, bool)
_FULL_CALL[[int(s) for s in RESOLVED]] = True

_SAMPLE_HEADERS = frozenset({"sample", "sample_id", "sampleid", "id", "iid", "#iid", "individual"})


@dataclass(frozen=True, slots=True)
class SamplePanel:
    """Each sample's population, read from a panel file (:func:`read_population_panel`)."""

    column: str
    """The panel column used as the population (its header name, or ``column 2``)."""
    population_of: Mapping[str, str]
    """Sample id -> population label."""
    path: str


@dataclass(frozen=True, slots=True)
class AlleleCount:
    """One screened allele in one population: counts among full calls and a Wilson interval."""

    allele: str
    allele_count: int
    """Copies of the allele among people with a full call at its site."""
    allele_number: int
    """2 x people with a full call at the site."""
    frequency: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, object]:
        def per_1000(value: float) -> float | None:
            return None if math.isnan(value) else round(1000 * value, 3)

        return {"allele": self.allele, "allele_count": self.allele_count, "allele_number": self.allele_number,
                "frequency": None if math.isnan(self.frequency) else self.frequency,
                "per_1000": per_1000(self.frequency), "ci_low_per_1000": per_1000(self.ci_low),
                "ci_high_per_1000": per_1000(self.ci_high)}


@dataclass(frozen=True, slots=True)
class PopulationCounts:
    """The screened alleles of one population of the panel."""

    population: str
    samples: int
    """People of this population found in the files."""
    alleles: tuple[AlleleCount, ...]

    def to_dict(self) -> dict[str, object]:
        return {"population": self.population, "samples": self.samples,
                "alleles": [a.to_dict() for a in self.alleles]}


@dataclass(frozen=True, slots=True)
class PopulationTable:
    """Allele counts per population: the answer of :func:`population_frequencies`."""

    panel: str
    column: str
    populations: tuple[PopulationCounts, ...]
    samples_without_population: int
    """Samples in the files that the panel does not name (counted in no population)."""
    panel_samples_not_in_files: int
    """Samples of the panel absent from the files."""

    def to_dict(self) -> dict[str, object]:
        return {"panel": self.panel, "column": self.column,
                "populations": [p.to_dict() for p in self.populations],
                "samples_without_population": self.samples_without_population,
                "panel_samples_not_in_files": self.panel_samples_not_in_files,
                "method": (f"allele count / (2 x people with a full call); {round(100 * CONFIDENCE)}% Wilson score "
                           "interval; missing, half and uncertain calls left out, as in the cohort summary"),
                "note": ("a population is where the samples were drawn, not a country: which populations may "
                         "stand for a country is decided and cited in the data table")}


def check_population_column(panel_given: bool, column: str | None) -> None:
    """Refuse a population column without a panel (the CLI's and the API's one rule)."""
    if column is not None and not panel_given:
        raise InputError("population_column", column, "a sample panel (populations) as well")


def read_population_panel(path: str, column: str | None = None) -> SamplePanel:
    """Read a sample panel file (see :func:`parse_population_panel` for the format)."""
    if not os.path.isfile(path):
        raise InputError("populations", path, "an existing sample panel file (sample id, then population)")
    if os.path.getsize(path) > PANEL_BYTES:
        raise InputError("populations", path, f"a sample panel of at most {PANEL_BYTES // (1024 * 1024)} MiB")
    with open(path, "rb") as handle:
        return parse_population_panel(handle.read(), column, source=path)


def parse_population_panel(data: bytes, column: str | None = None, *, source: str = "panel") -> SamplePanel:
    """Parse a sample panel: one line per sample, the sample id first, tab- or space-separated.

    With a header line (its first field ``sample``, ``sample_id``, ``IID``...), ``column``
    names the population column (default: the second, ``pop`` in 1000 Genomes' panel;
    ``super_pop`` for its continental groups). Without a header the second field is the
    population and ``column`` must be left out. Blank lines and ``##`` comments are skipped.
    """
    if len(data) > PANEL_BYTES:
        raise InputError("populations", f"{source} ({len(data):,} bytes)",
                         f"a sample panel of at most {PANEL_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("populations", source, "a UTF-8 text sample panel") from exc
    lines = [(n, _fields(line)) for n, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.startswith("##")]
    if not lines:
        raise InputError("populations", source, "a sample panel with at least one sample")
    index, label, rows = _population_index(lines, column)
    population_of: dict[str, str] = {}
    for n, fields in rows:
        if len(fields) <= index:
            raise InputError("populations", f"line {n}: {' '.join(fields)}",
                             f"a sample id and a population (column {label})")
        sample, population = fields[0], fields[index]
        if len(sample) > LABEL or len(population) > LABEL:
            raise InputError("populations", f"line {n}", f"a sample id and population of at most {LABEL} characters")
        if population_of.setdefault(sample, population) != population:
            raise InputError("populations", f"line {n}: {sample}", "each sample in one population only")
    return SamplePanel(label, population_of, source)


def _fields(line: str) -> list[str]:
    return [f.strip() for f in line.split("\t")] if "\t" in line else line.split()


def _population_index(lines: list[tuple[int, list[str]]], column: str | None
                      ) -> tuple[int, str, list[tuple[int, list[str]]]]:
    """The population column's index, its label and the sample rows (header removed)."""
    head = lines[0][1]
    if head and head[0].lower() in _SAMPLE_HEADERS:
        names = [h.lower() for h in head]
        wanted = (column or (head[1] if len(head) > 1 else "")).lower()
        if wanted not in names[1:]:
            raise InputError("population_column", column or "", "one of the panel's columns: " + ", ".join(head[1:]))
        index = names.index(wanted, 1)
        return index, head[index], lines[1:]
    if column is not None:
        raise InputError("population_column", column, "a panel with a header line naming its columns")
    return 1, "column 2", lines


def population_frequencies(cohort: Cohort, panel: SamplePanel) -> PopulationTable:
    """Count each screened allele per population of ``panel`` among the cohort's full calls.

    Linear in samples x sites: one pass of ``numpy.bincount`` per site.
    """
    labels = sorted(set(panel.population_of.values()))
    code_of = {label: i for i, label in enumerate(labels)}
    codes = np.array([code_of.get(panel.population_of.get(s, ""), -1) for s in cohort.samples], np.int64)
    named = codes >= 0
    size = len(labels)
    samples = np.bincount(codes[named], minlength=size)
    per_site: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(len(cohort.sites)):
        use = named & _FULL_CALL[cohort.state[i]]
        copies = cohort.copies[i][use].astype(np.int64)
        per_site.append((np.bincount(codes[use], weights=copies, minlength=size).astype(np.int64),
                         2 * np.bincount(codes[use], minlength=size)))
    populations = []
    for p, label in enumerate(labels):
        counts = []
        for site, (count, number) in zip(cohort.sites, per_site, strict=True):
            ci = wilson_interval(int(count[p]), int(number[p]))
            counts.append(AlleleCount(site.allele, int(count[p]), int(number[p]), ci.estimate, ci.low, ci.high))
        if samples[p]:
            populations.append(PopulationCounts(label, int(samples[p]), tuple(counts)))
    in_files = set(cohort.samples)
    return PopulationTable(panel.path, panel.column, tuple(populations), int((~named).sum()),
                           sum(1 for s in panel.population_of if s not in in_files))
