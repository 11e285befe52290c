"""Person-level lung and liver risk over a lifetime, with what-if scenarios.

:func:`describe_risk` is the JSON answer shared by the CLI and the REST API: it validates
the inputs, maps the genotype to a model class, simulates the person ``n`` times
(:mod:`aatd.risk.lung`), adds liver risk (:mod:`aatd.risk.liver`) and the panniculitis flag,
and repeats the simulation for each scenario with the same random numbers.

Genotype classes: MM, MS, MZ, SS, SZ, ZZ and Null (two null alleles). Any other genotype
(e.g. Z/Mmalton, M/Null) is mapped through its expected serum level
(:func:`aatd.genetics.levels.genotype_severity`): absent -> Null, severe -> ZZ, intermediate -> MZ,
normal -> MM, and the answer says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from typing_extensions import TypedDict

from aatd.clinic.augmentation import Smoking, guidelines_excluding
from aatd.errors import InputError
from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.levels import Severity, genotype_severity
from aatd.knowledge import knowledge, split_sources
from aatd.knowledge.life_tables import DEFAULT_COUNTRY, LifeTable, life_table
from aatd.provenance import Provenance, provenance
from aatd.risk.liver import ALCOHOL_GRAMS, is_obese, liver_risk, panniculitis_flag, parse_alcohol
from aatd.risk.lung import (
    ASCERTAINMENT,
    CIGARETTES_PER_PACK,
    END_AGE,
    GROUPS,
    MODEL_GENOTYPES,
    SMOKING,
    Profile,
    SimulationResult,
    parameters,
    simulate,
    value,
)
from aatd.risk.mortality import CAUSE_GROUPS, curves
from aatd.risk.spirometry import EQUATION_SOURCES, Equations, parse_equations, parse_sex

DISCLAIMER = ("aatd supports, and does not replace, clinical judgement. These are model estimates for a "
              "population of people like you, not predictions for you alone.")
_SEVERITY_CLASS = {Severity.ABSENT: "Null", Severity.SEVERE: "ZZ", Severity.INTERMEDIATE: "MZ",
                   Severity.NORMAL: "MM"}
_FAMILY_ORDER = {"M": 0, "S": 1, "Z": 2}
MAX_N = 5_000_000
SUMMARY_AGES = (50, 60, 70, 80, 90)
MIN_SMOKING_START_AGE = 8
MAX_CIGARETTES_PER_DAY = 80
PEOPLE_PER_BATCH = 100
MAX_BATCHES = 20
INTERVAL = (5, 95)


@dataclass(frozen=True, slots=True)
class GenotypeClass:
    """The model class used for a genotype and why."""

    genotype: str
    model_class: str
    severity: str
    mapping: str


def model_genotype(text: str) -> GenotypeClass:
    """Map any genotype to a model class (MM, MS, MZ, SS, SZ, ZZ, Null)."""
    g = parse_genotype(text)
    severity = genotype_severity(g)
    families = sorted((a.family for a in g.alleles), key=lambda f: _FAMILY_ORDER.get(f, 9))
    key = "".join(families)
    if all(f in _FAMILY_ORDER for f in families) and key in MODEL_GENOTYPES:
        return GenotypeClass(g.canonical, key, severity.value, "modelled directly")
    if families == ["null", "null"]:
        return GenotypeClass(g.canonical, "Null", severity.value, "two null alleles")
    model = _SEVERITY_CLASS[severity]
    return GenotypeClass(g.canonical, model, severity.value,
                         f"no direct data: mapped to {model} through its expected serum level ({severity.value})")


def _number(field: str, value: float | None, low: float, high: float, expected: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise InputError(field, value, expected)
    return float(value)


def _smoking_history(smoking: str, age: float, pack_years: float | None, quit_age: float | None,
                    start_age: float | None,
                    cigarettes_per_day: float | None) -> tuple[float, float | None, float | None]:
    """Pack-years, start age and cigarettes/day made consistent (raises :class:`InputError` naming the field).

    Intensity comes from cigarettes/day when given, else from pack-years spread from the start age (the
    table's default start when not given) to quitting or now.
    """
    if smoking == "never":
        for name, given in (("pack_years", pack_years), ("smoking_start_age", start_age),
                            ("cigarettes_per_day", cigarettes_per_day)):
            if given:
                raise InputError(name, given, f"no {name.replace('_', ' ')} for a never-smoker")
        return 0.0, None, None
    stop = quit_age if quit_age is not None else age
    if start_age is not None and start_age >= stop:
        raise InputError("smoking_start_age", start_age, f"an age before quitting or now ({stop:g})")
    if cigarettes_per_day is None:
        if pack_years is None:
            raise InputError("pack_years", pack_years, "pack-years (or cigarettes per day) for a former or current "
                                                       "smoker")
        start = start_age if start_age is not None else min(value("default_smoking_start_age"), stop - 1)
        per_day = CIGARETTES_PER_PACK * pack_years / max(1.0, stop - start)
        if per_day > MAX_CIGARETTES_PER_DAY:
            raise InputError("pack_years", pack_years,
                             f"pack-years that fit the years smoked: {pack_years:g} pack-years from age {start:g} to "
                             f"{stop:g} would be {per_day:.0f} cigarettes a day; give the age smoking started or "
                             "cigarettes per day")
        return pack_years, start, per_day
    if start_age is None:
        start = (stop - CIGARETTES_PER_PACK * pack_years / cigarettes_per_day if pack_years is not None
                 else min(value("default_smoking_start_age"), stop - 1))
        if start < MIN_SMOKING_START_AGE:
            raise InputError("pack_years", pack_years,
                             f"pack-years that fit {cigarettes_per_day:g} cigarettes a day: that many would mean "
                             f"smoking since age {start:.0f}")
        start_age = start
    implied = cigarettes_per_day * (stop - start_age) / CIGARETTES_PER_PACK
    if pack_years is not None and abs(pack_years - implied) > max(2.0, 0.25 * implied):
        raise InputError("pack_years", pack_years,
                         f"about {implied:.0f} pack-years ({cigarettes_per_day:g} cigarettes a day from age "
                         f"{start_age:g} to {stop:g})")
    return implied if pack_years is None else pack_years, start_age, cigarettes_per_day


HEIGHT_CM = (120.0, 230.0)
"""Heights the GLI reference equations were built on, in cm (shells use these bounds too)."""
PACK_YEARS = (0.0, 200.0)
"""Pack-years accepted (200 is 40 a day for 100 years: beyond any smoking history)."""
FEV1_L = (0.2, 8.0)
"""Measured FEV1 accepted, in litres (below 0.2 L is not compatible with life; 8 L beyond any record)."""


def input_limits() -> dict[str, tuple[float, float]]:
    """The bounds :func:`build_profile` applies, by field, for every face that asks for these values.

    Ages in years, height in cm, FEV1 in litres. One source of truth, so a form never accepts what
    the model refuses, nor refuses what it accepts.
    """
    start = float(parameters()[("simulation_start_age", "all")].value)
    return {"age": (start, float(END_AGE - 1)), "height_cm": HEIGHT_CM, "pack_years": PACK_YEARS,
            "quit_age": (start, float(END_AGE - 1)), "fev1": FEV1_L}


def build_profile(*, genotype: str, sex: str, age: float, height_cm: float, smoking: str = "never",
                  pack_years: float | None = None, quit_age: float | None = None,
                  smoking_start_age: float | None = None, cigarettes_per_day: float | None = None,
                  secondhand_smoke: bool = False, dust: bool = False, family_emphysema: bool = False,
                  asthma: bool = False, infections: bool = False, fev1: float | None = None,
                  augmentation: bool = False, equations: str = Equations.GLI_GLOBAL_2022.value,
                  ascertainment: str = "unknown", alcohol: str = "none", bmi: float | None = None,
                  diabetes: bool = False, country: str = DEFAULT_COUNTRY) -> tuple[Profile, GenotypeClass]:
    """Validate inputs and build the simulation profile (raises :class:`InputError` naming the field)."""
    cls = model_genotype(genotype)
    start = int(parameters()[("simulation_start_age", "all")].value)
    age_v = _number("age", age, start, END_AGE - 1, f"an age from {start} to {END_AGE - 1} years")
    assert age_v is not None
    height = _number("height_cm", height_cm, *HEIGHT_CM, f"a height from {HEIGHT_CM[0]:g} to {HEIGHT_CM[1]:g} cm")
    assert height is not None
    smoking = smoking.strip().lower()
    if smoking not in SMOKING:
        raise InputError("smoking", smoking, "never, former or current")
    found = parse_ascertainment(ascertainment)
    packs = _number("pack_years", pack_years, *PACK_YEARS, f"pack-years from {PACK_YEARS[0]:g} to {PACK_YEARS[1]:g}")
    quit_v = _number("quit_age", quit_age, start, age_v, f"a quitting age from {start} to the current age")
    if smoking == "former" and quit_v is None:
        raise InputError("quit_age", quit_age, "the age at quitting for a former smoker")
    if smoking != "former" and quit_v is not None:
        raise InputError("quit_age", quit_age, "no quitting age unless smoking is 'former' (use a quit@AGE scenario)")
    start_v = _number("smoking_start_age", smoking_start_age, MIN_SMOKING_START_AGE, age_v,
                      f"an age from {MIN_SMOKING_START_AGE} to the current age")
    per_day = _number("cigarettes_per_day", cigarettes_per_day, 0.1, MAX_CIGARETTES_PER_DAY,
                      f"cigarettes per day from 0.1 to {MAX_CIGARETTES_PER_DAY}")
    packs_v, start_v, per_day = _smoking_history(smoking, age_v, packs, quit_v, start_v, per_day)
    fev1_v = _number("fev1", fev1, *FEV1_L, f"a measured FEV1 from {FEV1_L[0]:g} to {FEV1_L[1]:g} litres")
    severe = cls.severity in (Severity.SEVERE.value, Severity.ABSENT.value)
    profile = Profile(
        genotype=cls.model_class, sex=parse_sex(sex), age=int(age_v), height_cm=height, smoking=smoking,
        pack_years=packs_v, quit_age=quit_v, smoking_start_age=start_v, cigarettes_per_day=per_day,
        secondhand_smoke=bool(secondhand_smoke), dust=bool(dust),
        family_emphysema=bool(family_emphysema), asthma=bool(asthma), infections=bool(infections), fev1_l=fev1_v,
        augmentation_start_age=float(age_v) if augmentation else None, augmentation_applies=severe,
        equations=parse_equations(equations), ascertainment=found, alcohol=parse_alcohol(alcohol),
        obese=is_obese(bmi), diabetes=bool(diabetes), country=life_table(country).country,
    )
    return profile, cls


def parse_ascertainment(text: str) -> str:
    """How the person was found: index (own lung disease), family (relative tested), screened, or unknown."""
    key = text.strip().lower() if isinstance(text, str) else text
    if key not in ASCERTAINMENT:
        raise InputError("ascertainment", text, "index (found because of their own lung disease), family (found "
                                                "by testing a relative), screened, or unknown")
    return str(key)


# --- scenarios -----------------------------------------------------------------------


def apply_scenario(profile: Profile, scenario: str) -> tuple[Profile, str]:
    """A scenario applied to ``profile``: quit@AGE, no-dust, no-secondhand-smoke, augmentation[@AGE]."""
    name, _, arg = scenario.strip().lower().partition("@")
    expected = "quit@AGE, no-dust, no-secondhand-smoke or augmentation[@AGE]"
    when: float | None = None
    if arg:
        try:
            when = float(arg)
        except ValueError:
            raise InputError("scenario", scenario, expected) from None
        if not profile.age <= when < END_AGE:
            raise InputError("scenario", scenario, f"an age from the current age {profile.age} to {END_AGE - 1}")
    if name == "quit":
        if profile.smoking != "current":
            raise InputError("scenario", scenario, "quit@AGE only for a current smoker")
        at = when if when is not None else float(profile.age)
        return profile.with_changes(quit_age=at), f"stop smoking at {at:g} (as now until then)"
    if name == "no-dust" and when is None:
        return profile.with_changes(dust_stop_age=float(profile.age)), "no dust or fume exposure from now on"
    if name in ("no-secondhand-smoke", "no-shs") and when is None:
        return (profile.with_changes(secondhand_smoke_stop_age=float(profile.age)),
                "no second-hand smoke from now on")
    if name == "augmentation":
        at = when if when is not None else float(profile.age)
        text = (f"weekly IV augmentation from {at:g}: EXTRAPOLATION - trials showed ~37% slower CT lung-density "
                "loss, applied here to the excess FEV1 decline; no FEV1 benefit was shown in trials")
        if not profile.augmentation_applies:
            text = "augmentation: not indicated for this genotype (severe deficiency only), so no modelled effect"
        elif profile.smoking == "current":
            text += ("; modelled while smoking goes on, although these guidelines do not offer augmentation to "
                     "people who still smoke: " + ", ".join(guidelines_excluding(Smoking.CURRENT)))
        return profile.with_changes(augmentation_start_age=at), text
    raise InputError("scenario", scenario, expected)


# --- the answer ------------------------------------------------------------------------


def _trajectory(result: SimulationResult) -> list[dict[str, float]]:
    q = result.fev1_quantiles
    return [{"age": int(a), "p10": round(float(q[0, j]), 3), "p50": round(float(q[1, j]), 3),
             "p90": round(float(q[2, j]), 3)} for j, a in enumerate(result.ages)]


def _outcomes(result: SimulationResult) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    p = result.probabilities
    for j, a in enumerate(result.ages):
        row: dict[str, Any] = {"age": int(a)}
        row["copd_lln"] = round(float(p["copd_lln"][j]), 4)
        row["copd_fixed_ratio"] = round(float(p["copd_fixed_ratio"][j]), 4)
        row["gold"] = {str(k): round(float(p[f"gold_{k}"][j]), 4) for k in (1, 2, 3, 4)}
        row["fev1_below_50_percent"] = round(float(p["fev1_below_50"][j]), 4)
        row["death"] = round(float(p["death"][j]), 4)
        row["survival"] = round(1.0 - float(p["death"][j]), 4)
        row["death_by_cause"] = {group: round(float(sum(p[f"death_{c}"][j] for c in causes)), 4)
                                 for group, causes in CAUSE_GROUPS.items()}
        row["cirrhosis"] = round(float(p["cirrhosis"][j]), 4)
        row["liver_cancer"] = round(float(p["liver_cancer"][j]), 4)
        row["lung_transplant"] = round(float(p["lung_transplant"][j]), 4)
        row["liver_transplant"] = round(float(p["liver_transplant"][j]), 4)
        rows.append(row)
    return rows


def causes_of_death(result: SimulationResult) -> dict[str, float | None]:
    """Share of the deaths up to 90 by cause group (None when nobody died)."""
    p = result.probabilities
    deaths = float(p["death"][-1])
    return {group: (round(float(sum(p[f"death_{c}"][-1] for c in causes)) / deaths, 4) if deaths else None)
            for group, causes in CAUSE_GROUPS.items()}


def _uncertainty(result: SimulationResult) -> dict[str, Any]:
    """The uncertainty of the average (5th-95th centile of the batch averages) at the summary ages."""
    if result.batch_fev1_mean is None or result.batch_death is None:
        return {"batches": 1, "note": "parameters at their table values: no uncertainty of the average shown"}
    rows = []
    for j, a in enumerate(result.ages):
        if int(a) in SUMMARY_AGES or j == 0:
            f_lo, f_hi = np.percentile(result.batch_fev1_mean[:, j], INTERVAL)
            d_lo, d_hi = np.percentile(result.batch_death[:, j], INTERVAL)
            rows.append({"age": int(a), "fev1_mean": round(float(result.fev1_mean[j]), 3),
                         "fev1_mean_low": round(float(f_lo), 3), "fev1_mean_high": round(float(f_hi), 3),
                         "death": round(float(result.probabilities["death"][j]), 4),
                         "death_low": round(float(d_lo), 4), "death_high": round(float(d_hi), 4)})
    return {"batches": int(result.batch_fev1_mean.shape[0]), "interval": f"{INTERVAL[0]}th-{INTERVAL[1]}th centile "
            "of the averages of batches that each drew their own parameter values", "by_age": rows}


def _sources(fields: list[str]) -> list[dict[str, str]]:
    ids = dict.fromkeys(s for f in fields for s in split_sources(f))
    k = knowledge()
    return [{"source_id": i, "citation": k.sources[i].short} for i in ids]


def _ascertainment(profile: Profile) -> dict[str, Any]:
    weights = dict(zip(GROUPS, profile.group_weights(), strict=True))
    text = {"index": "found because of their own lung disease (an index case)",
            "family": "found by testing a relative", "screened": "found by screening",
            "unknown": "not stated, so modelled as the mix of the Swedish register "
                       f"({weights['index']:.0%} index cases, {weights['family']:.0%} found through relatives or "
                       f"other routes, {weights['screened']:.0%} screened)"}[profile.ascertainment]
    return {"group": profile.ascertainment, "weights": {k: round(v, 3) for k, v in weights.items()},
            "description": f"People like you were {text}."}


def _explanation(profile: Profile, cls: GenotypeClass) -> list[str]:
    lines = [
        f"Genotype {cls.genotype} is modelled as {cls.model_class} ({cls.mapping}).",
        f"Predicted FEV1 and its lower limit of normal use {profile.equations.value} "
        f"({knowledge().sources[EQUATION_SOURCES[profile.equations]].short}).",
        "Each simulated person starts at 20 with a lung function drawn from the healthy spread and loses FEV1 "
        "through normal ageing plus an excess that depends on genotype, smoking (from the age it started, at its "
        "intensity), how the person was found and other exposures (see docs/progression.md for every parameter "
        "and its evidence strength).",
        _ascertainment(profile)["description"] + " People found because of their own lung disease lose lung "
        "function faster than people found by screening or through a relative.",
        "COPD is FEV1/FVC below its lower limit of normal (ATS/ERS); the fixed ratio < 0.70 used by GOLD and "
        "GOLD grades are shown too. Lung outcomes are computed for every simulated person as if alive at "
        "that age.",
        "Death is cumulative from now and has four causes: respiratory (more likely when FEV1 is low), liver "
        "(cirrhosis that decompensates, liver cancer), smoking-related illness other than the lungs, and all "
        f"other causes from the life table of {profile.country} ({life_table(profile.country).description}), "
        "with the deaths that smoking causes (apart from those counted as respiratory) taken out of it; they are "
        "added back only for people who smoke.",
        "Liver disease (cirrhosis, decompensation, liver cancer) is counted from now for someone without "
        "cirrhosis today, among people still alive. Cirrhosis is counted when it would be diagnosed; about half "
        "of cirrhosis is already decompensated when it is diagnosed (Swedish data), and the model does the same.",
        "Lung transplantation can happen once FEV1 is below 30% of predicted and liver transplantation once "
        "cirrhosis has decompensated or liver cancer has appeared, at the rates seen in Sweden; after a "
        "transplant the published survival after transplantation replaces the risk from the failing organ. The "
        "FEV1 band still shows the person's own lungs.",
        "The band (10th-90th centile) is the spread among people like you; the uncertainty of the average comes "
        "from batches of simulated people that each drew their own parameter values.",
    ]
    if profile.smoking != "never" and profile.cigarettes_per_day is not None:
        lines.append(f"Smoking is modelled as about {profile.cigarettes_per_day:.0f} cigarettes a day from age "
                     f"{profile.smoking_start():g} ({profile.pack_years:g} pack-years).")
    if profile.fev1_l is not None:
        lines.append(f"The trajectory is anchored to the measured FEV1 of {profile.fev1_l:g} L at {profile.age}.")
    if profile.augmentation_start_age is not None and not profile.augmentation_applies:
        lines.append(f"Augmentation was entered, but {cls.genotype} is not a severe genotype: the trials enrolled "
                     "severe deficiency only, so the model gives augmentation no effect here.")
    return lines


def ct_lung_density(profile: Profile) -> dict[str, Any] | None:
    """CT lung density (15th percentile) loss as measured in trials, for severe genotypes (None otherwise).

    Not simulated per person: the trials' pooled annual loss on placebo and on weekly augmentation, shown so
    the augmentation scenario carries its measured effect, labelled as what it is.
    """
    if not profile.augmentation_applies:
        return None
    placebo, treated = value("ct_density_decline_placebo", "ZZ"), value("ct_density_decline_augmented", "ZZ")
    on = profile.augmentation_start_age is not None
    return {"annual_loss_g_per_l": treated if on else placebo, "without_augmentation_g_per_l": placebo,
            "with_augmentation_g_per_l": treated,
            "label": "Loss of CT lung density (15th percentile, g/L per year) measured in randomised trials of "
                     "people with severe deficiency and emphysema (pooled Danish-Dutch and EXACTLE trials); a trial "
                     "average, not a prediction for this person and not simulated."}


def batches_for(n: int) -> int:
    """Parameter batches for ``n`` simulated people: one per 100 people, at most 20."""
    return max(1, min(MAX_BATCHES, n // PEOPLE_PER_BATCH))



class LifeTableUsed(TypedDict):
    """Which life table gave the deaths from other causes: the country, the table and its source ids."""

    country: str
    description: str
    source: str
    life_expectancy_at_birth: float


def life_table_used(profile: Profile) -> LifeTableUsed:
    """The life table behind ``profile``'s deaths from other causes, described for the answer."""
    table: LifeTable = life_table(profile.country)
    return LifeTableUsed(country=table.country, description=table.description,
                         source=table.source,
                         life_expectancy_at_birth=round(table.life_expectancy_at_birth(profile.sex), 1))


class RiskAnswer(TypedDict):
    """``aatd risk --json``: FEV1 bands to age 90, outcomes by age, causes of death, liver, scenarios.

    Volumes in litres, ages in years, probabilities in [0, 1]; each list holds one row per year of age.
    """

    genotype: dict[str, Any]
    ascertainment: dict[str, Any]
    reference_equations: str
    fev1_predicted: list[dict[str, Any]]
    fev1_trajectory: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    causes_of_death: dict[str, Any]
    uncertainty: dict[str, Any]
    liver: dict[str, Any]
    skin: dict[str, Any]
    ct_lung_density: dict[str, Any] | None
    life_table: LifeTableUsed
    scenarios: dict[str, dict[str, Any]]
    explanation: list[str]
    sources: list[dict[str, str]]
    disclaimer: str
    provenance: Provenance


def describe_risk(*, genotype: str, sex: str, age: float, height_cm: float, smoking: str = "never",
                  pack_years: float | None = None, quit_age: float | None = None,
                  smoking_start_age: float | None = None, cigarettes_per_day: float | None = None,
                  secondhand_smoke: bool = False, dust: bool = False, family_emphysema: bool = False,
                  asthma: bool = False, infections: bool = False, alcohol: str = "none", bmi: float | None = None,
                  diabetes: bool = False, fev1: float | None = None, augmentation: bool = False,
                  ascertainment: str = "unknown", scenarios: list[str] | tuple[str, ...] = (),
                  equations: str = Equations.GLI_GLOBAL_2022.value, n: int = 10_000,
                  seed: int = 0, country: str = DEFAULT_COUNTRY) -> RiskAnswer:
    """Lifetime lung and liver risk of one person, with scenarios, as a typed JSON-ready answer.

    Volumes in litres, ages in years, probabilities in [0, 1].
    """
    if not isinstance(n, int) or not 100 <= n <= MAX_N:
        raise InputError("n", n, f"a number of simulated people from 100 to {MAX_N:,}")
    if not isinstance(seed, int) or seed < 0:
        raise InputError("seed", seed, "a whole number of 0 or more")
    alcohol = parse_alcohol(alcohol)
    profile, cls = build_profile(
        genotype=genotype, sex=sex, age=age, height_cm=height_cm, smoking=smoking, pack_years=pack_years,
        quit_age=quit_age, smoking_start_age=smoking_start_age, cigarettes_per_day=cigarettes_per_day,
        secondhand_smoke=secondhand_smoke, dust=dust, family_emphysema=family_emphysema,
        asthma=asthma, infections=infections, fev1=fev1, augmentation=augmentation, equations=equations,
        ascertainment=ascertainment, alcohol=alcohol, bmi=bmi, diabetes=diabetes, country=country)
    liver = liver_risk(cls.model_class, profile.sex, profile.age, END_AGE, alcohol, bmi, diabetes)
    batches = batches_for(n)
    base = simulate(profile, n=n, seed=seed, batches=batches)
    answer: dict[str, Any] = {
        "genotype": {"input": genotype, "canonical": cls.genotype, "model_class": cls.model_class,
                     "severity": cls.severity, "mapping": cls.mapping},
        "ascertainment": _ascertainment(profile),
        "reference_equations": profile.equations.value,
        "fev1_predicted": [{"age": int(a), "predicted": round(float(m), 3), "lln": round(float(lo), 3)}
                           for a, m, lo in zip(base.ages, base.fev1_predicted, base.fev1_lln, strict=True)],
        "fev1_trajectory": _trajectory(base),
        "outcomes": _outcomes(base),
        "causes_of_death": causes_of_death(base),
        "uncertainty": _uncertainty(base),
        "liver": {"annual_cirrhosis_hazard": liver.annual_hazard, "factors": liver.factors,
                  "alcohol_g_per_day": ALCOHOL_GRAMS[alcohol]},
        "skin": {"panniculitis": panniculitis_flag(cls.severity)},
        "ct_lung_density": ct_lung_density(profile),
        "scenarios": {},
    }
    for scenario in scenarios:
        changed, description = apply_scenario(profile, scenario)
        result = simulate(changed, n=n, seed=seed, batches=batches)
        answer["scenarios"][scenario] = {"description": description, "fev1_trajectory": _trajectory(result),
                                         "outcomes": _outcomes(result), "causes_of_death": causes_of_death(result),
                                         "ct_lung_density": ct_lung_density(changed)}
    fields = [p.source for p in parameters().values()] + list(liver.sources) + [life_table(profile.country).source]
    fields += [s for curve in curves().values() for s in curve.sources]
    fields.append(EQUATION_SOURCES[profile.equations])
    return RiskAnswer(
        genotype=answer["genotype"], ascertainment=answer["ascertainment"],
        reference_equations=answer["reference_equations"], fev1_predicted=answer["fev1_predicted"],
        fev1_trajectory=answer["fev1_trajectory"], outcomes=answer["outcomes"],
        causes_of_death=answer["causes_of_death"], uncertainty=answer["uncertainty"], liver=answer["liver"],
        skin=answer["skin"], ct_lung_density=answer["ct_lung_density"], life_table=life_table_used(profile),
        scenarios=answer["scenarios"],
        explanation=_explanation(profile, cls), sources=_sources(fields), disclaimer=DISCLAIMER,
        provenance=provenance(seed=seed, n=n, engine=base.engine, model="aatd.risk.answers"))
