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

from aatd.errors import InputError
from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.levels import Severity, genotype_severity
from aatd.knowledge import knowledge, split_sources
from aatd.knowledge.life_tables import life_table
from aatd.provenance import provenance
from aatd.risk.liver import ALCOHOL_GRAMS, liver_risk, panniculitis_flag, parse_alcohol
from aatd.risk.lung import END_AGE, MODEL_GENOTYPES, SMOKING, Profile, SimulationResult, parameters, simulate
from aatd.risk.spirometry import EQUATION_SOURCES, Equations, parse_equations, parse_sex

DISCLAIMER = ("aatd supports, and does not replace, clinical judgement. These are model estimates for a "
              "population of people like you, not predictions for you alone.")
_SEVERITY_CLASS = {Severity.ABSENT: "Null", Severity.SEVERE: "ZZ", Severity.INTERMEDIATE: "MZ",
                   Severity.NORMAL: "MM"}
_FAMILY_ORDER = {"M": 0, "S": 1, "Z": 2}
MAX_N = 5_000_000
SUMMARY_AGES = (50, 60, 70, 80, 90)


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


def build_profile(*, genotype: str, sex: str, age: float, height_cm: float, smoking: str = "never",
                  pack_years: float | None = None, quit_age: float | None = None, secondhand_smoke: bool = False,
                  dust: bool = False, family_emphysema: bool = False, asthma: bool = False, infections: bool = False,
                  fev1: float | None = None, augmentation: bool = False,
                  equations: str = Equations.GLI_GLOBAL_2022.value) -> tuple[Profile, GenotypeClass]:
    """Validate inputs and build the simulation profile (raises :class:`InputError` naming the field)."""
    cls = model_genotype(genotype)
    start = int(parameters()[("simulation_start_age", "all")].value)
    age_v = _number("age", age, start, END_AGE - 1, f"an age from {start} to {END_AGE - 1} years")
    assert age_v is not None
    height = _number("height_cm", height_cm, 120, 230, "a height from 120 to 230 cm")
    assert height is not None
    smoking = smoking.strip().lower()
    if smoking not in SMOKING:
        raise InputError("smoking", smoking, "never, former or current")
    packs = _number("pack_years", pack_years, 0, 200, "pack-years from 0 to 200")
    if smoking != "never" and packs is None:
        raise InputError("pack_years", pack_years, "pack-years for a former or current smoker")
    quit_v = _number("quit_age", quit_age, start, age_v, f"a quitting age from {start} to the current age")
    if smoking == "former" and quit_v is None:
        raise InputError("quit_age", quit_age, "the age at quitting for a former smoker")
    if smoking != "former" and quit_v is not None:
        raise InputError("quit_age", quit_age, "no quitting age unless smoking is 'former' (use a quit@AGE scenario)")
    fev1_v = _number("fev1", fev1, 0.2, 8.0, "a measured FEV1 from 0.2 to 8 litres")
    severe = cls.severity in (Severity.SEVERE.value, Severity.ABSENT.value)
    profile = Profile(
        genotype=cls.model_class, sex=parse_sex(sex), age=int(age_v), height_cm=height, smoking=smoking,
        pack_years=packs or 0.0, quit_age=quit_v, secondhand_smoke=bool(secondhand_smoke), dust=bool(dust),
        family_emphysema=bool(family_emphysema), asthma=bool(asthma), infections=bool(infections), fev1_l=fev1_v,
        augmentation_start_age=float(age_v) if augmentation else None, augmentation_applies=severe,
        equations=parse_equations(equations),
    )
    return profile, cls


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
        return profile.with_changes(augmentation_start_age=at), text
    raise InputError("scenario", scenario, expected)


# --- the answer ------------------------------------------------------------------------


def _trajectory(result: SimulationResult) -> list[dict[str, float]]:
    q = result.fev1_quantiles
    return [{"age": int(a), "p10": round(float(q[0, j]), 3), "p50": round(float(q[1, j]), 3),
             "p90": round(float(q[2, j]), 3)} for j, a in enumerate(result.ages)]


