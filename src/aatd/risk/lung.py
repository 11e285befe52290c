"""Vectorised Monte Carlo engine of lifetime lung function and survival.

One :class:`Profile` (a person's genotype class, sex, height, exposures and plans) is
simulated ``n`` times; every simulated person gets their own level, slope and parameter
draws. The loop runs over years of age (20 to 90); each step works on whole numpy arrays
of people. Random numbers are drawn up front, in a fixed order that does not depend on the
profile, so two profiles simulated with the same seed share them (common random numbers):
this makes scenario comparisons precise and makes "more exposure never lowers risk" hold
person by person.

The model (``docs/progression.md``): FEV1 is the GLI predicted value times a person's
fraction of predicted ``r``. At 20, ``r`` comes from the GLI spread (z-score ~ N(0, 1)).
Each year ``r`` shrinks by ``excess / predicted`` where ``excess`` (mL/yr at 100% predicted)
adds genotype, smoking, second-hand smoke, dust, family history, asthma and infections,
times a log-normal person multiplier and a sex multiplier, times ``r ** decline_level_exponent``
(calibrated to about 0 by ``verification/calibrate.py``: an absolute excess). FVC loses a fixed fraction of the
FEV1 shortfall. Death: the life-table hazard, floored by a hazard for FEV1 30-65% and < 30%
predicted. All parameters come from ``progression_parameters.csv``.

For cohorts beyond memory, :func:`simulate` splits the work into chunks run on Dask (a
local cluster by default, any cluster by address); chunks return histograms and counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from aatd.errors import DataError, InputError
from aatd.knowledge import read_table
from aatd.knowledge.life_tables import life_table
from aatd.risk.spirometry import Equations, Outcome, centile_value, lms

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

PARAMETER_TABLE = "progression_parameters.csv"
MODEL_GENOTYPES = ("MM", "MS", "MZ", "SS", "SZ", "ZZ", "Null")
EVIDENCE = ("strong", "moderate", "weak")
CALIBRATED_EVIDENCE = "calibrated to targets "  # e.g. "calibrated to targets T1-T6 by verification/calibrate.py"
SMOKING = ("never", "former", "current")
END_AGE = 90
QUANTILES = (0.1, 0.5, 0.9)
EXPOSURES = ("secondhand_smoke", "dust", "family_emphysema", "asthma", "infections")
OUTCOMES = ("copd_lln", "copd_fixed_ratio", "gold_1", "gold_2", "gold_3", "gold_4", "fev1_below_50", "death")
_HIST_STEP_L = 0.005
_HIST_MAX_L = 9.0


# --- parameters -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parameter:
    """One row of ``progression_parameters.csv``."""

    name: str
    genotype: str
    value: float
    sd: float
    ci_low: float | None
    ci_high: float | None
    unit: str
    evidence: str
    source: str
    notes: str


@cache
def parameters() -> dict[tuple[str, str], Parameter]:
    """All progression parameters, keyed by (name, genotype or ``"all"``/``"ZZ"``)."""
    table: dict[tuple[str, str], Parameter] = {}
    columns = ("name", "genotype", "value", "sd", "ci_low", "ci_high", "unit", "evidence", "source", "notes")
    for row in read_table(PARAMETER_TABLE, columns):
        evidence = row.text("evidence")
        if evidence not in EVIDENCE and not evidence.startswith(CALIBRATED_EVIDENCE):
            raise DataError(PARAMETER_TABLE, row.line,
                            f"evidence {evidence!r} not one of {EVIDENCE} nor '{CALIBRATED_EVIDENCE}...'")
        genotype = row.text("genotype")
        if genotype not in (*MODEL_GENOTYPES, "all"):
            raise DataError(PARAMETER_TABLE, row.line, f"genotype {genotype!r} is not a model genotype or 'all'")
        sd = row.number("sd") or 0.0
        if sd < 0:
            raise DataError(PARAMETER_TABLE, row.line, f"sd {sd} is negative")
        param = Parameter(row.text("name"), genotype, row.required_number("value"), sd, row.number("ci_low"),
                          row.number("ci_high"), row.text("unit"), evidence, row.source(), row.text("notes"))
        if (param.name, genotype) in table:
            raise DataError(PARAMETER_TABLE, row.line, f"duplicate parameter {param.name!r} for {genotype}")
        table[(param.name, genotype)] = param
    return table


_OVERRIDES: dict[tuple[str, str], float] = {}


def parameter(name: str, genotype: str = "all") -> Parameter:
    """A parameter by name (and genotype class); raises :class:`DataError` when missing."""
    try:
        param = parameters()[(name, genotype)]
    except KeyError:
        raise DataError(PARAMETER_TABLE, None, f"missing parameter {name!r} for {genotype}") from None
    override = _OVERRIDES.get((name, genotype))
    return param if override is None else replace(param, value=override)


@contextmanager
def parameter_overrides(values: Mapping[tuple[str, str], float]) -> Iterator[None]:
    """Temporarily replace parameter values, keyed by (name, genotype) (used by the calibration).

    Only values read through :func:`parameter` / :func:`value` during a simulation are affected;
    the table itself is not changed.
    """
    for key in values:
        parameter(*key)  # raises DataError for unknown parameters
    saved = dict(_OVERRIDES)
    _OVERRIDES.update(values)
    try:
        yield
    finally:
        _OVERRIDES.clear()
        _OVERRIDES.update(saved)


def value(name: str, genotype: str = "all") -> float:
    """The value of a parameter."""
    return parameter(name, genotype).value


# --- inputs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """A person's inputs in model terms (validated by :func:`aatd.risk.answers.build_profile`).

    Ages in years, height in cm, FEV1 in litres. ``*_stop_age`` is when an exposure ends
    (``None``: continues). ``quit_age`` is when smoking stopped (former) or will stop (a
    scenario for a current smoker). ``augmentation_start_age``: start of weekly IV AAT.
    """

    genotype: str
    sex: int
    age: int
    height_cm: float
    smoking: str = "never"
    pack_years: float = 0.0
    quit_age: float | None = None
    secondhand_smoke: bool = False
    secondhand_smoke_stop_age: float | None = None
    dust: bool = False
    dust_stop_age: float | None = None
    family_emphysema: bool = False
    asthma: bool = False
    infections: bool = False
    fev1_l: float | None = None
    augmentation_start_age: float | None = None
    augmentation_applies: bool = False
    equations: Equations = Equations.GLI_GLOBAL_2022

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)

    @property
    def start_age(self) -> int:
        return int(value("simulation_start_age"))

    def packs_per_day(self) -> float:
        """Smoking intensity: pack-years spread evenly from the start age to quitting (or now)."""
        if self.smoking == "never" or self.pack_years <= 0:
            return 0.0
        stop = self.age if self.smoking == "current" else (self.quit_age or self.age)
        return self.pack_years / max(1.0, stop - self.start_age)


# --- random draws -----------------------------------------------------------------

_PARAMETER_DRAWS = ("never", "smoking", "former", *EXPOSURES, "male", "fvc", "augmentation")


@dataclass(frozen=True, slots=True)
class Draws:
    """All random numbers of ``n`` simulated people, drawn in a fixed order."""

    level_z: FloatArray
    ratio_z: FloatArray
    slope_z: FloatArray
    parameter_z: dict[str, FloatArray]
    noise_z: FloatArray
    death_threshold: FloatArray

    @property
    def n(self) -> int:
        return int(self.level_z.size)


def draw(n: int, rng: np.random.Generator) -> Draws:
    """Draw every random number for ``n`` people (independent of the profile)."""
    level_z = rng.standard_normal(n)
    ratio_z = rng.standard_normal(n)
    slope_z = rng.standard_normal(n)
    block = rng.standard_normal((len(_PARAMETER_DRAWS), n))
    noise_z = rng.standard_normal(n)
    death_threshold = rng.standard_exponential(n)
    return Draws(level_z, ratio_z, slope_z, dict(zip(_PARAMETER_DRAWS, block, strict=True)), noise_z,
                 death_threshold)


# --- the person-level coefficients ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Per-person excess-decline components (mL/yr at 100% predicted) and multipliers."""

    never: FloatArray
    smoking: FloatArray
    former_fraction: FloatArray
    exposures: dict[str, FloatArray]
    multiplier: FloatArray
    fvc_fraction: FloatArray
    augmentation: FloatArray


