"""GLI spirometry reference equations, vectorised over people.

Two equation sets are supported:

* ``gli_global_2022`` (default): the race-neutral GLI Global equations (Bowerman et al.,
  AJRCCM 2023;207:768-74) for FEV1, FVC and FEV1/FVC;
* ``gli_2012``: the GLI-2012 multi-ethnic equations (Quanjer et al., ERJ 2012;40:1324-43),
  with an ethnic group.

Both use the LMS method: ``M = exp(a0 + a1 ln(height cm) + a2 ln(age) [+ ethnic terms] + Mspline)``,
``S = exp(p0 + p1 ln(age) [+ ethnic terms] + Sspline)``, ``L = q0 [+ q1 ln(age)] [+ Lspline]``;
splines are tabulated every 0.25 year and interpolated linearly. The coefficients and lookup
tables are read from the files shipped with the ``pyspiro`` package (the same files its
implementation uses); this module evaluates them with numpy over whole arrays of people, and
``tests/test_spirometry.py`` checks it against ``pyspiro`` itself and against worked values.

Volumes are in litres; FEV1/FVC is a ratio (0-1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aatd.errors import DataError, InputError
from aatd.risk.parameters import value as parameter_value

FloatArray = NDArray[np.float64]

LLN_Z = -1.6448536269514722
"""z-score of the lower limit of normal (5th centile), as in Quanjer 2012."""

_AGE_STEP = 0.25


class Equations(StrEnum):
    """Reference equation sets."""

    GLI_GLOBAL_2022 = "gli_global_2022"
    GLI_2012 = "gli_2012"


class Outcome(StrEnum):
    """Spirometric outcomes."""

    FEV1 = "FEV1"
    FVC = "FVC"
    FEV1FVC = "FEV1FVC"


class Ethnicity(StrEnum):
    """GLI-2012 groups (ignored by the race-neutral GLI Global equations)."""

    CAUCASIAN = "caucasian"
    AFRICAN_AMERICAN = "african_american"
    NORTH_EAST_ASIAN = "north_east_asian"
    SOUTH_EAST_ASIAN = "south_east_asian"
    OTHER = "other"


EQUATION_SOURCES = {Equations.GLI_GLOBAL_2022: "bowerman2023", Equations.GLI_2012: "quanjer2012"}
_FILES = {
    Equations.GLI_GLOBAL_2022: ("bowerman_2022_coefficients.csv", "bowerman_2022_splines.csv"),
    Equations.GLI_2012: ("gli_2012_coefficients.csv", "gli_2012_splines.csv"),
}
_ETHNIC_M = {Ethnicity.AFRICAN_AMERICAN: "a3", Ethnicity.NORTH_EAST_ASIAN: "a4",
             Ethnicity.SOUTH_EAST_ASIAN: "a5", Ethnicity.OTHER: "a6"}
_ETHNIC_S = {Ethnicity.AFRICAN_AMERICAN: "p2", Ethnicity.NORTH_EAST_ASIAN: "p3",
             Ethnicity.SOUTH_EAST_ASIAN: "p4", Ethnicity.OTHER: "p5"}


@dataclass(frozen=True, slots=True)
class _Curve:
    """Coefficients and spline tables of one outcome for one sex."""

    coefficients: dict[str, float]
    first_age: float
    last_age: float
    mspline: FloatArray
    sspline: FloatArray
    lspline: FloatArray


def _read_semicolon(name: str) -> list[dict[str, str]]:
    text = (resources.files("pyspiro.data") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


@cache
def _curves(equations: Equations) -> dict[tuple[int, Outcome], _Curve]:
    coef_file, spline_file = _FILES[equations]
    coef_rows = _read_semicolon(coef_file)
    spline_rows = _read_semicolon(spline_file)
    ages = np.array([float(r["age"]) for r in spline_rows])
    if not np.allclose(np.diff(ages), _AGE_STEP):
        raise DataError(f"pyspiro:{spline_file}", None, "ages are not in steps of 0.25 year")
    curves: dict[tuple[int, Outcome], _Curve] = {}
    for sex, label in ((0, "females"), (1, "males")):
        for outcome in Outcome:
            column = f"{outcome.value}_{label}"
            coefficients = {r["var"]: float(r[column]) for r in coef_rows if (r.get(column) or "").strip()}

            def spline(kind: str, column: str = column) -> FloatArray:
                return np.array([float(r.get(f"{column}_{kind}") or 0.0) for r in spline_rows])

            curves[(sex, outcome)] = _Curve(coefficients, float(ages[0]), float(ages[-1]),
                                            spline("Mspline"), spline("Sspline"), spline("Lspline"))
    return curves


def _interpolate(table: FloatArray, first_age: float, age: FloatArray) -> FloatArray:
    position = (age - first_age) / _AGE_STEP
    lower = np.floor(position).astype(np.int64)
    lower = np.clip(lower, 0, table.size - 1)
    upper = np.minimum(lower + 1, table.size - 1)
    weight = position - lower
    return np.asarray(table[lower] * (1.0 - weight) + table[upper] * weight, dtype=np.float64)


def _as_float(name: str, values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise InputError(name, values, "finite numbers")
    return array


def lms(sex: ArrayLike, age: ArrayLike, height_cm: ArrayLike, outcome: Outcome = Outcome.FEV1,
        equations: Equations = Equations.GLI_GLOBAL_2022,
        ethnicity: Ethnicity = Ethnicity.CAUCASIAN) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The L, M (median; litres or ratio) and S parameters for each person.

    ``sex`` is 0 (female) or 1 (male); ``age`` in years (3-95); ``height_cm`` in cm.
    Arrays broadcast against each other.
    """
    sex_a = np.asarray(sex)
    if not np.all(np.isin(sex_a, (0, 1))):
        raise InputError("sex", sex, "0 (female) or 1 (male)")
    age_a = _as_float("age", age)
    height_a = _as_float("height_cm", height_cm)
    if np.any(height_a <= 0):
        raise InputError("height_cm", height_cm, "a positive height in cm")
    sex_b, age_b, height_b = np.broadcast_arrays(sex_a, age_a, height_a)
    shape = age_b.shape
    out_l, out_m, out_s = np.empty(shape), np.empty(shape), np.empty(shape)
    for value in (0, 1):
        mask = sex_b == value
        if not np.any(mask):
            continue
        curve = _curves(equations)[(value, outcome)]
        ages = age_b[mask]
        if np.any(ages < curve.first_age) or np.any(ages > curve.last_age):
            raise InputError("age", age, f"ages from {curve.first_age:g} to {curve.last_age:g} years")
        log_age = np.log(ages)
        c = curve.coefficients
        m_terms = c["a0"] + c["a1"] * np.log(height_b[mask]) + c["a2"] * log_age
        s_terms = c["p0"] + c["p1"] * log_age
        if equations is Equations.GLI_2012 and ethnicity is not Ethnicity.CAUCASIAN:
            m_terms = m_terms + c[_ETHNIC_M[ethnicity]]
            s_terms = s_terms + c[_ETHNIC_S[ethnicity]]
        out_m[mask] = np.exp(m_terms + _interpolate(curve.mspline, curve.first_age, ages))
        out_s[mask] = np.exp(s_terms + _interpolate(curve.sspline, curve.first_age, ages))
        out_l[mask] = c["q0"] + c.get("q1", 0.0) * log_age + _interpolate(curve.lspline, curve.first_age, ages)
    return out_l, out_m, out_s


