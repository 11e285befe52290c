"""One person's spirometry read for the clinic: FEV1 % predicted and airflow obstruction.

Airflow obstruction (COPD) is FEV1/FVC below its lower limit of normal: the ``lln_z`` centile of
the GLI FEV1/FVC distribution (``progression_parameters.csv``, Quanjer 2012), the definition the
lung model counts as COPD (:func:`aatd.risk.spirometry.below_ratio_lower_limit`, used by both). The clinician page,
``aatd interpret`` and ``POST /api/v1/interpret`` read a spirometry through
:func:`describe_interpretation_with_spirometry`, so the same volumes reach the same verdict on
every face. The guidelines ask for post-bronchodilator values; a spirometry not marked as such is
still read, and the answer says so (:data:`aatd.clinic.augmentation.NOT_POST_BRONCHODILATOR`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aatd.clinic.answers import InterpretationAnswer
from aatd.clinic.augmentation import AirflowObstruction
from aatd.clinic.findings import MAX_AGE_YEARS
from aatd.clinic.interpretation import describe_interpretation
from aatd.errors import InputError
from aatd.knowledge import knowledge
from aatd.risk.spirometry import (
    EQUATION_SOURCES,
    Equations,
    Outcome,
    below_ratio_lower_limit,
    parse_sex,
    percent_predicted,
    ratio_lower_limit,
)

MAX_LITRES = 10.0
"""Largest FEV1 or FVC accepted, litres (an input cap, as for stored spirometry)."""
MIN_LITRES = 0.05
"""Smallest FEV1 or FVC accepted, litres."""
MAX_HEIGHT_CM = 250.0
"""Tallest height accepted, cm (an input cap)."""
SPIROMETRY_FIELDS = frozenset({"fev1_l", "fvc_l", "sex", "height_cm", "age", "post_bronchodilator"})


@dataclass(frozen=True, slots=True)
class LungFunction:
    """A spirometry read against the reference equations: FEV1 % predicted (1 decimal) and obstruction."""

    fev1_pct: float
    airflow: AirflowObstruction


def _litres(field: str, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) \
            or not MIN_LITRES <= raw <= MAX_LITRES:
        raise InputError(field, raw, f"litres between {MIN_LITRES:g} and {MAX_LITRES:g}")
    return float(raw)


def lung_function(fev1_l: float, fvc_l: float, sex: str, age: float, height_cm: float,
                  post_bronchodilator: bool | None = None,
                  equations: Equations = Equations.GLI_GLOBAL_2022) -> LungFunction:
    """FEV1 % predicted and airflow obstruction from FEV1 and FVC (litres), sex, age (years) and height (cm).

    FEV1 % predicted is rounded to one decimal, as a spirometry report prints it, so the number shown
    is the number the guideline bounds are compared with. Raises :class:`InputError` naming the field.
    """
    fev1 = _litres("spirometry.fev1_l", fev1_l)
    fvc = _litres("spirometry.fvc_l", fvc_l)
    if fev1 > fvc:
        raise InputError("spirometry.fev1_l", fev1, f"an FEV1 no larger than the FVC ({fvc:g} L)")
    if isinstance(age, bool) or not isinstance(age, int | float) or not math.isfinite(age) \
            or not 0 <= age <= MAX_AGE_YEARS:
        raise InputError("spirometry.age", age, "the age in years at the spirometry")
    if isinstance(height_cm, bool) or not isinstance(height_cm, int | float) or not math.isfinite(height_cm) \
            or not 0 < height_cm <= MAX_HEIGHT_CM:
        raise InputError("spirometry.height_cm", height_cm, f"a height in cm, above 0 and at most {MAX_HEIGHT_CM:g}")
    if post_bronchodilator is not None and not isinstance(post_bronchodilator, bool):
        raise InputError("spirometry.post_bronchodilator", post_bronchodilator, "true, false or nothing")
    code = _sex(sex)
    try:
        percent = round(float(percent_predicted(fev1, code, age, height_cm, Outcome.FEV1, equations)), 1)
        limit = float(ratio_lower_limit(code, age, height_cm, equations))
    except InputError as exc:  # the equations' age range (3-95 years)
        raise InputError(f"spirometry.{exc.field}", exc.value, exc.expected) from None
    name = f"{_EQUATION_NAMES[equations]}; {knowledge().sources[EQUATION_SOURCES[equations]].short}"
    airflow = AirflowObstruction(bool(below_ratio_lower_limit(fev1, fvc, limit)), fev1 / fvc, limit, name,
                                 post_bronchodilator)
    return LungFunction(percent, airflow)


_EQUATION_NAMES = {Equations.GLI_GLOBAL_2022: "GLI Global 2022", Equations.GLI_2012: "GLI-2012"}


def _sex(sex: str) -> int:
    if not isinstance(sex, str):
        raise InputError("spirometry.sex", sex, "female or male")
    try:
        return parse_sex(sex)
    except InputError:
        raise InputError("spirometry.sex", sex, "female or male (the reference equations are by sex)") from None


def describe_interpretation_with_spirometry(*, spirometry: Mapping[str, Any] | None = None,
                                            **inputs: Any) -> InterpretationAnswer:
    """:func:`aatd.clinic.interpretation.describe_interpretation`, with FEV1 % predicted and airflow
    obstruction read from ``spirometry`` (``fev1_l``, ``fvc_l``, ``sex``, ``height_cm``, ``age`` at the
    spirometry - the interpretation's ``age`` when left out - and ``post_bronchodilator``).

    A spirometry replaces a typed FEV1 % predicted: giving both is refused (field ``fev1_pct``).
    """
    if spirometry is None:
        return describe_interpretation(**inputs)
    unknown = sorted(set(spirometry) - SPIROMETRY_FIELDS)
    if unknown:
        raise InputError(f"spirometry.{unknown[0]}", spirometry[unknown[0]],
                         "one of " + ", ".join(sorted(SPIROMETRY_FIELDS)))
    if inputs.get("fev1_pct") is not None:
        raise InputError("fev1_pct", inputs["fev1_pct"], "no FEV1 % predicted when a spirometry is given "
                         "(it is computed from the spirometry)")
    age = spirometry.get("age", inputs.get("age"))
    if isinstance(age, str):
        try:
            age = float(age)
        except ValueError:
            raise InputError("spirometry.age", age, "the age in years at the spirometry") from None
    for field in ("fev1_l", "fvc_l", "sex", "height_cm"):
        if spirometry.get(field) is None:
            raise InputError(f"spirometry.{field}", None, "FEV1 and FVC in litres, sex and height in cm")
    if age is None:
        raise InputError("spirometry.age", None, "the age in years at the spirometry")
    found = lung_function(spirometry["fev1_l"], spirometry["fvc_l"], spirometry["sex"], age,
                          spirometry["height_cm"], spirometry.get("post_bronchodilator"))
    return describe_interpretation(**{**inputs, "fev1_pct": found.fev1_pct}, airflow=found.airflow)


__all__ = ["LungFunction", "describe_interpretation_with_spirometry", "lung_function"]
