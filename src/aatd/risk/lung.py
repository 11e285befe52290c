"""Vectorised Monte Carlo engine of lifetime lung function, liver disease and survival by cause.

One :class:`Profile` (a person's genotype class, sex, height, how they were found, exposures,
liver cofactors and plans) is simulated ``n`` times. The loop runs over years of age (20 to 90);
each step works on whole numpy arrays of people. Random numbers are drawn up front, in a fixed
order that does not depend on the profile, so two profiles simulated with the same seed share
them (common random numbers): scenario comparisons are precise and "more exposure never lowers
risk" holds person by person.

The model (``docs/progression.md``): FEV1 is the GLI predicted value times a person's fraction of
predicted ``r``. At 20, ``r`` comes from the GLI spread. Each year ``r`` shrinks by
``excess / predicted`` where ``excess`` (mL/yr at 100% predicted) adds genotype, smoking (from its
start age at its intensity), the ascertainment group (people found because of their own lung
disease decline faster), second-hand smoke, dust, family history, asthma and infections, times a
log-normal person multiplier (mean 1) and a sex multiplier. From the current age on, each person
also moves through the liver states (cirrhosis, decompensation, liver cancer), may receive a lung
transplant (FEV1 below 30% predicted) or a liver transplant (decompensation or liver cancer), and may
die of one of the causes of :mod:`aatd.risk.mortality`; the cause of each death is recorded.

Parameters come from ``progression_parameters.csv`` through :mod:`aatd.risk.parameters`: at their
table values (``batches=1``) or drawn once per batch of people (two-level uncertainty).
For cohorts beyond memory, :func:`simulate` splits the work into chunks run on Dask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from aatd.errors import InputError
from aatd.knowledge.life_tables import DEFAULT_COUNTRY, life_table
from aatd.limits import check_time_budget
from aatd.risk.liver import cirrhosis_hazard, decompensation_ratio, liver_value
from aatd.risk.mortality import CAUSES, quit_residual, smoking_rate_ratio
from aatd.risk.parameters import (
    CALIBRATED_EVIDENCE,
    EVIDENCE,
    MODEL_GENOTYPES,
    PARAMETER_TABLE,
    Parameter,
    batch_values,
    overrides_key,
    parameter,
    parameter_overrides,
    parameters,
    value,
)
from aatd.risk.spirometry import Equations, Outcome, below_ratio_lower_limit, centile_value, lms, ratio_lower_limit

__all__ = ["CALIBRATED_EVIDENCE", "EVIDENCE", "MODEL_GENOTYPES", "PARAMETER_TABLE", "Parameter", "parameter",
           "parameter_overrides", "parameters", "value"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SMOKING = ("never", "former", "current")
ASCERTAINMENT = ("index", "family", "screened", "unknown")
GROUPS = ("index", "family", "screened")
END_AGE = 90
QUANTILES = (0.1, 0.5, 0.9)
EXPOSURES = ("secondhand_smoke", "dust", "family_emphysema", "asthma", "infections")
LIVER_STATES = ("cirrhosis", "decompensated", "liver_cancer")
TRANSPLANTS = ("lung_transplant", "liver_transplant")
OUTCOMES = ("copd_lln", "copd_fixed_ratio", "gold_1", "gold_2", "gold_3", "gold_4", "fev1_below_50", "death",
            *(f"death_{c}" for c in CAUSES), *LIVER_STATES, *TRANSPLANTS)
CIGARETTES_PER_PACK = 20
_HIST_STEP_L = 0.005
_HIST_BINS_PER_L = 200.0  # 1 / _HIST_STEP_L: bins by multiplication (engines avoid divisions in the yearly loop)
_HIST_MAX_L = 9.0


# --- inputs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """A person's inputs in model terms (validated by :func:`aatd.risk.answers.build_profile`).

    Ages in years, height in cm, FEV1 in litres. ``*_stop_age`` is when an exposure ends
    (``None``: continues). ``quit_age`` is when smoking stopped (former) or will stop (a
    scenario for a current smoker). ``smoking_start_age``: when smoking began (``None``: the
    table's default). ``cigarettes_per_day``: the intensity, when known (else pack-years are
    spread from the start age to quitting or now). ``ascertainment``: how the person was found
    (index, family, screened, unknown = the register mix, or ``mix`` with ``ascertainment_weights``
    for index, family, screened). Liver cofactors: ``alcohol`` category, ``obese``, ``diabetes``.
    ``country``: whose life table gives the deaths from other causes (:func:`aatd.knowledge.life_tables.life_table`).
    """

    genotype: str
    sex: int
    age: int
    height_cm: float
    smoking: str = "never"
    pack_years: float = 0.0
    quit_age: float | None = None
    smoking_start_age: float | None = None
    cigarettes_per_day: float | None = None
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
    ascertainment: str = "screened"
    ascertainment_weights: tuple[float, float, float] | None = None
    alcohol: str = "none"
    obese: bool = False
    diabetes: bool = False
    liver_unknown_at_entry: bool = False
    country: str = DEFAULT_COUNTRY

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)

    @property
    def start_age(self) -> int:
        return int(value("simulation_start_age"))

    def smoking_start(self) -> float:
        """Age at which smoking began (the table default when not given)."""
        if self.smoking_start_age is not None:
            return self.smoking_start_age
        return value("default_smoking_start_age")

    def smoking_stop(self) -> float:
        """Age at which smoking stops (``inf`` for a current smoker without a quit scenario)."""
        return math.inf if self.quit_age is None else self.quit_age

    def packs_per_day(self) -> float:
        """Smoking intensity in packs/day: given, or pack-years spread from the start age to quitting (or now)."""
        if self.smoking == "never":
            return 0.0
        if self.cigarettes_per_day is not None:
            return self.cigarettes_per_day / CIGARETTES_PER_PACK
        if self.pack_years <= 0:
            return 0.0
        stop = self.age if self.smoking == "current" else (self.quit_age or self.age)
        return self.pack_years / max(1.0, stop - self.smoking_start())

    def group_weights(self) -> tuple[float, float, float]:
        """Probabilities of being an index case, a relative found by family testing, or screened."""
        if self.ascertainment == "mix" and self.ascertainment_weights is not None:
            return self.ascertainment_weights
        if self.ascertainment == "unknown":
            weights = tuple(value(f"ascertainment_weight_{g}") for g in GROUPS)
            total = sum(weights)
            return (weights[0] / total, weights[1] / total, weights[2] / total)
        return (float(self.ascertainment == "index"), float(self.ascertainment == "family"),
                float(self.ascertainment == "screened"))


# --- random draws -----------------------------------------------------------------

_PARAMETER_DRAWS = ("never", "smoking", "former", *EXPOSURES, "male", "fvc", "augmentation", *GROUPS)


@dataclass(frozen=True, slots=True)
class Draws:
    """All random numbers of ``n`` simulated people (and of their batches), drawn in a fixed order."""

    level_z: FloatArray
    ratio_z: FloatArray
    slope_z: FloatArray
    noise_z: FloatArray
    death_threshold: FloatArray
    cause_u: FloatArray
    group_u: FloatArray
    liver_threshold: FloatArray
    batch: NDArray[np.int64]
    batch_z: dict[str, FloatArray]
    transplant_threshold: FloatArray  # (lung, liver) x people; drawn last so the other streams are unchanged

    @property
    def n(self) -> int:
        return int(self.level_z.size)

    @property
    def batches(self) -> int:
        return int(next(iter(self.batch_z.values())).size)


def draw(n: int, rng: np.random.Generator, batches: int = 1) -> Draws:
    """Draw every random number for ``n`` people in ``batches`` parameter batches (independent of the profile).

    People are assigned to batches in turn; with one batch the parameters stay at their table values.
    """
    if not isinstance(batches, int) or not 1 <= batches <= n:
        raise InputError("batches", batches, f"a whole number of parameter batches from 1 to n ({n})")
    level_z = rng.standard_normal(n)
    ratio_z = rng.standard_normal(n)
    slope_z = rng.standard_normal(n)
    noise_z = rng.standard_normal(n)
    death_threshold = rng.standard_exponential(n)
    cause_u = rng.random(n)
    group_u = rng.random(n)
    liver_threshold = rng.standard_exponential((len(LIVER_STATES), n))
    block = rng.standard_normal((len(_PARAMETER_DRAWS), batches))
    transplant_threshold = rng.standard_exponential((len(TRANSPLANTS), n))
    return Draws(level_z, ratio_z, slope_z, noise_z, death_threshold, cause_u, group_u, liver_threshold,
                 np.arange(n) % batches, dict(zip(_PARAMETER_DRAWS, block, strict=True)), transplant_threshold)


# --- the person-level coefficients ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Per-person group, entry fraction, multipliers, and the shared yearly loss table."""

    group: NDArray[np.int64]
    entry_fraction: FloatArray
    multiplier: FloatArray
    fvc_fraction: FloatArray
    loss: FloatArray  # (len(GROUPS), batches, ages): see loss_table