def predicted(sex: ArrayLike, age: ArrayLike, height_cm: ArrayLike, outcome: Outcome = Outcome.FEV1,
              equations: Equations = Equations.GLI_GLOBAL_2022,
              ethnicity: Ethnicity = Ethnicity.CAUCASIAN) -> FloatArray:
    """Predicted (median) value: litres for FEV1/FVC, a ratio for FEV1/FVC."""
    return lms(sex, age, height_cm, outcome, equations, ethnicity)[1]


def centile_value(z: ArrayLike, l_: FloatArray, m: FloatArray, s: FloatArray) -> FloatArray:
    """The value at z-score ``z`` of an LMS distribution: ``M (1 + L S z)^(1/L)``."""
    base = np.maximum(1.0 + l_ * s * np.asarray(z, dtype=np.float64), 1e-6)  # extreme z: stay defined
    return np.asarray(m * np.power(base, 1.0 / l_), dtype=np.float64)


def zscore_from_lms(value: ArrayLike, l_: FloatArray, m: FloatArray, s: FloatArray) -> FloatArray:
    """z-score of ``value``: ``((value/M)^L - 1) / (L S)``."""
    return np.asarray((np.power(np.asarray(value, dtype=np.float64) / m, l_) - 1.0) / (l_ * s), dtype=np.float64)