def _positive(name: str, genotype: str, z: FloatArray) -> FloatArray:
    p = parameter(name, genotype)
    return np.maximum(0.0, p.value + p.sd * z)


def susceptibility(genotype: str) -> float:
    """How strongly a genotype amplifies environmental exposures, relative to ZZ (smoking-excess ratio)."""
    return value("smoking_excess_per_pack_day", genotype) / value("smoking_excess_per_pack_day", "ZZ")


def coefficients(profile: Profile, draws: Draws) -> Coefficients:
    """Person-level coefficients of ``profile`` from ``draws``."""
    g, z = profile.genotype, draws.parameter_z
    scale = susceptibility(g)
    exposures = {e: scale * _positive(f"{e}_excess", "ZZ", z[e]) for e in EXPOSURES}
    former = parameter("former_smoker_residual_fraction")
    male = parameter("male_excess_multiplier")
    sigma = value("slope_random_effect_sd")
    slope = np.exp(sigma * draws.slope_z - 0.5 * sigma * sigma)
    male_mult = np.maximum(1.0, male.value + male.sd * z["male"]) if profile.sex == 1 else np.ones(draws.n)
    fvc = parameter("fvc_fraction_of_fev1_loss")
    aug = parameter("augmentation_decline_reduction")
    return Coefficients(
        never=_positive("excess_decline_never", g, z["never"]),
        smoking=_positive("smoking_excess_per_pack_day", g, z["smoking"]),
        former_fraction=np.clip(former.value + former.sd * z["former"], 0.0, 1.0),
        exposures=exposures,
        multiplier=slope * male_mult,
        fvc_fraction=np.clip(fvc.value + fvc.sd * z["fvc"], 0.0, 1.0),
        augmentation=np.clip(aug.value + aug.sd * z["augmentation"], 0.0, 1.0),
    )


