"""The cited knowledge tables shipped in ``aatd/data``, loaded once into frozen objects.

Every clinical number aatd uses lives in a CSV table with a ``source`` column whose
value is a ``source_id`` in ``sources.csv``. :func:`knowledge` validates the tables
(columns, units, ranges, that every source resolves) and caches the result, and
:data:`DATA_VERSION` names the release of the tables so that every result can report
which knowledge it was computed from.
"""

from __future__ import annotations

import csv
import hashlib
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from aatd.errors import DataError

T = TypeVar("T")

LEVEL_UNITS = ("mg/dL", "g/L", "umol/L")
LEVEL_STATISTICS = ("range", "p5_p95", "p2.5_p97.5", "iqr", "median", "mean_sd")
FUNCTIONAL_CLASSES = ("normal", "deficient", "null", "dysfunctional")
ALLELE_FAMILIES = ("M", "S", "Z", "rare", "null")


@dataclass(frozen=True, slots=True)
class Source:
    """A publication that a table row cites."""

    source_id: str
    authors: str
    year: int
    title: str
    journal: str
    citation: str
    pmid: str
    pmcid: str
    doi: str
    notes: str
    url: str = ""

    @property
    def link(self) -> str:
        """The one web address shown for this source: the DOI, else PubMed, else PubMed Central, else the
        archived copy in ``url`` (for journals that PubMed does not index, e.g. a national library scan)."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        if self.pmcid:
            return f"https://pmc.ncbi.nlm.nih.gov/articles/{self.pmcid}/"
        return self.url

    @property
    def short(self) -> str:
        """``"Ferrarotti 2012, PMID 22684646"``-style label for explanations."""
        first = self.authors.split(",")[0].split(";")[0].strip() if self.authors else self.source_id
        if 1 < len(first.split()) <= 3 and first.split()[-1].isupper():
            first = first.split()[0]  # "Ferrarotti I" -> "Ferrarotti"; organisations stay whole
        ident = f"PMID {self.pmid}" if self.pmid else (f"doi:{self.doi}" if self.doi else "")
        return f"{first} {self.year}" + (f", {ident}" if ident else "")


@dataclass(frozen=True, slots=True)
class AlleleRecord:
    """One SERPINA1 allele as catalogued in ``alleles.csv``."""

    allele: str
    display_name: str
    aliases: tuple[str, ...]
    family: str
    ief_band: str
    legacy_protein: str
    hgvs_c: str
    hgvs_p: str
    rsid: str
    grch38_pos: int | None
    grch37_pos: int | None
    ref_plus: str
    alt_plus: str
    functional_class: str
    relative_output: float
    polymerises: str
    verified: bool
    verification_note: str
    sort_order: int
    source: str
    source_locator: str
    notes: str


@dataclass(frozen=True, slots=True)
class LevelObservation:
    """A published summary of serum AAT for one genotype (one row of ``genotype_levels.csv``)."""

    genotype: str
    statistic: str
    low: float | None
    high: float | None
    mean: float | None
    sd: float | None
    median: float | None
    n: int | None
    unit: str
    method: str
    standard: str
    population: str
    source: str
    source_locator: str
    notes: str


@dataclass(frozen=True, slots=True)
class CountryFrequencies:
    """PI*S and PI*Z allele frequencies of one country from the world surveys.

    ``s`` is ``None`` for a survey that published only Z (it typed only Z, or its report gives no S count): the
    notes say why, and anything needing the full M/S/Z distribution refuses such a country (see
    ``genetics.prevalence``).
    """

    country: str
    region: str
    s: float | None
    """PI*S allele frequency (0-1), or ``None`` where the survey did not publish S."""
    z: float
    population_millions: float | None
    est_zz: int | None
    est_sz: int | None
    est_mz: int | None
    source: str
    source_locator: str
    notes: str
    sample_size: int | None = None
    """People in the survey (for S when S and Z come from different subsamples)."""
    s_ci: tuple[float, float] | None = None
    """95% confidence interval of the S frequency (0-1), published or derived as the notes say."""
    z_ci: tuple[float, float] | None = None
    """95% confidence interval of the Z frequency (0-1)."""
    other_alleles: Mapping[str, float] = dataclass_field(default_factory=dict)
    """Other alleles the survey reported, as frequencies (0-1); informational, not used by the models."""
    basis: str = "published"
    """``published`` (S and Z as the paper gives them) or ``derived`` (computed here from its counts)."""
    upper_bounds: tuple[str, ...] = ()
    """Alleles (``S``, ``Z``) whose value is a ceiling, not an estimate (e.g. a pooled rare-variant figure)."""


@dataclass(frozen=True, slots=True)
class AncestryFrequencies:
    """PI*S and PI*Z allele frequencies of one genetic ancestry group in one dataset (``ancestry_frequencies.csv``).

    Unlike a country row, S may be missing: some datasets (e.g. UK Biobank papers) publish Z counts only.
    """

    group: str
    aliases: tuple[str, ...]
    dataset: str
    z: float
    """PI*Z allele frequency (0-1)."""
    s: float | None
    """PI*S allele frequency (0-1), or ``None`` where the source did not report S."""
    people: int | None
    allele_number: int | None
    """Alleles counted (twice the people genotyped at both sites, unless the source says otherwise)."""
    s_count: int | None
    z_count: int | None
    s_ci: tuple[float, float] | None
    z_ci: tuple[float, float] | None
    basis: str
    source: str
    source_locator: str
    notes: str


@dataclass(frozen=True, slots=True)
class Constant:
    """A named clinical or physical constant with its unit and source."""

    name: str
    value: float
    unit: str
    source: str
    source_locator: str
    notes: str


@dataclass(frozen=True, slots=True)
class Knowledge:
    """All knowledge tables, validated and indexed."""

    version: str
    sources: Mapping[str, Source]
    alleles: tuple[AlleleRecord, ...]
    levels: tuple[LevelObservation, ...]
    countries: Mapping[str, CountryFrequencies]
    constants: Mapping[str, Constant]
    ancestries: Mapping[str, AncestryFrequencies] = dataclass_field(default_factory=dict)
    """Ancestry-group rows by lower-case group name and by each lower-case alias."""

    def constant(self, name: str) -> float:
        """The value of a named constant from ``constants.csv``."""
        try:
            return self.constants[name].value
        except KeyError:
            raise DataError("constants.csv", None, f"missing constant {name!r}") from None

    def cite(self, source_field: str) -> tuple[Source, ...]:
        """The sources named in a ``source`` field (one id, or several separated by ``;``)."""
        return tuple(self.sources[s] for s in split_sources(source_field))

    def cite_short(self, source_field: str) -> str:
        """``"Ferrarotti 2012, PMID ...; Sanders 2018, doi:..."`` for explanations."""
        return "; ".join(s.short for s in self.cite(source_field))


def split_sources(source_field: str) -> tuple[str, ...]:
    """The source ids in a ``source`` field (``"a;b"`` -> ``("a", "b")``)."""
    return tuple(s.strip() for s in source_field.split(";") if s.strip())


# --- parsing helpers -----------------------------------------------------------------


class TableRow:
    """A CSV row of a knowledge table with typed accessors that report the table and line on failure."""

    def __init__(self, table: str, line: int, values: Mapping[str, str]) -> None:
        self.table, self.line, self.values = table, line, values

    def text(self, col: str) -> str:
        return (self.values.get(col) or "").strip()

    def required(self, col: str) -> str:
        value = self.text(col)
        if not value:
            raise DataError(self.table, self.line, f"column {col!r} is empty")
        return value

    def number(self, col: str) -> float | None:
        value = self.text(col)
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            raise DataError(self.table, self.line, f"column {col!r}: {value!r} is not a number") from None

    def required_number(self, col: str) -> float:
        value = self.number(col)
        if value is None:
            raise DataError(self.table, self.line, f"column {col!r} is empty")
        return value

    def integer(self, col: str) -> int | None:
        value = self.number(col)
        if value is None:
            return None
        if value != int(value):
            raise DataError(self.table, self.line, f"column {col!r}: {value!r} is not a whole number")
        return int(value)

    def boolean(self, col: str) -> bool:
        value = self.text(col).lower()
        if value in ("true", "yes", "1"):
            return True
        if value in ("false", "no", "0", ""):
            return False
        raise DataError(self.table, self.line, f"column {col!r}: {value!r} is not true/false")

    def one_of(self, col: str, allowed: tuple[str, ...]) -> str:
        value = self.text(col)
        if value not in allowed:
            raise DataError(self.table, self.line, f"column {col!r}: {value!r} not one of {allowed}")
        return value

    def source(self, col: str = "source") -> str:
        """The source field, checked to be non-empty and to resolve in ``sources.csv``."""
        field = self.required(col)
        sources = knowledge().sources
        for source_id in split_sources(field):
            if source_id not in sources:
                raise DataError(self.table, self.line, f"source {source_id!r} is not in sources.csv")
        return field


def read_table(table: str, columns: tuple[str, ...], directory: Path | None = None) -> Iterator[TableRow]:
    """The non-empty rows of a packaged table (``directory`` defaults to the package data), after checking
    that ``columns`` are present. Engines use this for their own cited tables."""
    path = (directory or data_directory()) / table
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        missing = [c for c in columns if c not in header]
        if missing:
            raise DataError(table, 1, f"missing columns {missing}")
        for values in reader:
            if not any((v or "").strip() for v in values.values()):
                continue
            yield TableRow(table, reader.line_num, values)


def _load(directory: Path, table: str, columns: tuple[str, ...], build: Callable[[TableRow], T]) -> list[T]:
    return [build(row) for row in read_table(table, columns, directory)]


def _source(row: TableRow) -> Source:
    year = row.integer("year")
    if year is None:
        raise DataError(row.table, row.line, "column 'year' is empty")
    url = row.text("url")
    if url and not url.startswith("https://"):
        raise DataError(row.table, row.line, f"url {url!r} is not an https:// address")
    if not (row.text("pmid") or row.text("doi") or row.text("pmcid") or url):
        raise DataError(row.table, row.line, "a source needs a PMID, PMCID, DOI or an archived https:// url")
    return Source(
        source_id=row.required("source_id"), authors=row.text("authors"), year=year,
        title=row.text("title"), journal=row.text("journal"), citation=row.text("citation"),
        pmid=row.text("pmid"), pmcid=row.text("pmcid"), doi=row.text("doi"), notes=row.text("notes"), url=url,
    )


def _allele(row: TableRow) -> AlleleRecord:
    output = row.required_number("relative_output")
    if not 0.0 <= output <= 1.0:
        raise DataError(row.table, row.line, f"relative_output {output} is outside [0, 1]")
    aliases = tuple(a.strip() for a in row.text("aliases").split(";") if a.strip())
    return AlleleRecord(
        allele=row.required("allele"), display_name=row.text("display_name") or row.required("allele"),
        aliases=aliases, family=row.one_of("family", ALLELE_FAMILIES), ief_band=row.text("ief_band"),
        legacy_protein=row.text("legacy_protein"), hgvs_c=row.text("hgvs_c"), hgvs_p=row.text("hgvs_p"),
        rsid=row.text("rsid"), grch38_pos=row.integer("grch38_pos"), grch37_pos=row.integer("grch37_pos"),
        ref_plus=row.text("ref_plus"), alt_plus=row.text("alt_plus"),
        functional_class=row.one_of("functional_class", FUNCTIONAL_CLASSES), relative_output=output,
        polymerises=row.one_of("polymerises", ("yes", "no", "unknown")), verified=row.boolean("verified"),
        verification_note=row.text("verification_note"), sort_order=row.integer("sort_order") or 0,
        source=row.required("source"), source_locator=row.text("source_locator"), notes=row.text("notes"),
    )


def _level(row: TableRow) -> LevelObservation:
    obs = LevelObservation(
        genotype=row.required("genotype"), statistic=row.one_of("statistic", LEVEL_STATISTICS),
        low=row.number("low"), high=row.number("high"), mean=row.number("mean"), sd=row.number("sd"),
        median=row.number("median"), n=row.integer("n"), unit=row.one_of("unit", LEVEL_UNITS),
        method=row.text("method") or "unspecified", standard=row.text("standard") or "unspecified",
        population=row.text("population"), source=row.required("source"),
        source_locator=row.text("source_locator"), notes=row.text("notes"),
    )
    needs = {"mean_sd": ("mean", "sd"), "median": ("median",)}.get(obs.statistic, ("low", "high"))
    for col in needs:
        if getattr(obs, col) is None:
            raise DataError(row.table, row.line, f"statistic {obs.statistic!r} needs column {col!r}")
    for col in ("low", "high", "mean", "sd", "median"):
        value = getattr(obs, col)
        if value is not None and value < 0:
            raise DataError(row.table, row.line, f"column {col!r}: {value} is negative")
    if obs.low is not None and obs.high is not None and obs.low > obs.high:
        raise DataError(row.table, row.line, f"low {obs.low} is above high {obs.high}")
    return obs


def _country(row: TableRow) -> CountryFrequencies:
    s_per_1000 = row.number("pi_s_per_1000")
    s = None if s_per_1000 is None else s_per_1000 / 1000.0
    z = row.required_number("pi_z_per_1000") / 1000.0
    for name, value in (("pi_s_per_1000", s), ("pi_z_per_1000", z)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise DataError(row.table, row.line, f"{name} gives a frequency {value} outside [0, 1]")
    if s is None and not _says_s_not_measured(row):
        raise DataError(row.table, row.line, "pi_s_per_1000 is empty: a survey that did not publish S must say so "
                        "in its notes ('S not published', with the reason)")
    if s is not None and s + z > 1.0:
        raise DataError(row.table, row.line, "S and Z frequencies sum to more than 1")
    return CountryFrequencies(
        country=row.required("country"), region=row.text("region"), s=s, z=z,
        population_millions=row.number("population_millions"), est_zz=row.integer("est_zz"),
        est_sz=row.integer("est_sz"), est_mz=row.integer("est_mz"), source=row.required("source"),
        source_locator=row.text("source_locator"), notes=row.text("notes"),
        sample_size=row.integer("sample_size"), s_ci=None if s is None else _interval(row, "pi_s", s),
        z_ci=_interval(row, "pi_z", z),
        other_alleles=MappingProxyType(_other_alleles(row)),
        basis=row.one_of("basis", COUNTRY_BASES) if row.text("basis") else "published",
        upper_bounds=_upper_bounds(row),
    )


def _says_s_not_measured(row: TableRow) -> bool:
    """A Z-only survey row names the gap in its notes, and has no S interval or S ceiling to go with it."""
    if row.text("pi_s_ci_low") or row.text("pi_s_ci_high") or "S" in row.text("upper_bound").split():
        raise DataError(row.table, row.line, "an S interval or S ceiling is given but pi_s_per_1000 is empty")
    return "s not published" in row.text("notes").lower()


def _ancestry(row: TableRow) -> AncestryFrequencies:
    allele_number = row.integer("allele_number")
    counts = {allele: row.integer(f"{allele.lower()}_count") for allele in ("S", "Z")}
    if any(c is not None for c in counts.values()) and not allele_number:
        raise DataError(row.table, row.line, "allele counts need the allele_number they were counted among")
    z = _ancestry_frequency(row, "Z", counts["Z"], allele_number, required=True)
    s = _ancestry_frequency(row, "S", counts["S"], allele_number, required=False)
    if z is None:  # unreachable: a required column raises when empty; kept for the type checker
        raise DataError(row.table, row.line, "column 'pi_z_per_1000' is empty")
    if s is not None and s + z > 1.0:
        raise DataError(row.table, row.line, "S and Z frequencies sum to more than 1")
    aliases = tuple(a.strip() for a in row.text("aliases").split(";") if a.strip())
    return AncestryFrequencies(
        group=row.required("group"), aliases=aliases, dataset=row.required("dataset"), z=z, s=s,
        people=row.integer("people"), allele_number=allele_number, s_count=counts["S"], z_count=counts["Z"],
        s_ci=None if s is None else _interval(row, "pi_s", s), z_ci=_interval(row, "pi_z", z),
        basis=row.one_of("basis", COUNTRY_BASES), source=row.required("source"),
        source_locator=row.text("source_locator"), notes=row.text("notes"),
    )


def _ancestry_frequency(row: TableRow, allele: str, count: int | None, allele_number: int | None,
                        *, required: bool) -> float | None:
    """``pi_{allele}_per_1000`` as a frequency, checked against ``count / allele_number`` (to 0.05 per 1000)."""
    column = f"pi_{allele.lower()}_per_1000"
    per_1000 = row.required_number(column) if required else row.number(column)
    if per_1000 is None:
        if count is not None:
            raise DataError(row.table, row.line, f"{allele.lower()}_count is given but {column} is empty")
        return None
    if not 0.0 <= per_1000 <= 1000.0:
        raise DataError(row.table, row.line, f"{column} {per_1000:g} is outside 0-1000")
    if count is not None and allele_number and abs(count / allele_number * 1000 - per_1000) > 0.05 + 1e-9:
        raise DataError(row.table, row.line, f"{column} {per_1000:g} is not {count} / {allele_number} alleles "
                        f"(= {count / allele_number * 1000:.2f} per 1000)")
    return per_1000 / 1000.0


def _ancestry_index(records: list[AncestryFrequencies], table: str) -> dict[str, AncestryFrequencies]:
    """Each record under its lower-case group name and aliases; a name may point to one record only."""
    index: dict[str, AncestryFrequencies] = {}
    for record in records:
        for name in (record.group, *record.aliases):
            key = name.lower()
            if key in index:
                raise DataError(table, None, f"duplicate ancestry group or alias {name!r}")
            index[key] = record
    return index


def _upper_bounds(row: TableRow) -> tuple[str, ...]:
    """The ``upper_bound`` column: space-separated alleles among S and Z whose value is only a ceiling."""
    alleles = tuple(row.text("upper_bound").split())
    for allele in alleles:
        if allele not in ("S", "Z"):
            raise DataError(row.table, row.line, f"upper_bound {allele!r} is not S or Z")
    return alleles


COUNTRY_BASES = ("published", "derived")


def _interval(row: TableRow, prefix: str, point: float) -> tuple[float, float] | None:
    """The ``{prefix}_ci_low``/``_high`` columns (per 1000) as frequencies, checked to bracket the point value."""
    low, high = row.number(f"{prefix}_ci_low"), row.number(f"{prefix}_ci_high")
    if low is None and high is None:
        return None
    if low is None or high is None:
        raise DataError(row.table, row.line, f"{prefix}_ci_low and {prefix}_ci_high must both be given or both empty")
    lo, hi = low / 1000.0, high / 1000.0
    if not (0.0 <= lo <= point + 1e-9 and point - 1e-9 <= hi <= 1.0):
        raise DataError(row.table, row.line, f"{prefix} interval {low:g}-{high:g} per 1000 does not bracket "
                        f"{point * 1000:g}")
    return lo, hi


def _other_alleles(row: TableRow) -> dict[str, float]:
    """``F=14.2;I=1.0`` (per 1000) -> ``{"F": 0.0142, "I": 0.001}``."""
    out: dict[str, float] = {}
    for part in row.text("other_alleles").split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            frequency = float(value) / 1000.0
        except ValueError:
            frequency = -1.0
        if not sep or not name.strip() or not 0.0 <= frequency <= 1.0:
            raise DataError(row.table, row.line, f"other_alleles entry {part!r} is not ALLELE=PER_1000")
        out[name.strip()] = frequency
    return out


def _constant(row: TableRow) -> Constant:
    return Constant(
        name=row.required("name"), value=row.required_number("value"), unit=row.text("unit"),
        source=row.required("source"), source_locator=row.text("source_locator"), notes=row.text("notes"),
    )


def _unique(items: list[T], key: Callable[[T], str], table: str) -> dict[str, T]:
    index: dict[str, T] = {}
    for item in items:
        k = key(item)
        if k in index:
            raise DataError(table, None, f"duplicate key {k!r}")
        index[k] = item
    return index


def data_directory() -> Path:
    """The folder of the packaged knowledge tables."""
    return Path(__file__).resolve().parent.parent / "data"  # aatd/data; importlib.resources costs ~5 ms to import


def _version(directory: Path) -> str:
    manifest = tomllib.loads((directory / "manifest.toml").read_text(encoding="utf-8"))
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{manifest['version']}+{digest.hexdigest()[:8]}"


def load_knowledge(directory: Path) -> Knowledge:
    """Load and validate every table in ``directory`` (raises :class:`DataError`)."""
    sources = _unique(
        _load(directory, "sources.csv", ("source_id", "authors", "year", "pmid", "doi"), _source),
        lambda s: s.source_id, "sources.csv",
    )
    alleles = _load(directory, "alleles.csv", ("allele", "family", "functional_class",
                    "relative_output", "polymerises", "verified", "source"), _allele)
    _unique(alleles, lambda a: a.allele.lower(), "alleles.csv")
    levels = _load(directory, "genotype_levels.csv", ("genotype", "statistic", "unit", "source"), _level)
    countries = _unique(
        _load(directory, "allele_frequencies.csv",
              ("country", "pi_s_per_1000", "pi_z_per_1000", "source"), _country),
        lambda c: c.country.lower(), "allele_frequencies.csv",
    )
    constants = _unique(_load(directory, "constants.csv", ("name", "value", "unit", "source"), _constant),
                        lambda c: c.name, "constants.csv")
    ancestries = _ancestry_index(
        _load(directory, "ancestry_frequencies.csv", ("group", "dataset", "pi_z_per_1000", "basis", "source"),
              _ancestry), "ancestry_frequencies.csv")
    cited: list[tuple[str, str]] = [("alleles.csv", a.source) for a in alleles]
    cited += [("ancestry_frequencies.csv", a.source) for a in ancestries.values()]
    cited += [("genotype_levels.csv", o.source) for o in levels]
    cited += [("allele_frequencies.csv", c.source) for c in countries.values()]
    cited += [("constants.csv", c.source) for c in constants.values()]
    for table, field in cited:
        for source_id in split_sources(field):
            if source_id not in sources:
                raise DataError(table, None, f"source {source_id!r} is not in sources.csv")
    return Knowledge(
        version=_version(directory), sources=MappingProxyType(sources), alleles=tuple(alleles),
        levels=tuple(levels), countries=MappingProxyType(countries),
        constants=MappingProxyType(constants), ancestries=MappingProxyType(ancestries),
    )


@cache
def knowledge() -> Knowledge:
    """The packaged knowledge tables (loaded and validated once per process)."""
    return load_knowledge(data_directory())


def data_version() -> str:
    """``DATA_VERSION``: the manifest version plus a digest of the packaged tables."""
    return knowledge().version