def lower_limit_of_normal(sex: ArrayLike, age: ArrayLike, height_cm: ArrayLike, outcome: Outcome = Outcome.FEV1,
                          equations: Equations = Equations.GLI_GLOBAL_2022,
                          ethnicity: Ethnicity = Ethnicity.CAUCASIAN) -> FloatArray:
    """Lower limit of normal (5th centile, z = -1.645)."""
    return centile_value(LLN_Z, *lms(sex, age, height_cm, outcome, equations, ethnicity))


def ratio_lower_limit(sex: ArrayLike, age: ArrayLike, height_cm: ArrayLike,
                      equations: Equations = Equations.GLI_GLOBAL_2022) -> NDArray[np.float64]:
    """Lower limit of normal of FEV1/FVC (a ratio): its ``lln_z`` centile under ``equations``."""
    return centile_value(parameter_value("lln_z"), *lms(sex, age, height_cm, Outcome.FEV1FVC, equations))


def below_ratio_lower_limit(fev1_l: ArrayLike, fvc_l: ArrayLike, lower_limit: ArrayLike) -> NDArray[np.bool_]:
    """COPD by the lower limit of normal: FEV1/FVC below it, compared without a division (FEV1 < LLN x FVC)."""
    return np.asarray(np.asarray(fev1_l) < np.asarray(lower_limit) * np.asarray(fvc_l), dtype=np.bool_)


def zscore(value: ArrayLike, sex: ArrayLike, age: ArrayLike, height_cm: ArrayLike,
           outcome: Outcome = Outcome.FEV1, equations: Equations = Equations.GLI_GLOBAL_2022,
           ethnicity: Ethnicity = Ethnicity.CAUCASIAN) -> FloatArray:
    """z-score of an observed value."""
    return zscore_from_lms(value, *lms(sex, age, height_cm, outcome, equations, ethnicity))


def percent_predicted(value: ArrayLike, sex: ArrayLike, age: ArrayLike, height_cm: ArrayLike,
                      outcome: Outcome = Outcome.FEV1, equations: Equations = Equations.GLI_GLOBAL_2022,
                      ethnicity: Ethnicity = Ethnicity.CAUCASIAN) -> FloatArray:
    """Observed value as a percentage of predicted."""
    return np.asarray(100.0 * np.asarray(value, dtype=np.float64)
                      / predicted(sex, age, height_cm, outcome, equations, ethnicity), dtype=np.float64)


def parse_equations(text: str) -> Equations:
    """``"gli_global_2022"``/``"gli-global"``/``"gli_2012"`` -> :class:`Equations`."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"gli_global": Equations.GLI_GLOBAL_2022, "gli_2022": Equations.GLI_GLOBAL_2022,
               "global": Equations.GLI_GLOBAL_2022, "gli2012": Equations.GLI_2012}
    if key in aliases:
        return aliases[key]
    try:
        return Equations(key)
    except ValueError:
        raise InputError("equations", text, "gli_global_2022 or gli_2012") from None


def parse_sex(text: str) -> int:
    """``"female"``/``"f"`` -> 0, ``"male"``/``"m"`` -> 1."""
    key = text.strip().lower()
    if key in ("female", "f", "woman", "w"):
        return 0
    if key in ("male", "m", "man"):
        return 1
    raise InputError("sex", text, "female or male")


__all__ = [
    "EQUATION_SOURCES",
    "LLN_Z",
    "Equations",
    "Ethnicity",
    "Outcome",
    "below_ratio_lower_limit",
    "centile_value",
    "lms",
    "lower_limit_of_normal",
    "parse_equations",
    "parse_sex",
    "percent_predicted",
    "predicted",
    "ratio_lower_limit",
    "zscore",
    "zscore_from_lms",
]