# --- year-by-year schedule (scalars, shared by everyone in a profile) ----------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """Per-age quantities that do not differ between simulated people."""

    ages: NDArray[np.int64]
    fev1_lms: tuple[FloatArray, FloatArray, FloatArray]
    fvc_predicted: FloatArray
    ratio_lms: tuple[FloatArray, FloatArray, FloatArray]
    ratio_lln: FloatArray
    fev1_lln: FloatArray
    background_hazard: FloatArray
    packs: FloatArray
    former: FloatArray
    exposure_on: dict[str, FloatArray]
    augmented: FloatArray

    @property
    def fev1_predicted(self) -> FloatArray:
        return self.fev1_lms[1]


def _active(flag: bool, ages: NDArray[np.int64], stop: float | None) -> FloatArray:
    if not flag:
        return np.zeros(ages.size)
    return (ages < (math.inf if stop is None else stop)).astype(np.float64)


@cache
def _schedule_cached(profile: Profile) -> Schedule:
    ages = np.arange(profile.start_age, END_AGE + 1)
    f_l, f_m, f_s = lms(profile.sex, ages.astype(np.float64), profile.height_cm, Outcome.FEV1, profile.equations)
    fvc = lms(profile.sex, ages.astype(np.float64), profile.height_cm, Outcome.FVC, profile.equations)[1]
    r_l, r_m, r_s = lms(profile.sex, ages.astype(np.float64), profile.height_cm, Outcome.FEV1FVC, profile.equations)
    lln_z = value("lln_z")
    qx = life_table().qx(profile.sex)[ages]
    ppd = profile.packs_per_day()
    stop = math.inf if profile.quit_age is None else profile.quit_age
    smoking = ages < stop if profile.smoking in ("current", "former") else np.zeros(ages.size, dtype=bool)
    former = (ages >= stop) if profile.smoking in ("current", "former") else np.zeros(ages.size, dtype=bool)
    exposure_on = {
        "secondhand_smoke": _active(profile.secondhand_smoke, ages, profile.secondhand_smoke_stop_age),
        "dust": _active(profile.dust, ages, profile.dust_stop_age),
        "family_emphysema": _active(profile.family_emphysema, ages, None),
        "asthma": _active(profile.asthma, ages, None),
        "infections": _active(profile.infections, ages, None),
    }
    start = profile.augmentation_start_age
    augmented = ((ages >= start) if (start is not None and profile.augmentation_applies)
                 else np.zeros(ages.size, dtype=bool)).astype(np.float64)
    return Schedule(
        ages=ages, fev1_lms=(f_l, f_m, f_s), fvc_predicted=fvc, ratio_lms=(r_l, r_m, r_s),
        ratio_lln=centile_value(lln_z, r_l, r_m, r_s), fev1_lln=centile_value(lln_z, f_l, f_m, f_s),
        background_hazard=-np.log1p(-np.minimum(qx, 1.0 - 1e-12)),
        packs=smoking.astype(np.float64) * ppd, former=former.astype(np.float64) * ppd,
        exposure_on=exposure_on, augmented=augmented,
    )


def schedule(profile: Profile) -> Schedule:
    """The per-age schedule of a profile (cached)."""
    return _schedule_cached(profile)


