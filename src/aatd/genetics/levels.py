"""Serum AAT expected for each genotype, how likely a measured level is, and severity.

The model (see ``docs/models.md``): serum AAT of a genotype is log-normal in µmol/L.

**Pooled genotypes.** Every published range of ``genotype_levels.csv`` that can be put in
purified-standard µmol/L (5th-95th percentiles, ATS/ERS ranges read as such, central 95%
intervals, interquartile ranges; never covariate-adjusted rows, commercial-standard mass
units or children) gives one study's log-median and log-SD for one genotype. Studies use
different assays and standards, so the log-medians are fitted with an additive model,
``log median(genotype, study) = mu(genotype) + b(study) + residual``, by alternating
least squares. The predictive log-SD of a genotype adds three variances: the mean within-
study variance of that genotype, the between-study (between-assay) variance of ``b`` and
the residual variance. Medians are reported on the scale of the modern purified-standard
cohorts (:data:`ANCHOR_SOURCES`), so a genotype's median is what a current assay reads,
while its spread also covers older standards and other laboratories.

**Other genotypes** (rare and null alleles) follow allele dosage: each allele contributes
half of the MM median times its ``relative_output``; their log-SD is the widest pooled one.
A genotype with no output (two nulls) is *absent*: uniform below the assay's detection limit.

Inflammation (CRP at or above the cut-off) multiplies the median by the ratio of inflamed to
non-inflamed medians measured per genotype (Sanders 2018), or by the mean of those ratios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from statistics import NormalDist, fmean, variance

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, parse_genotype
from aatd.genetics.units import Crp, Level, Method, Unit, from_umol_l, to_umol_l
from aatd.knowledge import LevelObservation, knowledge, split_sources

ANCHOR_SOURCES = ("ferrarotti2012", "sanders2018", "donato2012")
"""Cohorts measured with current purified-standard assays (nephelometry, immunoturbidimetry):
the pooled medians are put on their common scale."""
MODEL_SOURCES = ("ferrarotti2012", "ats_ers2003", "brantly1991", "sanders2018", "donato2012")
"""The studies whose ranges the pooled model uses (a test checks this equals what :func:`study_ranges` finds)."""
INFLAMMATION_SOURCE = "sanders2018"
_Z_BY_STATISTIC = {"p5_p95": NormalDist().inv_cdf(0.95), "range": NormalDist().inv_cdf(0.95),
                   "p2.5_p97.5": NormalDist().inv_cdf(0.975), "iqr": NormalDist().inv_cdf(0.75)}
"""Standard-normal quantile of each published interval's upper end (a range is read as 5th-95th
percentiles, as Ferrarotti 2012 reads the ATS/ERS ranges)."""
_Z95 = NormalDist().inv_cdf(0.95)
_FIT_ITERATIONS = 200


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


PREGNANCY_RISE = "pregnancy_third_trimester_rise_factor"


def pregnancy_rise_factor() -> float:
    """How many times the non-pregnant upper reference limit of serum AAT its third-trimester upper limit is
    (``constants.csv``: 2.4, a secondary reference range; that AAT rises with gestation is Legge 1984)."""
    return knowledge().constant(PREGNANCY_RISE)


def pregnancy_raises_level() -> bool:
    """Whether pregnancy raises serum AAT (the table's rise factor is above 1), so that a normal level
    measured in pregnancy cannot exclude even an S or SZ genotype (Barr 1988)."""
    return pregnancy_rise_factor() > 1


def pregnancy_sources() -> str:
    """The ``source`` field of the pregnancy rise (``;``-separated source ids)."""
    return knowledge().constants[PREGNANCY_RISE].source


def _level_key(genotype: Genotype) -> str:
    """The genotype as the level tables write it (normal M subtypes count as M)."""
    names = [("M" if a.family == "M" else a.allele) for a in genotype.alleles]
    return Genotype.of(names[0], names[1]).canonical


def _observation_umol(obs: LevelObservation, value: float) -> float:
    from aatd.genetics.units import parse_method, parse_unit

    method = parse_method(obs.method) if obs.method in {m.value for m in Method} else Method.UNSPECIFIED
    return to_umol_l(value, parse_unit(obs.unit), method)


@dataclass(frozen=True, slots=True)
class StudyRange:
    """One study's published range for one genotype, on the log scale of µmol/L."""

    genotype: str
    study: str
    log_median: float
    log_sd: float
    low_umol_l: float
    high_umol_l: float
    statistic: str
    locator: str


@dataclass(frozen=True, slots=True)
class PooledModel:
    """The fitted additive model (see the module docstring).

    ``mu`` is each genotype's log-median on the anchor scale, ``study_effect`` each study's
    offset (log scale), ``within_var`` each genotype's mean within-study variance, and
    ``between_var``/``residual_var`` the between-study and residual variances.
    """

    ranges: tuple[StudyRange, ...]
    mu: dict[str, float]
    study_effect: dict[str, float]
    within_var: dict[str, float]
    between_var: float
    residual_var: float

    def sigma(self, genotype: str) -> float:
        """Predictive log-SD of a new person's level on an unknown assay."""
        return math.sqrt(self.within_var[genotype] + self.between_var + self.residual_var)


def _usable(obs: LevelObservation) -> bool:
    """Whether a published row can be pooled (see the module docstring)."""
    population = obs.population.lower()
    if obs.statistic not in _Z_BY_STATISTIC or obs.low is None or obs.high is None or obs.low <= 0:
        return False
    if "adjusted" in population or "child" in population or "inflamed" in population:
        return False
    if obs.statistic == "range" and obs.unit != Unit.UMOL_L:
        return False  # ranges in mass units are the commercial-standard ATS/ERS column
    return obs.unit == Unit.UMOL_L or obs.standard != "commercial"


def study_ranges() -> tuple[StudyRange, ...]:
    """The first usable range of each (genotype, study) pair, in µmol/L."""
    out: dict[tuple[str, str], StudyRange] = {}
    for obs in knowledge().levels:
        if not _usable(obs):
            continue
        assert obs.low is not None and obs.high is not None
        genotype = _level_key(parse_genotype(obs.genotype))
        study = split_sources(obs.source)[0]
        if (genotype, study) in out:
            continue
        low, high = _observation_umol(obs, obs.low), _observation_umol(obs, obs.high)
        z = _Z_BY_STATISTIC[obs.statistic]
        out[(genotype, study)] = StudyRange(genotype, study, math.log(low * high) / 2, math.log(high / low) / (2 * z),
                                            low, high, obs.statistic, obs.source_locator or obs.source)
    return tuple(out.values())


@cache
def pooled_model() -> PooledModel:
    """Fit the additive model to :func:`study_ranges` (alternating least squares, deterministic)."""
    ranges = study_ranges()
    genotypes = sorted({r.genotype for r in ranges})
    studies = sorted({r.study for r in ranges})
    if "MM" not in genotypes:
        raise InputError("genotype_levels.csv", "MM", "a usable MM range (the dosage model needs it)")
    effect = dict.fromkeys(studies, 0.0)
    mu: dict[str, float] = {}
    for _ in range(_FIT_ITERATIONS):
        mu = {g: fmean(r.log_median - effect[r.study] for r in ranges if r.genotype == g) for g in genotypes}
        effect = {s: fmean(r.log_median - mu[r.genotype] for r in ranges if r.study == s) for s in studies}
        centre = fmean(effect.values())
        effect = {s: e - centre for s, e in effect.items()}
    residuals = [r.log_median - mu[r.genotype] - effect[r.study] for r in ranges]
    dof = len(ranges) - len(genotypes) - len(studies) + 1
    residual_var = sum(e * e for e in residuals) / dof if dof > 0 else 0.0
    between_var = variance(effect.values()) if len(studies) > 1 else 0.0
    anchor = [effect[s] for s in ANCHOR_SOURCES if s in effect]
    shift = fmean(anchor) if anchor else 0.0
    within = {g: fmean(r.log_sd ** 2 for r in ranges if r.genotype == g) for g in genotypes}
    return PooledModel(ranges, {g: m + shift for g, m in mu.items()}, effect, within, between_var, residual_var)


@cache
def _fitted() -> dict[str, LevelDistribution]:
    model = pooled_model()
    fitted: dict[str, LevelDistribution] = {}
    for genotype, mu in model.mu.items():
        ranges = [r for r in model.ranges if r.genotype == genotype]
        studies = ", ".join(f"{r.study} ({r.statistic})" for r in ranges)
        fitted[genotype] = LevelDistribution(
            genotype=genotype, median=math.exp(mu), sigma=model.sigma(genotype),
            basis=f"pooled over {len(ranges)} studies: {studies}; spread includes between-assay variation",
            sources=tuple(dict.fromkeys(r.study for r in ranges)),
        )
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


def inflammation_factor(genotype: Genotype | str | None) -> float:
    """Multiplier of the median level during inflammation (CRP >= cut-off); the mean over the
    genotypes with data for a genotype without (or for an unknown genotype, ``None``)."""
    ratios = _inflammation_ratios()
    if not ratios:
        return 1.0
    if genotype is None:
        return fmean(ratios.values())
    g = parse_genotype(genotype) if isinstance(genotype, str) else genotype
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
    """The lower limit of normal (µmol/L): the MM 5th percentile of the SAPALDIA population."""
    return to_umol_l(knowledge().constant("lower_limit_of_normal_g_l"), Unit.G_L, Method.NEPHELOMETRY)


def undetectable_umol_l() -> float:
    """At or below this a censored result is undetectable (1% of the MM median, µmol/L)."""
    return to_umol_l(knowledge().constant("undetectable_level_mg_dl"), Unit.MG_DL, Method.NEPHELOMETRY)


def classify_umol_l(umol_l: float, *, censored: bool = False) -> Severity:
    """Severity class of a level in µmol/L.

    absent: only a censored result ("<x") whose bound is undetectable (at most 1% of normal) -
    a measured number is never absent; severe: below the protective threshold; intermediate:
    below the lower limit of normal; normal otherwise.
    """
    if censored and umol_l <= undetectable_umol_l():
        return Severity.ABSENT
    if umol_l < protective_threshold_umol_l():
        return Severity.SEVERE
    if umol_l < lower_limit_of_normal_umol_l():
        return Severity.INTERMEDIATE
    return Severity.NORMAL


@cache
def genotype_classes() -> dict[str, Severity]:
    """The cited severity class of the common genotypes (``genotype_classes.csv``)."""
    from aatd.errors import DataError
    from aatd.knowledge import read_table

    out: dict[str, Severity] = {}
    sources = knowledge().sources
    for row in read_table("genotype_classes.csv", ("genotype", "severity", "source")):
        for source_id in split_sources(row.required("source")):
            if source_id not in sources:
                raise DataError("genotype_classes.csv", row.line, f"source {source_id!r} is not in sources.csv")
        out[_level_key(parse_genotype(row.required("genotype")))] = Severity(row.one_of(
            "severity", tuple(s.value for s in Severity)))
    return out


def genotype_severity(genotype: Genotype | str) -> Severity:
    """Severity class of a genotype: the cited class of the common genotypes (``genotype_classes.csv``);
    for others, the class of the modelled median level (two nulls: absent)."""
    g = parse_genotype(genotype) if isinstance(genotype, str) else genotype
    cited = genotype_classes().get(_level_key(g))
    if cited is not None:
        return cited
    dist = level_distribution(g)
    if dist.absent:
        return Severity.ABSENT
    return classify_umol_l(dist.median)


def level_likelihood(level: Level, genotype: Genotype | str, *, inflamed: bool = False) -> float:
    """P(measured ``level`` | genotype): a density per µmol/L, or a probability for "<x" results."""
    dist = level_distribution(genotype, inflamed=inflamed)
    x = level.umol_l
    return dist.cdf(x) if level.below else dist.pdf(x)


def crp_is_raised(crp: Crp | None) -> bool:
    """True when a CRP is at or above the inflammation cut-off, compared in mg/L (:class:`Crp` converts a CRP
    in mg/dL once); a "<x" result (its limit at or below the cut-off, as :meth:`Crp.parse` requires) is below."""
    return crp is not None and not crp.below and is_inflamed(crp.mg_l)


def is_inflamed(crp_mg_l: float | None) -> bool:
    """True when CRP is at or above the inflammation cut-off (mg/L)."""
    if crp_mg_l is None:
        return False
    if not math.isfinite(crp_mg_l) or crp_mg_l < 0:
        raise InputError("crp", crp_mg_l, "a CRP of zero or more, in mg/L")
    return crp_mg_l >= knowledge().constant("crp_inflammation_cutoff_mg_l")
