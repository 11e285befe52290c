"""Serum AAT expected for each genotype, how likely a measured level is, and severity.

The model (see ``docs/models.md``): serum AAT of a genotype is log-normal in µmol/L.
For genotypes with a measured population range, the log-normal is fitted to that range
read as its 5th-95th percentiles (median = geometric mid-point; log-SD = log-width /
(2 × 1.645)), from the first source in :data:`MODEL_SOURCES` that reports the genotype.
Other genotypes (rare and null alleles) follow allele dosage: each allele contributes
half of the MM median times its ``relative_output``; their log-SD is the widest of the
fitted ones, because their spread is unmeasured. A genotype with no output (two nulls)
is *absent*: uniform below the assay's detection limit.
Inflammation (CRP at or above the cut-off) multiplies the median by the ratio of
inflamed to non-inflamed medians measured per genotype (Sanders 2018), or by the mean
of those ratios where a genotype was not measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from statistics import NormalDist, fmean

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, parse_genotype
from aatd.genetics.units import Level, Method, Unit, from_umol_l, to_umol_l
from aatd.knowledge import LevelObservation, knowledge, split_sources

MODEL_SOURCES = ("ferrarotti2012", "ats_ers2003")
"""Level-table sources the model is fitted to, in order of preference: a measured
general-population cohort with a purified standard first, then the ATS/ERS ranges."""
INFLAMMATION_SOURCE = "sanders2018"
_PERCENTILE_STATISTICS = ("p5_p95", "range")
_Z95 = NormalDist().inv_cdf(0.95)


class Severity(StrEnum):
    """Severity classes of AAT deficiency."""

    NORMAL = "normal"
    INTERMEDIATE = "intermediate"
    SEVERE = "severe"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class LevelRange:
    """A low / median / high triple in one unit."""

    low: float
    median: float
    high: float
    unit: str

    def as_dict(self) -> dict[str, float]:
        return {"low": round(self.low, 2), "median": round(self.median, 2), "high": round(self.high, 2)}


@dataclass(frozen=True, slots=True)
class LevelDistribution:
    """The distribution of serum AAT (µmol/L) for one genotype.

    ``sigma`` is the SD of the natural log; ``median`` is 0 for an absent genotype.
    ``basis`` says how the distribution was obtained; ``sources`` lists its source ids.
    """

    genotype: str
    median: float
    sigma: float
    basis: str
    sources: tuple[str, ...]

    @property
    def absent(self) -> bool:
        return self.median <= 0.0

    def quantile(self, p: float) -> float:
        """The ``p`` quantile in µmol/L (0 for an absent genotype: no circulating AAT)."""
        if self.absent:
            return 0.0
        return self.median * math.exp(self.sigma * NormalDist().inv_cdf(p))

    def cdf(self, umol_l: float) -> float:
        """P(measured level <= ``umol_l``) (absent genotypes: uniform noise below detection)."""
        if self.absent:
            return min(1.0, max(0.0, umol_l / detection_limit_umol_l()))
        if umol_l <= 0:
            return 0.0
        return NormalDist().cdf(math.log(umol_l / self.median) / self.sigma)

    def pdf(self, umol_l: float) -> float:
        """Probability density at ``umol_l`` (per µmol/L).

        For an absent genotype a reported value below the detection limit is assay noise,
        so its likelihood is uniform on [0, detection limit] and zero above it.
        """
        if self.absent:
            lod = detection_limit_umol_l()
            return 1.0 / lod if 0.0 <= umol_l <= lod else 0.0
        if umol_l <= 0:
            return 0.0
        z = math.log(umol_l / self.median) / self.sigma
        return math.exp(-0.5 * z * z) / (umol_l * self.sigma * math.sqrt(2 * math.pi))

    def expected_range(self, unit: Unit = Unit.UMOL_L, method: Method = Method.NEPHELOMETRY) -> LevelRange:
        """5th percentile, median and 95th percentile in ``unit`` as ``method`` reports them."""
        values = (self.quantile(0.05), self.quantile(0.5), self.quantile(0.95))
        low, median, high = (from_umol_l(v, unit, method) for v in values)
        return LevelRange(low, median, high, unit.value)


def detection_limit_umol_l() -> float:
    """The immunoassay detection limit in µmol/L (``constants.csv``)."""
    return to_umol_l(knowledge().constant("immunoassay_detection_limit_mg_dl"), Unit.MG_DL, Method.NEPHELOMETRY)


def protective_threshold_umol_l() -> float:
    """The 11 µM protective threshold below which emphysema risk rises (ATS/ERS 2003)."""
    return knowledge().constant("protective_threshold_umol_l")


def _level_key(genotype: Genotype) -> str:
    """The genotype as the level tables write it (normal M subtypes count as M)."""
    names = [("M" if a.family == "M" else a.allele) for a in genotype.alleles]
    return Genotype.of(names[0], names[1]).canonical


def _observation_umol(obs: LevelObservation, value: float) -> float:
    from aatd.genetics.units import parse_method, parse_unit

    method = parse_method(obs.method) if obs.method in {m.value for m in Method} else Method.UNSPECIFIED
    return to_umol_l(value, parse_unit(obs.unit), method)


@cache
def _fitted() -> dict[str, LevelDistribution]:
    fitted: dict[str, LevelDistribution] = {}
    for source in MODEL_SOURCES:
        for obs in knowledge().levels:
            if source not in split_sources(obs.source) or obs.statistic not in _PERCENTILE_STATISTICS:
                continue
            if obs.genotype in fitted or obs.low is None or obs.high is None or obs.low <= 0:
                continue
            if "adjusted" in obs.population.lower():
                continue  # covariate-adjusted percentiles describe a standardised population, not patients
            if obs.unit != Unit.UMOL_L and obs.standard == "commercial":
                continue  # commercial-standard mass units cannot be converted to µM by molecular weight
            low, high = _observation_umol(obs, obs.low), _observation_umol(obs, obs.high)
            fitted[obs.genotype] = LevelDistribution(
                genotype=obs.genotype, median=math.sqrt(low * high),
                sigma=math.log(high / low) / (2 * _Z95),
                basis=f"log-normal fitted to the {obs.statistic} {obs.low:g}-{obs.high:g} {obs.unit} "
                f"({obs.source_locator or obs.source})", sources=split_sources(obs.source),
            )
    if "MM" not in fitted:
        raise InputError("genotype_levels.csv", "MM", "a fitted MM range (the dosage model needs it)")
    return fitted


@cache
def _inflammation_ratios() -> dict[str, float]:
    medians: dict[tuple[str, bool], float] = {}
    for obs in knowledge().levels:
        if INFLAMMATION_SOURCE not in split_sources(obs.source) or obs.statistic != "median" or obs.median is None:
            continue
        population = obs.population.lower()
        if "adjusted" in population:
            continue
        medians.setdefault((obs.genotype, population.startswith("inflamed")), obs.median)
    return {g: medians[(g, True)] / medians[(g, False)] for g, inflamed in medians
            if inflamed and (g, False) in medians}


def inflammation_factor(genotype: Genotype | str) -> float:
    """Multiplier of the median level during inflammation (CRP >= cut-off)."""
    g = parse_genotype(genotype) if isinstance(genotype, str) else genotype
    ratios = _inflammation_ratios()
    if not ratios:
        return 1.0
    return ratios.get(_level_key(g), fmean(ratios.values()))


def level_distribution(genotype: Genotype | str, *, inflamed: bool = False) -> LevelDistribution:
    """The serum level distribution (µmol/L) of ``genotype``, optionally during inflammation."""
    g = parse_genotype(genotype) if isinstance(genotype, str) else genotype
    base = _base_distribution(g)
    if not inflamed or base.absent:
        return base
    factor = inflammation_factor(g)
    return LevelDistribution(base.genotype, base.median * factor, base.sigma,
                             base.basis + f"; inflamed: median x {factor:.2f}",
                             (*base.sources, INFLAMMATION_SOURCE))


@cache
def _base_distribution(genotype: Genotype) -> LevelDistribution:
    key = _level_key(genotype)
    fitted = _fitted()
    if key in fitted:
        dist = fitted[key]
        return LevelDistribution(genotype.canonical, dist.median, dist.sigma, dist.basis, dist.sources)
    a, b = genotype.alleles
    output = (a.relative_output + b.relative_output) / 2
    mm = fitted["MM"]
    widest = max(d.sigma for d in fitted.values())
    basis = (f"allele dosage: MM median x mean relative output {output:.3f} "
             f"({a.allele} {a.relative_output:g}, {b.allele} {b.relative_output:g}); widest fitted spread")
    sources = tuple(dict.fromkeys((*mm.sources, *split_sources(a.source), *split_sources(b.source))))
    return LevelDistribution(genotype.canonical, mm.median * output, widest, basis, sources)


def expected_level(genotype: Genotype | str, unit: Unit = Unit.UMOL_L) -> LevelRange:
    """The expected range (5th percentile, median, 95th percentile) of ``genotype``."""
    return level_distribution(genotype).expected_range(unit)


def model_summary(genotypes: list[str]) -> list[dict[str, object]]:
    """Severity, expected range (µmol/L and mg/dL) and basis of each genotype, for docs and reports."""
    rows: list[dict[str, object]] = []
    for text in genotypes:
        dist = level_distribution(text)
        rows.append({
            "genotype": dist.genotype, "severity": genotype_severity(text).value,
            "umol_l": dist.expected_range(Unit.UMOL_L).as_dict(), "mg_dl": dist.expected_range(Unit.MG_DL).as_dict(),
            "basis": dist.basis, "sources": dist.sources,
        })
    return rows


def lower_limit_of_normal_umol_l() -> float:
    """The 5th percentile of MM: below it a level is lower than normal."""
    return _fitted()["MM"].quantile(0.05)


def classify_umol_l(umol_l: float) -> Severity:
    """Severity class of a level in µmol/L.

    absent: below the detection limit; severe: below the protective threshold;
    intermediate: below the MM 5th percentile; normal otherwise.
    """
    if umol_l < detection_limit_umol_l():
        return Severity.ABSENT
    if umol_l < protective_threshold_umol_l():
        return Severity.SEVERE
    if umol_l < lower_limit_of_normal_umol_l():
        return Severity.INTERMEDIATE
    return Severity.NORMAL


def genotype_severity(genotype: Genotype | str) -> Severity:
    """Severity class of a genotype from its expected median level (two nulls: absent)."""
    dist = level_distribution(genotype)
    if dist.absent:
        return Severity.ABSENT
    severity = classify_umol_l(dist.median)
    return Severity.SEVERE if severity is Severity.ABSENT else severity


def level_likelihood(level: Level, genotype: Genotype | str, *, inflamed: bool = False) -> float:
    """P(measured ``level`` | genotype): a density per µmol/L, or a probability for "<x" results."""
    dist = level_distribution(genotype, inflamed=inflamed)
    x = level.umol_l
    return dist.cdf(x) if level.below else dist.pdf(x)


def is_inflamed(crp_mg_l: float | None) -> bool:
    """True when CRP is at or above the inflammation cut-off (mg/L)."""
    if crp_mg_l is None:
        return False
    if not math.isfinite(crp_mg_l) or crp_mg_l < 0:
        raise InputError("crp", crp_mg_l, "a CRP of zero or more, in mg/L")
    return crp_mg_l >= knowledge().constant("crp_inflammation_cutoff_mg_l")