def excess_decline(c: Coefficients, s: Schedule, i: int) -> FloatArray:
    """Excess FEV1 decline (mL/yr at 100% predicted) of everyone in year ``i`` of the schedule."""
    total = c.never + c.smoking * (s.packs[i] + c.former_fraction * s.former[i])
    for name in EXPOSURES:
        on = s.exposure_on[name][i]
        if on:
            total = total + on * c.exposures[name]
    total = total * c.multiplier
    if s.augmented[i]:
        total = total * (1.0 - c.augmentation)
    return np.asarray(total, dtype=np.float64)


# --- results ----------------------------------------------------------------------


@dataclass(slots=True)
class Accumulator:
    """Per-age summaries: quantiles (exact) or histograms (mergeable), and outcome counts."""

    ages: NDArray[np.int64]
    n: int = 0
    counts: dict[str, FloatArray] = field(default_factory=dict)
    quantiles: FloatArray | None = None
    histogram: NDArray[np.int64] | None = None
    fev1_mean: FloatArray | None = None
    paths: FloatArray | None = None
    death_age: FloatArray | None = None

    def merge(self, other: Accumulator) -> Accumulator:
        """Add another chunk's counts and histograms (quantiles are recomputed from histograms)."""
        if self.histogram is None or other.histogram is None or self.fev1_mean is None or other.fev1_mean is None:
            raise ValueError("only histogram accumulators can be merged")
        total = self.n + other.n
        counts = {k: self.counts[k] + other.counts[k] for k in self.counts}
        mean = (self.fev1_mean * self.n + other.fev1_mean * other.n) / total
        return Accumulator(self.ages, total, counts, None, self.histogram + other.histogram, mean)

    def fev1_quantiles(self) -> FloatArray:
        """(len(QUANTILES), ages) FEV1 quantiles in litres."""
        if self.quantiles is not None:
            return self.quantiles
        if self.histogram is None:
            raise ValueError("no quantiles and no histogram")
        return _histogram_quantiles(self.histogram)

    def probabilities(self) -> dict[str, FloatArray]:
        return {k: v / self.n for k, v in self.counts.items()}