def susceptibility(genotype: str) -> float:
    """How strongly a genotype amplifies environmental exposures, relative to ZZ (smoking-excess ratio)."""
    return value("smoking_excess_per_pack_day", genotype) / value("smoking_excess_per_pack_day", "ZZ")


def person_multiplier(slope_z: FloatArray) -> FloatArray:
    """The log-normal person effect on the excess decline, mean exactly 1 (no truncation)."""
    sigma = value("slope_random_effect_sd")
    return np.asarray(np.exp(sigma * slope_z - 0.5 * sigma * sigma), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class BatchTables:
    """Each parameter batch's values (mL/yr at 100% predicted, fractions, multipliers), shared by its people.

    The vectorised engine indexes them by each person's batch (:func:`coefficients`); the compiled kernel
    reads them directly, so both use the same numbers.
    """

    never: FloatArray
    smoking: FloatArray
    former_fraction: FloatArray
    exposures: FloatArray  # (len(EXPOSURES), batches)
    ascertainment: FloatArray  # (len(GROUPS), batches)
    male: FloatArray
    fvc_fraction: FloatArray
    augmentation: FloatArray
    entry_fraction: FloatArray  # (len(GROUPS),)
    group_bounds: FloatArray  # cumulative group probabilities (index, index + family)
    sigma: float


def batch_tables(profile: Profile, draws: Draws) -> BatchTables:
    """The per-batch parameter values of ``profile`` from ``draws`` (table values with one batch)."""
    g, z = profile.genotype, draws.batch_z
    scale = susceptibility(g)
    w = profile.group_weights()
    return BatchTables(
        never=batch_values("excess_decline_never", g, z["never"]),
        smoking=batch_values("smoking_excess_per_pack_day", g, z["smoking"]),
        former_fraction=batch_values("former_smoker_residual_fraction", "all", z["former"]),
        exposures=np.stack([scale * batch_values(f"{e}_excess", "ZZ", z[e]) for e in EXPOSURES]),
        ascertainment=np.stack([scale * batch_values(f"ascertainment_excess_{k}", "ZZ", z[k]) for k in GROUPS]),
        male=(batch_values("male_excess_multiplier", "all", z["male"]) if profile.sex == 1
              else np.ones(draws.batches)),
        fvc_fraction=batch_values("fvc_fraction_of_fev1_loss", "all", z["fvc"]),
        augmentation=batch_values("augmentation_decline_reduction", "all", z["augmentation"]),
        entry_fraction=np.array([value(f"ascertainment_fev1_fraction_{k}") for k in GROUPS]),
        group_bounds=np.cumsum(w[:2]) / sum(w),
        sigma=value("slope_random_effect_sd"),
    )


def coefficients(profile: Profile, draws: Draws) -> Coefficients:
    """Person-level coefficients of ``profile`` from ``draws`` (parameters per batch, shared within it)."""
    t, b = batch_tables(profile, draws), draws.batch
    group = np.asarray(np.searchsorted(t.group_bounds, draws.group_u, side="right"), dtype=np.int64)
    return Coefficients(group=group, entry_fraction=t.entry_fraction[group],
                        multiplier=person_multiplier(draws.slope_z) * t.male[b], fvc_fraction=t.fvc_fraction[b],
                        loss=loss_table(schedule(profile), t))


def loss_table(s: Schedule, t: BatchTables) -> FloatArray:
    """Yearly loss of the FEV1 fraction of predicted per unit of person multiplier, by (group, batch, age).

    excess (mL/yr at 100% predicted) = genotype + smoking x (packs/day while smoking + residual fraction x
    packs/day after quitting) + ascertainment group + the exposures active that year; x (1 - augmentation
    effect) while augmented; x ``loss_per_ml`` (1 / (1000 x next year's predicted FEV1)). A person's loss in
    a year is their multiplier x this table's entry (x FEV1 fraction^exponent). Every engine uses the table.
    """
    exposures = np.zeros((t.never.size, s.ages.size))
    for k, e in enumerate(EXPOSURES):
        exposures = exposures + t.exposures[k][:, None] * s.exposure_on[e][None, :]
    base = t.never[:, None] + t.smoking[:, None] * (s.packs[None, :] + t.former_fraction[:, None] * s.former[None, :])
    excess = (base[None, :, :] + t.ascertainment[:, :, None]) + exposures[None, :, :]
    kept = 1.0 - t.augmentation[:, None] * s.augmented[None, :]
    return np.asarray(excess * kept[None, :, :] * s.loss_per_ml[None, None, :], dtype=np.float64)


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
    respiratory_hazard: FloatArray
    other_hazard: FloatArray
    smoking_hazard: FloatArray
    packs: FloatArray
    former: FloatArray
    exposure_on: dict[str, FloatArray]
    augmented: FloatArray
    liver_hazards: tuple[float, float, float]
    decompensation_at_onset: float  # cumulative decompensation hazard added when cirrhosis begins (from now on)
    liver_death_hazards: tuple[float, float]
    transplant_hazards: tuple[float, float]  # lung (while FEV1 < 30% predicted), liver (decompensated or cancer)
    post_transplant_death_hazards: tuple[float, float]  # replace the low-FEV1 and the liver death hazards
    loss_per_ml: FloatArray  # 1 / (1000 x predicted FEV1 next year): mL/yr of excess -> fraction of predicted
    low_fev1_hazards: tuple[FloatArray, FloatArray]  # excess death hazard by age below 30% and at 30-65% predicted

    @property
    def fev1_predicted(self) -> FloatArray:
        return self.fev1_lms[1]


def _active(flag: bool, ages: NDArray[np.int64], stop: float | None) -> FloatArray:
    if not flag:
        return np.zeros(ages.size)
    return (ages < (math.inf if stop is None else stop)).astype(np.float64)


def smoking_excess_ratio(profile: Profile, ages: NDArray[np.int64]) -> FloatArray:
    """(rate ratio - 1) of smoking-related non-respiratory death at each age (0 for never-smokers)."""
    if profile.smoking == "never":
        return np.zeros(ages.size)
    excess = smoking_rate_ratio(profile.packs_per_day() * CIGARETTES_PER_PACK) - 1.0
    stop = profile.smoking_stop()
    after = excess * quit_residual(stop) if math.isfinite(stop) else excess
    smoking = (ages >= profile.smoking_start()) & (ages < stop)
    return np.where(smoking, excess, np.where(ages >= stop, after, 0.0))


@cache
def _schedule_cached(profile: Profile, overrides: tuple[tuple[tuple[str, str], float], ...]) -> Schedule:
    del overrides  # part of the cache key only: parameter values read below may be overridden (calibration)
    ages = np.arange(profile.start_age, END_AGE + 1)
    f_l, f_m, f_s = lms(profile.sex, ages.astype(np.float64), profile.height_cm, Outcome.FEV1, profile.equations)
    fvc = lms(profile.sex, ages.astype(np.float64), profile.height_cm, Outcome.FVC, profile.equations)[1]
    r_l, r_m, r_s = lms(profile.sex, ages.astype(np.float64), profile.height_cm, Outcome.FEV1FVC, profile.equations)
    lln_z = value("lln_z")
    qx = life_table(profile.country).qx(profile.sex)[ages]
    background = -np.log1p(-np.minimum(qx, 1.0 - 1e-12))
    respiratory_share, liver_share = value("population_death_share_respiratory"), value("population_death_share_liver")
    other = background * (1.0 - respiratory_share - liver_share - smokers_share_of_other_deaths())
    ppd = profile.packs_per_day()
    stop = profile.smoking_stop()
    smokes = profile.smoking in ("current", "former")
    smoking = (ages >= profile.smoking_start()) & (ages < stop) if smokes else np.zeros(ages.size, dtype=bool)
    former = (ages >= stop) if smokes else np.zeros(ages.size, dtype=bool)
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
    cirrhosis, _, _ = cirrhosis_hazard(profile.genotype, profile.sex, profile.alcohol, profile.obese, profile.diabetes)
    return Schedule(
        ages=ages, fev1_lms=(f_l, f_m, f_s), fvc_predicted=fvc, ratio_lms=(r_l, r_m, r_s),
        ratio_lln=ratio_lower_limit(profile.sex, ages.astype(np.float64), profile.height_cm, profile.equations),
        fev1_lln=centile_value(lln_z, f_l, f_m, f_s),
        background_hazard=background, respiratory_hazard=background * respiratory_share, other_hazard=other,
        smoking_hazard=smoking_excess_ratio(profile, ages) * other,
        packs=smoking.astype(np.float64) * ppd, former=former.astype(np.float64) * ppd,
        exposure_on=exposure_on, augmented=augmented,
        liver_hazards=(cirrhosis, liver_value("decompensation_hazard") * decompensation_ratio(profile.genotype),
                       liver_value("liver_cancer_hazard_in_cirrhosis") * decompensation_ratio(profile.genotype)),
        decompensation_at_onset=decompensation_at_onset(),
        liver_death_hazards=(liver_value("decompensated_death_hazard"), liver_value("liver_cancer_death_hazard")),
        transplant_hazards=(value("lung_transplant_hazard"), value("liver_transplant_hazard")),
        post_transplant_death_hazards=(value("post_lung_transplant_death_hazard"),
                                       liver_value("post_liver_transplant_death_hazard")),
        loss_per_ml=1.0 / (1000.0 * np.append(f_m[1:], f_m[-1])),
        low_fev1_hazards=low_fev1_excess(background),
    )


def smokers_share_of_other_deaths() -> float:
    """Share of all deaths caused by active smoking that are neither respiratory nor liver (taken out of "other").

    The life table includes smokers, and the smoking excess is a rate ratio against never-smokers, so the "other"
    hazard must be a never-smoker's: the smoking-attributable deaths (``population_death_share_smoking_attributable``)
    minus their respiratory part (which the model keeps in the FEV1-driven respiratory hazard). Until wave 4b the
    whole "other" life-table hazard was used, counting smokers' excess deaths twice.
    """
    attributable = value("population_death_share_smoking_attributable")
    copd_share = value("smoking_attributable_share_of_respiratory_deaths")
    return max(0.0, attributable - copd_share * value("population_death_share_respiratory"))


def decompensation_at_onset() -> float:
    """The decompensation hazard added at once when cirrhosis begins: -ln(1 - share decompensated at diagnosis).

    The cirrhosis incidence (Halland) counts cirrhosis when it is **diagnosed**, and about half of incident
    cirrhosis is already decompensated at diagnosis (``decompensated_at_diagnosis``, Nilsson 2018). A cumulative
    hazard jump of -ln(1 - p) at onset decompensates exactly a share p of new cirrhosis with the existing
    exponential thresholds (no new random numbers). Cirrhosis that began silently before the current age
    (``Profile.liver_unknown_at_entry``) is diagnosed at the current age, when it is given the same jump.
    """
    return -math.log1p(-liver_value("decompensated_at_diagnosis"))


def schedule(profile: Profile) -> Schedule:
    """The per-age schedule of a profile (cached per profile and per set of parameter overrides)."""
    return _schedule_cached(profile, overrides_key())


def low_fev1_excess(background: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Excess death hazard (per year, by age) while FEV1 is below 30% and 30-65% predicted.

    The band rates (``mortality_hazard_fev1_*``) are **all-cause** mortality of PiZZ people in each band (below 30%:
    median survival 8 years of modern Swedish registry ZZ at FEV1 23% predicted, Tanash 2011; 30-65%: 3-year
    mortality 7%, PMID 3264848), so what low FEV1 adds is the band rate net of the all-cause life-table
    hazard the person already has (never below 0). Adding the band rate on top of the whole life table counted
    the background deaths twice, which weighs most at older ages.
    """
    low, mid = value("mortality_hazard_fev1_below_30"), value("mortality_hazard_fev1_30_65")
    return np.maximum(low - background, 0.0), np.maximum(mid - background, 0.0)


def low_fev1_hazard(percent: FloatArray, s: Schedule, i: int) -> FloatArray:
    """Excess respiratory death hazard (per year) at age index ``i`` for FEV1 below 65% and below 30% predicted."""
    low, mid = s.low_fev1_hazards
    return np.asarray(np.where(percent < value("mortality_fev1_band_lower"), low[i],
                               np.where(percent < value("mortality_fev1_band_upper"), mid[i], 0.0)),
                      dtype=np.float64)


# --- results ----------------------------------------------------------------------


@dataclass(slots=True)
class Accumulator:
    """Per-age summaries: quantiles (exact) or histograms (mergeable), outcome counts, per-batch means."""

    ages: NDArray[np.int64]
    n: int = 0
    counts: dict[str, FloatArray] = field(default_factory=dict)
    quantiles: FloatArray | None = None
    histogram: NDArray[np.int64] | None = None
    fev1_mean: FloatArray | None = None
    batch_fev1: FloatArray | None = None
    batch_death: FloatArray | None = None
    batch_n: FloatArray | None = None
    people: dict[str, FloatArray] | None = None

    def merge(self, other: Accumulator) -> Accumulator:
        """Add another chunk's counts and histograms (quantiles are recomputed from histograms)."""
        if self.histogram is None or other.histogram is None or self.fev1_mean is None or other.fev1_mean is None:
            raise ValueError("only histogram accumulators can be merged")
        total = self.n + other.n
        counts = {k: self.counts[k] + other.counts[k] for k in self.counts}
        mean = (self.fev1_mean * self.n + other.fev1_mean * other.n) / total
        return Accumulator(self.ages, total, counts, None, self.histogram + other.histogram, mean,
                           _stack(self.batch_fev1, other.batch_fev1), _stack(self.batch_death, other.batch_death),
                           _stack(self.batch_n, other.batch_n))

    def fev1_quantiles(self) -> FloatArray:
        """(len(QUANTILES), ages) FEV1 quantiles in litres."""
        if self.quantiles is not None:
            return self.quantiles
        if self.histogram is None:
            raise ValueError("no quantiles and no histogram")
        return _histogram_quantiles(self.histogram)

    def probabilities(self) -> dict[str, FloatArray]:
        return {k: v / self.n for k, v in self.counts.items()}


def _stack(a: FloatArray | None, b: FloatArray | None) -> FloatArray | None:
    return None if a is None or b is None else np.concatenate([a, b])


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
    """Summaries of a simulated profile from its current age to 90.

    ``batch_fev1_mean`` and ``batch_death`` ((batches, ages)) hold each parameter batch's mean FEV1
    and probability of having died: their spread is the uncertainty of the average. ``people``
    (with ``keep_paths``) holds per-person arrays: ``paths`` (ages, people) in litres, ``death_age``,
    ``death_cause`` (0 alive at 90, else 1 + index in :data:`aatd.risk.mortality.CAUSES`),
    ``cirrhosis_age``, ``liver_cancer_age`` and ``group`` (nan when it did not happen).
    """

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
    batch_fev1_mean: FloatArray | None = None
    batch_death: FloatArray | None = None
    people: dict[str, FloatArray] | None = None

    @property
    def paths(self) -> FloatArray | None:
        return None if self.people is None else self.people["paths"]

    @property
    def death_age(self) -> FloatArray | None:
        return None if self.people is None else self.people["death_age"]


# --- the fast engine ----------------------------------------------------------------


@dataclass(slots=True)
class _Life:
    """Per-person states from the current age: cumulative hazards, cause of death, liver states, transplants."""

    hazard: FloatArray
    cause: NDArray[np.int8]
    liver_hazard: FloatArray
    liver: BoolArray
    transplant_hazard: FloatArray
    transplanted: BoolArray

    @classmethod
    def start(cls, n: int) -> _Life:
        return cls(np.zeros(n), np.zeros(n, dtype=np.int8), np.zeros((len(LIVER_STATES), n)),
                   np.zeros((len(LIVER_STATES), n), dtype=bool), np.zeros((len(TRANSPLANTS), n)),
                   np.zeros((len(TRANSPLANTS), n), dtype=bool))


def _year_of_life(life: _Life, r1: FloatArray, s: Schedule, i: int, draws: Draws) -> None:
    """One year: deaths by cause (hazards from the states at the start of the year), then liver transitions
    and transplants.

    After a lung transplant the post-transplant death hazard replaces the low-FEV1 hazard (deaths stay
    respiratory); after a liver transplant it replaces the liver death hazards (counted as liver failure) and the
    new liver no longer progresses. Transplant hazards apply while FEV1 is below 30% predicted (lung) or the liver
    is decompensated or cancerous (liver), at the start of the year.
    """
    alive = life.cause == 0
    lung_tx, liver_tx = life.transplanted
    percent = 100.0 * r1
    respiratory = s.respiratory_hazard[i] + np.where(lung_tx, s.post_transplant_death_hazards[0],
                                                     low_fev1_hazard(percent, s, i))
    failure = np.where(liver_tx, s.post_transplant_death_hazards[1], s.liver_death_hazards[0] * life.liver[1])
    cancer = np.where(liver_tx, 0.0, s.liver_death_hazards[1] * life.liver[2])
    total = respiratory + failure + cancer + s.smoking_hazard[i] + s.other_hazard[i]
    hazard = life.hazard + total
    dying = alive & (hazard > draws.death_threshold)
    if dying.any():
        u = draws.cause_u[dying] * total[dying]
        bounds = np.cumsum(np.stack([respiratory[dying], failure[dying], cancer[dying],
                                     np.full(u.size, s.smoking_hazard[i])]), axis=0)
        life.cause[dying] = 1 + (u[None, :] >= bounds).sum(axis=0)
    life.hazard = hazard
    lung_waiting = alive & ~lung_tx & (percent < value("mortality_fev1_band_lower"))
    liver_waiting = alive & ~liver_tx & (life.liver[1] | life.liver[2])
    native = alive & ~liver_tx
    cirrhotic = life.liver[0] & native
    life.liver_hazard[0] += s.liver_hazards[0] * native
    life.liver_hazard[1] += s.liver_hazards[1] * cirrhotic
    life.liver_hazard[2] += s.liver_hazards[2] * cirrhotic
    onset = native & ~life.liver[0] & (life.liver_hazard[0] > draws.liver_threshold[0])
    life.liver_hazard[1] += s.decompensation_at_onset * onset  # some cirrhosis is decompensated when diagnosed
    life.liver |= life.liver_hazard > draws.liver_threshold
    life.transplant_hazard[0] += s.transplant_hazards[0] * lung_waiting
    life.transplant_hazard[1] += s.transplant_hazards[1] * liver_waiting
    life.transplanted |= life.transplant_hazard > draws.transplant_threshold


def _silent_cirrhosis(life: _Life, s: Schedule, draws: Draws) -> None:
    """A year before the current age when the liver status at entry is unknown: cirrhosis may begin."""
    life.liver_hazard[0] += s.liver_hazards[0]
    life.liver[0] |= life.liver_hazard[0] > draws.liver_threshold[0]


def _found_with_cirrhosis(life: _Life, s: Schedule, draws: Draws) -> None:
    """At the current age, silent cirrhosis is diagnosed: the share decompensated at diagnosis applies to it too."""
    life.liver_hazard[1] += s.decompensation_at_onset * life.liver[0]
    life.liver[1] |= life.liver_hazard[1] > draws.liver_threshold[1]


def _anchor(r1: FloatArray, rf: FloatArray, c: Coefficients, s: Schedule, i: int, profile: Profile,
            draws: Draws, healthy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """FEV1 at the current age: the measured value (with noise), else at most the group's entry fraction.

    People found because of their own lung disease are found with it: without a measurement, their FEV1
    fraction of predicted at the current age is at most the index-case entry fraction of their ``healthy``
    fraction at 20 (lower if smoking or exposures have already taken it lower).
    """
    if profile.fev1_l is None:
        anchored = np.maximum(value("fev1_floor_fraction"), np.minimum(r1, healthy * c.entry_fraction))
    else:
        noise = value("measurement_noise_sd")
        anchored = np.maximum(value("fev1_floor_fraction"),
                               (profile.fev1_l + noise * draws.noise_z) / s.fev1_predicted[i])
    return anchored, np.maximum(0.05, rf + c.fvc_fraction * (anchored - r1))


def _initial(s: Schedule, draws: Draws) -> tuple[FloatArray, FloatArray]:
    fev1 = centile_value(draws.level_z, *(x[0] for x in s.fev1_lms))
    ratio = centile_value(draws.ratio_z, *(x[0] for x in s.ratio_lms))
    return fev1 / s.fev1_predicted[0], (fev1 / ratio) / s.fvc_predicted[0]


def _record(acc: Accumulator, j: int, r1: FloatArray, rf: FloatArray, s: Schedule, i: int, life: _Life,
            draws: Draws, histogram: bool) -> None:
    fev1 = r1 * s.fev1_predicted[i]
    fvc = rf * s.fvc_predicted[i]
    percent = 100.0 * r1
    fixed = fev1 < value("gold_fixed_ratio") * fvc  # FEV1/FVC below the ratio, without a division
    g1, g2, g3 = value("gold_grade_1_min"), value("gold_grade_2_min"), value("gold_grade_3_min")
    counts = acc.counts
    counts["copd_lln"][j] = np.count_nonzero(below_ratio_lower_limit(fev1, fvc, s.ratio_lln[i]))
    counts["copd_fixed_ratio"][j] = np.count_nonzero(fixed)
    counts["gold_1"][j] = np.count_nonzero(fixed & (percent >= g1))
    counts["gold_2"][j] = np.count_nonzero(fixed & (percent >= g2) & (percent < g1))
    counts["gold_3"][j] = np.count_nonzero(fixed & (percent >= g3) & (percent < g2))
    counts["gold_4"][j] = np.count_nonzero(fixed & (percent < g3))
    counts["fev1_below_50"][j] = np.count_nonzero(percent < 50.0)
    by_cause = np.bincount(life.cause, minlength=len(CAUSES) + 1)
    counts["death"][j] = draws.n - by_cause[0]
    for k, cause in enumerate(CAUSES, start=1):
        counts[f"death_{cause}"][j] = by_cause[k]
    for k, state in enumerate(LIVER_STATES):
        counts[state][j] = np.count_nonzero(life.liver[k])
    for k, event in enumerate(TRANSPLANTS):
        counts[event][j] = np.count_nonzero(life.transplanted[k])
    assert acc.fev1_mean is not None
    mean = float(fev1.mean())
    acc.fev1_mean[j] = mean
    spread = fev1
    if acc.batch_fev1 is not None and acc.batch_death is not None and acc.batch_n is not None:
        sums = np.bincount(draws.batch, weights=fev1, minlength=draws.batches)
        acc.batch_fev1[:, j] = sums
        acc.batch_death[:, j] = np.bincount(draws.batch, weights=life.cause != 0, minlength=draws.batches)
        spread = fev1 * (mean / (sums / acc.batch_n))[draws.batch]  # people's spread, net of parameter uncertainty
    if histogram:
        assert acc.histogram is not None
        bins = np.clip((spread * _HIST_BINS_PER_L).astype(np.int64), 0, acc.histogram.shape[1] - 1)
        acc.histogram[j] = np.bincount(bins, minlength=acc.histogram.shape[1])
    else:
        assert acc.quantiles is not None
        acc.quantiles[:, j] = np.quantile(spread, QUANTILES)


def _new_accumulator(out_ages: NDArray[np.int64], draws: Draws, histogram: bool) -> Accumulator:
    batches = draws.batches
    return Accumulator(
        out_ages, draws.n, {k: np.zeros(out_ages.size) for k in OUTCOMES},
        None if histogram else np.zeros((len(QUANTILES), out_ages.size)),
        np.zeros((out_ages.size, int(_HIST_MAX_L / _HIST_STEP_L)), dtype=np.int64) if histogram else None,
        np.zeros(out_ages.size),
        np.zeros((batches, out_ages.size)) if batches > 1 else None,
        np.zeros((batches, out_ages.size)) if batches > 1 else None,
        np.bincount(draws.batch, minlength=batches).astype(np.float64) if batches > 1 else None)


def _note_events(people: dict[str, FloatArray], life: _Life, age: int) -> None:
    for key, happened in (("death_age", life.cause != 0), ("cirrhosis_age", life.liver[0]),
                          ("liver_cancer_age", life.liver[2]), ("lung_transplant_age", life.transplanted[0]),
                          ("liver_transplant_age", life.transplanted[1])):
        people[key][happened & np.isnan(people[key])] = age


def run(profile: Profile, draws: Draws, *, histogram: bool = False, keep_paths: bool = False) -> Accumulator:
    """Simulate ``draws.n`` people of ``profile``; summaries from the current age to 90."""
    s = schedule(profile)
    c = coefficients(profile, draws)
    out_ages = np.arange(profile.age, END_AGE + 1)
    acc = _new_accumulator(out_ages, draws, histogram)
    people: dict[str, FloatArray] | None = None
    if keep_paths:
        people = {"paths": np.zeros((out_ages.size, draws.n)), "group": c.group.astype(np.float64),
                  **{k: np.full(draws.n, np.nan) for k in ("death_age", "cirrhosis_age", "liver_cancer_age",
                                                            "lung_transplant_age", "liver_transplant_age")}}
    r1, rf = _initial(s, draws)
    healthy = r1
    life = _Life.start(draws.n)
    first = profile.age - profile.start_age
    gamma, floor = value("decline_level_exponent"), value("fev1_floor_fraction")
    for i in range(s.ages.size):
        check_time_budget("lung simulation")
        if i < first and profile.liver_unknown_at_entry:
            _silent_cirrhosis(life, s, draws)
        if i == first:
            r1, rf = _anchor(r1, rf, c, s, i, profile, draws, healthy)
            if profile.liver_unknown_at_entry:
                _found_with_cirrhosis(life, s, draws)
        if i >= first:
            _record(acc, i - first, r1, rf, s, i, life, draws, histogram)
            if people is not None:
                people["paths"][i - first] = r1 * s.fev1_predicted[i]
                _note_events(people, life, int(s.ages[i]))
            _year_of_life(life, r1, s, i, draws)
        if i + 1 < s.ages.size:
            level = np.power(r1, gamma) if gamma != 0.0 else 1.0
            loss = c.multiplier * c.loss[c.group, draws.batch, i] * level
            new_r1 = np.maximum(r1 - loss, floor)
            rf = np.maximum(0.05, rf - c.fvc_fraction * (r1 - new_r1))
            r1 = new_r1
    if people is not None:
        people["death_cause"] = np.where(np.isnan(people["death_age"]), 0, life.cause).astype(np.float64)
    acc.people = people
    return acc


def run_compiled(profile: Profile, draws: Draws) -> Accumulator:
    """The same simulation through the compiled kernel (:mod:`aatd.risk._kernel`): counts and 5 mL histograms.

    The people's spread is the histogram of each batch rescaled by the ratio of the overall mean to its batch's
    mean (to the nearest 5 mL bin), the compiled counterpart of the vectorised engine's within-batch spread.
    """
    from aatd.risk import _kernel as k

    s = schedule(profile)
    t = batch_tables(profile, draws)
    out_ages = np.arange(profile.age, END_AGE + 1)
    batches, n_out, n_bins = draws.batches, out_ages.size, int(_HIST_MAX_L / _HIST_STEP_L)
    yearly = np.zeros((6, n_out), dtype=np.int64)
    starts = np.zeros((3 + len(CAUSES) + len(LIVER_STATES) + len(TRANSPLANTS), n_out), dtype=np.int64)
    hist = np.zeros((batches, n_out, n_bins), dtype=np.int32)
    batch_fev1, batch_death_starts = np.zeros((batches, n_out)), np.zeros((batches, n_out), dtype=np.int64)
    scalars = np.array([
        profile.age - profile.start_age, value("decline_level_exponent"), value("fev1_floor_fraction"),
        np.nan if profile.fev1_l is None else profile.fev1_l, value("measurement_noise_sd"),
        value("mortality_fev1_band_lower"), value("mortality_fev1_band_upper"),
        0.0, 0.0, *s.liver_hazards,
        *s.liver_death_hazards, value("gold_fixed_ratio"), value("gold_grade_1_min"), value("gold_grade_2_min"),
        value("gold_grade_3_min"), _HIST_BINS_PER_L, float(profile.liver_unknown_at_entry), t.sigma,
        *(x[0] for x in s.fev1_lms), *(x[0] for x in s.ratio_lms), *s.transplant_hazards,
        *s.post_transplant_death_hazards, s.decompensation_at_onset])
    check_time_budget("lung simulation (compiled kernel)")
    k.compiled()(draws.level_z, draws.ratio_z, draws.slope_z, draws.group_u, draws.noise_z, draws.death_threshold,
                 draws.liver_threshold, draws.cause_u, draws.transplant_threshold, loss_table(s, t), t.male,
                 t.fvc_fraction, t.entry_fraction, t.group_bounds, s.fev1_predicted, s.fvc_predicted, s.ratio_lln,
                 s.respiratory_hazard, s.other_hazard, s.smoking_hazard, *s.low_fev1_hazards, scalars, yearly, starts,
                 hist, batch_fev1, batch_death_starts)
    started = np.cumsum(starts, axis=1).astype(np.float64)
    counts = {"copd_lln": yearly[k.COPD_LLN], "copd_fixed_ratio": yearly[k.FIXED], "gold_1": yearly[k.GOLD1],
              "gold_2": yearly[k.GOLD2], "gold_3": yearly[k.GOLD3], "gold_4": yearly[k.GOLD4],
              "fev1_below_50": started[k.BELOW50], "death": started[k.DEATH],
              **{f"death_{c}": started[k.CAUSE0 + i] for i, c in enumerate(CAUSES)},
              **{state: started[k.CIRRHOSIS + i] for i, state in enumerate(LIVER_STATES)},
              **{event: started[k.LUNG_TX + i] for i, event in enumerate(TRANSPLANTS)}}
    batch_death = np.cumsum(batch_death_starts, axis=1).astype(np.float64)
    batch_n = np.bincount(draws.batch, minlength=batches).astype(np.float64)
    mean = batch_fev1.sum(axis=0) / draws.n
    many = batches > 1
    return Accumulator(out_ages, draws.n, {key: np.asarray(counts[key], dtype=np.float64) for key in OUTCOMES}, None,
                       _pooled_histogram(hist, batch_fev1, batch_n, mean), mean, batch_fev1 if many else None,
                       batch_death if many else None, batch_n if many else None)


def _pooled_histogram(hist: NDArray[np.int32], batch_fev1: FloatArray, batch_n: FloatArray,
                      mean: FloatArray) -> NDArray[np.int64]:
    """The people's FEV1 histogram by age: each batch's histogram moved by the ratio of the overall to its mean."""
    batches, n_out, n_bins = hist.shape
    if batches == 1:
        return np.asarray(hist[0], dtype=np.int64)
    spread = np.zeros((n_out, n_bins), dtype=np.int64)
    scale = mean[None, :] / (batch_fev1 / batch_n[:, None])
    centres = np.arange(n_bins) + 0.5
    for j in range(n_out):
        check_time_budget("lung simulation (pooled histogram)")
        moved = np.clip(np.rint(centres[None, :] * scale[:, j, None] - 0.5).astype(np.int64), 0, n_bins - 1)
        spread[j] = np.bincount(moved.ravel(), weights=hist[:, j, :].ravel(), minlength=n_bins).astype(np.int64)
    return spread


def _result(profile: Profile, acc: Accumulator, seed: int | None, engine: str) -> SimulationResult:
    s = schedule(profile)
    first = profile.age - profile.start_age
    assert acc.fev1_mean is not None
    batch_fev1 = batch_death = None
    if acc.batch_fev1 is not None and acc.batch_death is not None and acc.batch_n is not None:
        batch_fev1 = acc.batch_fev1 / acc.batch_n[:, None]
        batch_death = acc.batch_death / acc.batch_n[:, None]
    return SimulationResult(profile, acc.ages, acc.fev1_quantiles(), acc.fev1_mean, s.fev1_predicted[first:],
                            s.fev1_lln[first:], acc.probabilities(), acc.n, seed, engine, batch_fev1, batch_death,
                            acc.people)


def simulate(profile: Profile, n: int = 10_000, seed: int | None = 0, *, batches: int = 1,
             chunk_size: int = 250_000, use_dask: bool = False, scheduler_address: str | None = None,
             keep_paths: bool = False, engine: str = "numpy") -> SimulationResult:
    """Simulate ``n`` lifetimes of ``profile`` with ``seed`` (reproducible).

    ``engine="compiled"`` runs the numba kernel (counts and 5 mL histograms, no per-person paths).
    ``batches`` > 1 draws the uncertain parameters once per batch (two-level uncertainty);
    ``batches=1`` keeps them at their table values. In memory by default (exact quantiles). With
    ``use_dask`` (or a ``scheduler_address``) the people are split into chunks of ``chunk_size``
    run as Dask tasks (a local cluster unless an address is given); quantiles then come from 5 mL
    histograms.
    """
    if not isinstance(n, int) or n < 1:
        raise InputError("n", n, "a whole number of simulated people, 1 or more")
    if use_dask or scheduler_address is not None:
        return _simulate_dask(profile, n, seed, chunk_size, scheduler_address, batches)
    rng = np.random.default_rng(seed)
    if engine == "compiled" and not keep_paths:
        return _result(profile, run_compiled(profile, draw(n, rng, batches)), seed, "compiled")
    if engine not in ("numpy", "compiled"):
        raise InputError("engine", engine, "numpy or compiled")
    return _result(profile, run(profile, draw(n, rng, batches), keep_paths=keep_paths), seed, "numpy")


def _chunk(profile: Profile, n: int, seed_sequence: np.random.SeedSequence, batches: int) -> Accumulator:
    return run(profile, draw(n, np.random.default_rng(seed_sequence), min(batches, n)), histogram=True)


def _simulate_dask(profile: Profile, n: int, seed: int | None, chunk_size: int, address: str | None,
                   batches: int) -> SimulationResult:
    import importlib

    distributed: Any = importlib.import_module("dask.distributed")  # lazy: Dask is optional
    client_class, cluster_class = distributed.Client, distributed.LocalCluster

    sizes = [chunk_size] * (n // chunk_size) + ([n % chunk_size] if n % chunk_size else [])
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    per_chunk = max(1, batches // len(sizes))
    if address is None:
        cluster = cluster_class(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
        client = client_class(cluster)
    else:
        cluster, client = None, client_class(address)
    try:
        futures = client.map(_chunk, [profile] * len(sizes), sizes, children, [per_chunk] * len(sizes), pure=False)
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


def simulate_reference(profile: Profile, draws: Draws) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The same model, one person at a time in plain Python (for tests and benchmarks).

    Returns (FEV1 paths as (ages, people) in litres from the current age to 90, age at death or
    ``nan`` when alive at 90, cause of death: 0 alive, else 1 + index in ``CAUSES``).
    """
    s = schedule(profile)
    c = coefficients(profile, draws)
    t = batch_tables(profile, draws)
    first = profile.age - profile.start_age
    n_out = END_AGE + 1 - profile.age
    paths = np.zeros((n_out, draws.n))
    death_age = np.full(draws.n, np.nan)
    death_cause = np.zeros(draws.n)
    noise = value("measurement_noise_sd")
    for p in range(draws.n):
        fev1_0 = float(centile_value(draws.level_z[p], *(x[0] for x in s.fev1_lms)))
        ratio_0 = float(centile_value(draws.ratio_z[p], *(x[0] for x in s.ratio_lms)))
        r1, rf = fev1_0 / s.fev1_predicted[0], fev1_0 / ratio_0 / s.fvc_predicted[0]
        healthy = r1
        person = _Person()
        for i in range(s.ages.size):
            if i < first and profile.liver_unknown_at_entry:
                person.liver_hazard[0] += s.liver_hazards[0]
                person.liver[0] = person.liver[0] or person.liver_hazard[0] > draws.liver_threshold[0, p]
            if i == first:
                if profile.fev1_l is None:
                    anchored = max(value("fev1_floor_fraction"), min(r1, healthy * c.entry_fraction[p]))
                else:
                    measured = profile.fev1_l + noise * draws.noise_z[p]
                    anchored = max(value("fev1_floor_fraction"), measured / s.fev1_predicted[i])
                rf = max(0.05, rf + c.fvc_fraction[p] * (anchored - r1))
                r1 = anchored
                if profile.liver_unknown_at_entry and person.liver[0]:  # silent cirrhosis diagnosed at entry
                    person.liver_hazard[1] += s.decompensation_at_onset
                    person.liver[1] = person.liver_hazard[1] > draws.liver_threshold[1, p]
            if i >= first:
                paths[i - first, p] = r1 * s.fev1_predicted[i]
                if person.cause and math.isnan(death_age[p]):
                    death_age[p], death_cause[p] = s.ages[i], person.cause
                _reference_year(person, r1, s, i, draws, p)
            if i + 1 < s.ages.size:
                b, g = draws.batch[p], c.group[p]
                exposures = 0.0
                for k, name in enumerate(EXPOSURES):
                    exposures += t.exposures[k][b] * s.exposure_on[name][i]
                excess = (t.never[b] + t.smoking[b] * (s.packs[i] + t.former_fraction[b] * s.former[i])
                          + t.ascertainment[g][b]) + exposures  # mL/yr at 100% predicted
                kept = 1.0 - t.augmentation[b] * s.augmented[i]  # augmentation slows the excess decline
                gamma = value("decline_level_exponent")
                level = r1 ** gamma if gamma != 0.0 else 1.0
                loss = c.multiplier[p] * (excess * kept * s.loss_per_ml[i]) * level
                new_r1 = max(r1 - loss, value("fev1_floor_fraction"))
                rf = max(0.05, rf - c.fvc_fraction[p] * (r1 - new_r1))
                r1 = new_r1
    return paths, death_age, death_cause


@dataclass(slots=True)
class _Person:
    """One simulated person's states in the reference loop."""

    hazard: float = 0.0
    cause: int = 0
    liver_hazard: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    liver: list[bool] = field(default_factory=lambda: [False, False, False])
    transplant_hazard: list[float] = field(default_factory=lambda: [0.0, 0.0])
    transplanted: list[bool] = field(default_factory=lambda: [False, False])


def _reference_year(person: _Person, r1: float, s: Schedule, i: int, draws: Draws, p: int) -> None:
    """One year of one person: death by cause, then liver transitions and transplants (as :func:`_year_of_life`)."""
    percent = 100.0 * r1
    low = 0.0
    if percent < value("mortality_fev1_band_lower"):
        low = float(s.low_fev1_hazards[0][i])
    elif percent < value("mortality_fev1_band_upper"):
        low = float(s.low_fev1_hazards[1][i])
    lung_tx, liver_tx = person.transplanted
    liver = person.liver
    respiratory = s.respiratory_hazard[i] + (s.post_transplant_death_hazards[0] if lung_tx else low)
    failure = s.post_transplant_death_hazards[1] if liver_tx else s.liver_death_hazards[0] * liver[1]
    cancer = 0.0 if liver_tx else s.liver_death_hazards[1] * liver[2]
    components = [respiratory, failure, cancer, s.smoking_hazard[i], s.other_hazard[i]]
    total = components[0] + components[1] + components[2] + components[3] + components[4]
    alive = person.cause == 0
    if alive and person.hazard + total > draws.death_threshold[p]:
        u, bound, person.cause = draws.cause_u[p] * total, 0.0, len(CAUSES)
        for k, part in enumerate(components[:-1]):
            bound += part
            if u < bound:
                person.cause = k + 1
                break
    person.hazard += total
    if not alive:
        return
    lung_waiting = not lung_tx and percent < value("mortality_fev1_band_lower")
    liver_waiting = not liver_tx and (liver[1] or liver[2])
    if not liver_tx:  # a transplanted liver no longer progresses
        cirrhotic = liver[0]
        person.liver_hazard[0] += s.liver_hazards[0]
        if cirrhotic:
            person.liver_hazard[1] += s.liver_hazards[1]
            person.liver_hazard[2] += s.liver_hazards[2]
        elif person.liver_hazard[0] > draws.liver_threshold[0, p]:  # cirrhosis begins: decompensated at diagnosis?
            person.liver_hazard[1] += s.decompensation_at_onset
    person.liver = [liver[k] or person.liver_hazard[k] > draws.liver_threshold[k, p] for k in range(len(liver))]
    if lung_waiting:
        person.transplant_hazard[0] += s.transplant_hazards[0]
    if liver_waiting:
        person.transplant_hazard[1] += s.transplant_hazards[1]
    person.transplanted = [person.transplanted[k] or person.transplant_hazard[k] > draws.transplant_threshold[k, p]
                           for k in range(len(TRANSPLANTS))]