def _outcomes(result: SimulationResult, liver: dict[str, np.ndarray] | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    p = result.probabilities
    for j, a in enumerate(result.ages):
        row: dict[str, Any] = {"age": int(a)}
        row["copd_lln"] = round(float(p["copd_lln"][j]), 4)
        row["copd_fixed_ratio"] = round(float(p["copd_fixed_ratio"][j]), 4)
        row["gold"] = {str(k): round(float(p[f"gold_{k}"][j]), 4) for k in (1, 2, 3, 4)}
        row["fev1_below_50_percent"] = round(float(p["fev1_below_50"][j]), 4)
        row["death"] = round(float(p["death"][j]), 4)
        if liver is not None:
            row["cirrhosis"] = round(float(liver["cirrhosis"][j]), 4)
            row["liver_cancer"] = round(float(liver["liver_cancer"][j]), 4)
        rows.append(row)
    return rows


def _sources(fields: list[str]) -> list[dict[str, str]]:
    ids = dict.fromkeys(s for f in fields for s in split_sources(f))
    k = knowledge()
    return [{"source_id": i, "citation": k.sources[i].short} for i in ids]


def _explanation(profile: Profile, cls: GenotypeClass) -> list[str]:
    lines = [
        f"Genotype {cls.genotype} is modelled as {cls.model_class} ({cls.mapping}).",
        f"Predicted FEV1 and its lower limit of normal use {profile.equations.value} "
        f"({knowledge().sources[EQUATION_SOURCES[profile.equations]].short}).",
        "Each simulated person starts at 20 with a lung function drawn from the healthy spread and loses FEV1 "
        "through normal ageing plus an excess that depends on genotype and exposures (Hiller 2019 register "
        "declines; see docs/progression.md for every parameter and its evidence strength).",
        "COPD is FEV1/FVC below its lower limit of normal (ATS/ERS); the fixed ratio < 0.70 used by GOLD and "
        "GOLD grades are shown too. Lung outcomes are computed for every simulated person as if alive at "
        "that age; death is cumulative from now, from a national life table plus excess mortality when FEV1 is low.",
        "Liver risks are cumulative from now for someone without cirrhosis today, ignoring competing death.",
    ]
    if profile.fev1_l is not None:
        lines.append(f"The trajectory is anchored to the measured FEV1 of {profile.fev1_l:g} L at {profile.age}.")
    return lines


def describe_risk(*, genotype: str, sex: str, age: float, height_cm: float, smoking: str = "never",
                  pack_years: float | None = None, quit_age: float | None = None, secondhand_smoke: bool = False,
                  dust: bool = False, family_emphysema: bool = False, asthma: bool = False,
                  infections: bool = False, alcohol: str = "none", bmi: float | None = None,
                  diabetes: bool = False, fev1: float | None = None, augmentation: bool = False,
                  scenarios: list[str] | tuple[str, ...] = (), equations: str = Equations.GLI_GLOBAL_2022.value,
                  n: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """Lifetime lung and liver risk of one person, with scenarios, as a JSON-ready dict.

    Volumes in litres, ages in years, probabilities in [0, 1].
    """
    if not isinstance(n, int) or not 100 <= n <= MAX_N:
        raise InputError("n", n, f"a number of simulated people from 100 to {MAX_N:,}")
    if not isinstance(seed, int) or seed < 0:
        raise InputError("seed", seed, "a whole number of 0 or more")
    alcohol = parse_alcohol(alcohol)
    profile, cls = build_profile(
        genotype=genotype, sex=sex, age=age, height_cm=height_cm, smoking=smoking, pack_years=pack_years,
        quit_age=quit_age, secondhand_smoke=secondhand_smoke, dust=dust, family_emphysema=family_emphysema,
        asthma=asthma, infections=infections, fev1=fev1, augmentation=augmentation, equations=equations)
    liver = liver_risk(cls.model_class, profile.sex, profile.age, END_AGE, alcohol, bmi, diabetes)
    liver_arrays = {"cirrhosis": liver.cirrhosis, "liver_cancer": liver.liver_cancer}
    base = simulate(profile, n=n, seed=seed)
    answer: dict[str, Any] = {
        "genotype": {"input": genotype, "canonical": cls.genotype, "model_class": cls.model_class,
                     "severity": cls.severity, "mapping": cls.mapping},
        "reference_equations": profile.equations.value,
        "fev1_predicted": [{"age": int(a), "predicted": round(float(m), 3), "lln": round(float(lo), 3)}
                           for a, m, lo in zip(base.ages, base.fev1_predicted, base.fev1_lln, strict=True)],
        "fev1_trajectory": _trajectory(base),
        "outcomes": _outcomes(base, liver_arrays),
        "liver": {"annual_cirrhosis_hazard": liver.annual_hazard, "factors": liver.factors,
                  "alcohol_g_per_day": ALCOHOL_GRAMS[alcohol]},
        "skin": {"panniculitis": panniculitis_flag(cls.severity)},
        "scenarios": {},
    }
    for scenario in scenarios:
        changed, description = apply_scenario(profile, scenario)
        result = simulate(changed, n=n, seed=seed)
        answer["scenarios"][scenario] = {"description": description, "fev1_trajectory": _trajectory(result),
                                         "outcomes": _outcomes(result, liver_arrays)}
    fields = [p.source for p in parameters().values()] + list(liver.sources) + [life_table().source]
    fields.append(EQUATION_SOURCES[profile.equations])
    answer["explanation"] = _explanation(profile, cls)
    answer["sources"] = _sources(fields)
    answer["disclaimer"] = DISCLAIMER
    answer["provenance"] = provenance(seed=seed, n=n, engine=base.engine, model="aatd.risk.answers")
    return answer