def _histogram_quantiles(histogram: NDArray[np.int64]) -> FloatArray:
    cumulative = np.cumsum(histogram, axis=1)
    totals = cumulative[:, -1:]
    out = np.empty((len(QUANTILES), histogram.shape[0]))
    for k, q in enumerate(QUANTILES):
        index = np.argmax(cumulative >= q * totals, axis=1)
        out[k] = (index + 0.5) * _HIST_STEP_L
    return out


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Summaries of a simulated profile from its current age to 90."""

    profile: Profile
    ages: NDArray[np.int64]
    fev1_quantiles: FloatArray
    fev1_mean: FloatArray
    fev1_predicted: FloatArray
    fev1_lln: FloatArray
    probabilities: dict[str, FloatArray]
    n: int
    seed: int | None
    engine: str
    paths: FloatArray | None = None
    death_age: FloatArray | None = None


# --- the fast engine ----------------------------------------------------------------


def _anchor(r1: FloatArray, rf: FloatArray, c: Coefficients, s: Schedule, i: int, profile: Profile,
            draws: Draws) -> tuple[FloatArray, FloatArray]:
    if profile.fev1_l is None:
        return r1, rf
    noise = value("measurement_noise_sd")
    anchored = np.maximum(value("fev1_floor_fraction"), (profile.fev1_l + noise * draws.noise_z) / s.fev1_predicted[i])
    return anchored, np.maximum(0.05, rf + c.fvc_fraction * (anchored - r1))


def _initial(s: Schedule, draws: Draws) -> tuple[FloatArray, FloatArray]:
    fev1 = centile_value(draws.level_z, *(x[0] for x in s.fev1_lms))
    ratio = centile_value(draws.ratio_z, *(x[0] for x in s.ratio_lms))
    return fev1 / s.fev1_predicted[0], (fev1 / ratio) / s.fvc_predicted[0]


def _record(acc: Accumulator, j: int, r1: FloatArray, rf: FloatArray, s: Schedule, i: int, dead: BoolArray,
            histogram: bool, paths: FloatArray | None) -> None:
    fev1 = r1 * s.fev1_predicted[i]
    ratio = fev1 / (rf * s.fvc_predicted[i])
    percent = 100.0 * r1
    fixed = ratio < value("gold_fixed_ratio")
    g1, g2, g3 = value("gold_grade_1_min"), value("gold_grade_2_min"), value("gold_grade_3_min")
    acc.counts["copd_lln"][j] = np.count_nonzero(ratio < s.ratio_lln[i])
    acc.counts["copd_fixed_ratio"][j] = np.count_nonzero(fixed)
    acc.counts["gold_1"][j] = np.count_nonzero(fixed & (percent >= g1))
    acc.counts["gold_2"][j] = np.count_nonzero(fixed & (percent >= g2) & (percent < g1))
    acc.counts["gold_3"][j] = np.count_nonzero(fixed & (percent >= g3) & (percent < g2))
    acc.counts["gold_4"][j] = np.count_nonzero(fixed & (percent < g3))
    acc.counts["fev1_below_50"][j] = np.count_nonzero(percent < 50.0)
    acc.counts["death"][j] = np.count_nonzero(dead)
    assert acc.fev1_mean is not None
    acc.fev1_mean[j] = float(fev1.mean())
    if histogram:
        assert acc.histogram is not None
        bins = np.minimum((fev1 / _HIST_STEP_L).astype(np.int64), acc.histogram.shape[1] - 1)
        acc.histogram[j] = np.bincount(bins, minlength=acc.histogram.shape[1])
    else:
        assert acc.quantiles is not None
        acc.quantiles[:, j] = np.quantile(fev1, QUANTILES)
    if paths is not None:
        paths[j] = fev1


def _mortality_hazard(r1: FloatArray, s: Schedule, i: int) -> FloatArray:
    percent = 100.0 * r1
    band = np.where(percent < value("mortality_fev1_band_lower"), value("mortality_hazard_fev1_below_30"),
                    np.where(percent < value("mortality_fev1_band_upper"), value("mortality_hazard_fev1_30_65"), 0.0))
    return np.asarray(np.maximum(s.background_hazard[i], band), dtype=np.float64)


def run(profile: Profile, draws: Draws, *, histogram: bool = False, keep_paths: bool = False) -> Accumulator:
    """Simulate ``draws.n`` people of ``profile``; summaries from the current age to 90."""
    s = schedule(profile)
    c = coefficients(profile, draws)
    out_ages = np.arange(profile.age, END_AGE + 1)
    acc = Accumulator(out_ages, draws.n, {k: np.zeros(out_ages.size) for k in OUTCOMES},
                      None if histogram else np.zeros((len(QUANTILES), out_ages.size)),
                      np.zeros((out_ages.size, int(_HIST_MAX_L / _HIST_STEP_L)), dtype=np.int64) if histogram else None,
                      np.zeros(out_ages.size))
    paths = np.zeros((out_ages.size, draws.n)) if keep_paths else None
    death_age = np.full(draws.n, np.nan) if keep_paths else None
    r1, rf = _initial(s, draws)
    hazard = np.zeros(draws.n)
    first = profile.age - profile.start_age
    gamma, floor = value("decline_level_exponent"), value("fev1_floor_fraction")
    for i in range(s.ages.size):
        if i == first:
            r1, rf = _anchor(r1, rf, c, s, i, profile, draws)
        if i >= first:
            dead = hazard > draws.death_threshold
            _record(acc, i - first, r1, rf, s, i, dead, histogram, paths)
            if death_age is not None:
                death_age[dead & np.isnan(death_age)] = s.ages[i]
            hazard += _mortality_hazard(r1, s, i)
        if i + 1 < s.ages.size:
            loss = excess_decline(c, s, i) * np.power(r1, gamma) / (1000.0 * s.fev1_predicted[i + 1])
            new_r1 = np.maximum(r1 - loss, floor)
            rf = np.maximum(0.05, rf - c.fvc_fraction * (r1 - new_r1))
            r1 = new_r1
    acc.paths, acc.death_age = paths, death_age
    return acc


def _result(profile: Profile, acc: Accumulator, seed: int | None, engine: str) -> SimulationResult:
    s = schedule(profile)
    first = profile.age - profile.start_age
    assert acc.fev1_mean is not None
    return SimulationResult(profile, acc.ages, acc.fev1_quantiles(), acc.fev1_mean, s.fev1_predicted[first:],
                            s.fev1_lln[first:], acc.probabilities(), acc.n, seed, engine, acc.paths,
                            acc.death_age)


def simulate(profile: Profile, n: int = 10_000, seed: int | None = 0, *, chunk_size: int = 250_000,
             use_dask: bool = False, scheduler_address: str | None = None,
             keep_paths: bool = False) -> SimulationResult:
    """Simulate ``n`` lifetimes of ``profile`` with ``seed`` (reproducible).

    In memory by default (exact quantiles). With ``use_dask`` (or a ``scheduler_address``)
    the people are split into chunks of ``chunk_size`` run as Dask tasks (a local cluster
    unless an address is given); quantiles then come from 5 mL histograms.
    """
    if not isinstance(n, int) or n < 1:
        raise InputError("n", n, "a whole number of simulated people, 1 or more")
    if use_dask or scheduler_address is not None:
        return _simulate_dask(profile, n, seed, chunk_size, scheduler_address)
    rng = np.random.default_rng(seed)
    return _result(profile, run(profile, draw(n, rng), keep_paths=keep_paths), seed, "numpy")


def _chunk(profile: Profile, n: int, seed_sequence: np.random.SeedSequence) -> Accumulator:
    return run(profile, draw(n, np.random.default_rng(seed_sequence)), histogram=True)


def _simulate_dask(profile: Profile, n: int, seed: int | None, chunk_size: int,
                   address: str | None) -> SimulationResult:
    import importlib

    distributed: Any = importlib.import_module("dask.distributed")  # lazy: Dask is optional
    client_class, cluster_class = distributed.Client, distributed.LocalCluster

    sizes = [chunk_size] * (n // chunk_size) + ([n % chunk_size] if n % chunk_size else [])
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    if address is None:
        cluster = cluster_class(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
        client = client_class(cluster)
    else:
        cluster, client = None, client_class(address)
    try:
        futures = client.map(_chunk, [profile] * len(sizes), sizes, children, pure=False)
        parts: list[Accumulator] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    total = parts[0]
    for part in parts[1:]:
        total = total.merge(part)
    return _result(profile, total, seed, "dask")


# --- a slow, readable reference ---------------------------------------------------


def simulate_reference(profile: Profile, draws: Draws) -> tuple[FloatArray, FloatArray]:
    """The same model, one person at a time in plain Python (for tests and benchmarks).

    Returns (FEV1 paths as (ages, people) in litres from the current age to 90, age at
    death or ``nan`` when alive at 90).
    """
    s = schedule(profile)
    c = coefficients(profile, draws)
    first = profile.age - profile.start_age
    n_out = END_AGE + 1 - profile.age
    paths = np.zeros((n_out, draws.n))
    death_age = np.full(draws.n, np.nan)
    noise = value("measurement_noise_sd")
    for p in range(draws.n):
        fev1_0 = float(centile_value(draws.level_z[p], *(x[0] for x in s.fev1_lms)))
        ratio_0 = float(centile_value(draws.ratio_z[p], *(x[0] for x in s.ratio_lms)))
        r1, rf = fev1_0 / s.fev1_predicted[0], fev1_0 / ratio_0 / s.fvc_predicted[0]
        hazard = 0.0
        for i in range(s.ages.size):
            if i == first and profile.fev1_l is not None:
                measured = profile.fev1_l + noise * draws.noise_z[p]
                anchored = max(value("fev1_floor_fraction"), measured / s.fev1_predicted[i])
                rf = max(0.05, rf + c.fvc_fraction[p] * (anchored - r1))
                r1 = anchored
            if i >= first:
                paths[i - first, p] = r1 * s.fev1_predicted[i]
                if hazard > draws.death_threshold[p] and math.isnan(death_age[p]):
                    death_age[p] = s.ages[i]
                percent = 100.0 * r1
                floor = 0.0
                if percent < value("mortality_fev1_band_lower"):
                    floor = value("mortality_hazard_fev1_below_30")
                elif percent < value("mortality_fev1_band_upper"):
                    floor = value("mortality_hazard_fev1_30_65")
                hazard += max(s.background_hazard[i], floor)
            if i + 1 < s.ages.size:
                excess = c.never[p] + c.smoking[p] * (s.packs[i] + c.former_fraction[p] * s.former[i])
                for name in EXPOSURES:
                    excess += s.exposure_on[name][i] * c.exposures[name][p]
                excess *= c.multiplier[p]
                if s.augmented[i]:
                    excess *= 1.0 - c.augmentation[p]
                loss = excess * r1 ** value("decline_level_exponent") / (1000.0 * s.fev1_predicted[i + 1])
                new_r1 = max(r1 - loss, value("fev1_floor_fraction"))
                rf = max(0.05, rf - c.fvc_fraction[p] * (r1 - new_r1))
                r1 = new_r1
    return paths, death_age
