"""Liver disease: the hazards of a multi-state process, the cirrhosis factors, and the skin flag.

States (simulated per person from the current age by :mod:`aatd.risk.lung`, with competing death):
free of cirrhosis -> compensated cirrhosis -> decompensated cirrhosis, and liver cancer arising in
cirrhosis; decompensation and liver cancer carry a death hazard (the liver causes of death).

* Cirrhosis hazard (:func:`cirrhosis_hazard`): the sex-specific population incidence (Halland,
  Sweden) x the genotype odds ratio (taken as a hazard ratio) x the alcohol relative risk x the
  metabolic (obesity/diabetes) relative risk. For Z carriers (MZ, SZ) who drink heavily or are
  obese/diabetic, the context-specific odds ratios of Strnad 2019 replace the population one.
* Decompensation (D'Amico 2019, x the MZ hazard ratio of the Michigan cohort), liver cancer in
  cirrhosis (Antoury 2015, AATD) and the death hazards after each.

:func:`liver_risk` keeps the closed-form cumulative cirrhosis risk (no competing death) for the
answer's list of factors. Parameters: ``liver_parameters.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from aatd.errors import DataError, InputError
from aatd.risk.parameters import CitedParameter, read_cited

TABLE = "liver_parameters.csv"
ALCOHOL = ("none", "moderate", "heavy", "very_heavy")
ALCOHOL_GRAMS = {"none": 0, "moderate": 25, "heavy": 50, "very_heavy": 100}
_EVIDENCE = ("strong", "moderate", "weak")


@cache
def liver_parameters() -> dict[tuple[str, str], CitedParameter]:
    """All liver parameters keyed by (name, genotype/sex/category); negative values are refused."""
    table: dict[tuple[str, str], CitedParameter] = {}
    for param, line in read_cited(TABLE, lambda evidence: evidence in _EVIDENCE):
        if param.value < 0:
            raise DataError(TABLE, line, f"value {param.value} is negative")
        table[(param.name, param.key)] = param
    return table


def _get(name: str, key: str = "all") -> CitedParameter:
    try:
        return liver_parameters()[(name, key)]
    except KeyError:
        raise DataError(TABLE, None, f"missing parameter {name!r} for {key}") from None


def liver_value(name: str, key: str = "all") -> float:
    """A liver parameter's value (raises :class:`DataError` when missing)."""
    return _get(name, key).value


def decompensation_ratio(genotype: str) -> float:
    """Hazard ratio of decompensation once cirrhotic, by genotype (1 where no data)."""
    table = liver_parameters()
    return table[("decompensation_hazard_ratio", genotype)].value if (
        "decompensation_hazard_ratio", genotype) in table else 1.0


def liver_source(name: str, key: str = "all") -> str:
    """A liver parameter's source field."""
    return _get(name, key).source


def parse_alcohol(text: str) -> str:
    """Alcohol category: none (0), moderate (~25 g/day), heavy (~50), very_heavy (~100)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in ALCOHOL:
        raise InputError("alcohol", text, "none, moderate (~25 g/day), heavy (~50 g/day) or very_heavy (~100 g/day)")
    return key


@dataclass(frozen=True, slots=True)
class LiverRisk:
    """Cumulative risks by age (from the current age) and the sources and factors used."""

    ages: NDArray[np.int64]
    cirrhosis: NDArray[np.float64]
    liver_cancer: NDArray[np.float64]
    annual_hazard: float
    factors: dict[str, float]
    sources: tuple[str, ...]


def cirrhosis_hazard(genotype: str, sex: int, alcohol: str = "none", obese: bool = False,
                     diabetes: bool = False) -> tuple[float, dict[str, float], tuple[str, ...]]:
    """Annual cirrhosis hazard with its multiplicative factors and source fields."""
    alcohol = parse_alcohol(alcohol)
    base = _get("baseline_cirrhosis_incidence", "male" if sex == 1 else "female")
    used = [base]
    genotype_or = _get("cirrhosis_odds_ratio", genotype)
    heavy = ALCOHOL_GRAMS[alcohol] >= ALCOHOL_GRAMS["heavy"]
    table = liver_parameters()
    if heavy and ("cirrhosis_odds_ratio_heavy_alcohol", genotype) in table:
        genotype_or = table[("cirrhosis_odds_ratio_heavy_alcohol", genotype)]
    elif (obese or diabetes) and ("cirrhosis_odds_ratio_metabolic", genotype) in table:
        genotype_or = table[("cirrhosis_odds_ratio_metabolic", genotype)]
    used.append(genotype_or)
    factors = {"baseline_per_year": base.value, "genotype": genotype_or.value}
    if alcohol != "none":
        alcohol_rr = _get("alcohol_relative_risk", alcohol)
        used.append(alcohol_rr)
        factors["alcohol"] = alcohol_rr.value
    metabolic = max(_get("diabetes_relative_risk").value if diabetes else 1.0,
                    _get("obesity_relative_risk").value if obese else 1.0)
    if obese or diabetes:
        used.append(_get("diabetes_relative_risk") if diabetes else _get("obesity_relative_risk"))
        factors["obesity_or_diabetes"] = metabolic
    hazard = float(np.prod(list(factors.values())))
    return hazard, factors, tuple(dict.fromkeys(p.source for p in used))


def is_obese(bmi: float | None) -> bool:
    """True when BMI (kg/m2) is at or above the obesity threshold."""
    if bmi is None:
        return False
    if not 10 <= bmi <= 80:
        raise InputError("bmi", bmi, "a body-mass index between 10 and 80 kg/m2")
    return bmi >= _get("obesity_bmi_threshold").value


def liver_risk(genotype: str, sex: int, age: int, end_age: int, alcohol: str = "none", bmi: float | None = None,
               diabetes: bool = False) -> LiverRisk:
    """Cumulative cirrhosis and liver-cancer risk from ``age`` to each age up to ``end_age``."""
    hazard, factors, sources = cirrhosis_hazard(genotype, sex, alcohol, is_obese(bmi), diabetes)
    ages = np.arange(age, end_age + 1)
    cirrhosis = 1.0 - np.exp(-hazard * (ages - age))
    fraction = _get("liver_cancer_fraction_of_cirrhosis")
    return LiverRisk(ages, cirrhosis, cirrhosis * fraction.value, hazard, factors, (*sources, fraction.source))


def panniculitis_flag(severity: str) -> dict[str, object]:
    """Necrotising panniculitis: a flag for severe/absent genotypes, with the published frequency."""
    param = _get("panniculitis_prevalence", "severe")
    elevated = severity in ("severe", "absent")
    return {
        "flag": "elevated" if elevated else "not elevated",
        "estimated_prevalence": param.value if elevated else None,
        "explanation": (f"Necrotising panniculitis affects about 1 in {1 / param.value:,.0f} people with severe "
                        "deficiency (estimates vary between sources); painful nodules that may ulcerate deserve "
                        "assessment." if elevated else "Panniculitis is described mainly with severe deficiency."),
        "source": param.source,
    }
