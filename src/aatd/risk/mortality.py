"""Competing causes of death: how the life-table hazard is split and what smoking adds.

Each simulated year a person's hazard of death is the sum of four causes:

* **respiratory**: the population's respiratory share of the life-table hazard plus the excess
  hazard of a low FEV1 (``mortality_hazard_fev1_*`` in ``progression_parameters.csv``);
* **liver**: from the simulated liver states (decompensated cirrhosis, liver cancer;
  :mod:`aatd.risk.liver`), split into liver failure and liver cancer;
* **smoking-related, not respiratory**: (rate ratio - 1) x the rest of the life table while
  smoking, and a fraction of it after quitting that grows with the age at quitting
  (``smoking_mortality.csv``: Inoue-Choi 2017, Doll 2004);
* **other**: the life-table hazard net of its respiratory and liver shares and of the non-respiratory
  deaths caused by active smoking (``population_death_share_smoking_attributable``), so that it is a
  never-smoker's hazard and the smoking excess above is not counted twice (since wave 4b; the life table
  includes smokers).

The respiratory and liver shares come from Tanash 2016 (expected deaths for the Swedish register's age
and sex mix); the smoking-attributable share from the CDC (US, Surgeon General 2014), applied at every
adult age.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import numpy as np

from aatd.errors import DataError
from aatd.knowledge import read_table

TABLE = "smoking_mortality.csv"
KINDS = ("rate_ratio", "quit_residual")
CAUSES = ("respiratory", "liver_failure", "liver_cancer", "smoking_related", "other")
CAUSE_GROUPS = {"respiratory": ("respiratory",), "liver": ("liver_failure", "liver_cancer"),
                "smoking_related": ("smoking_related",), "other": ("other",)}


@dataclass(frozen=True, slots=True)
class Curve:
    """A piecewise-linear curve through published points (held flat beyond the last point)."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    sources: tuple[str, ...]

    def __call__(self, at: float) -> float:
        return float(np.interp(at, self.x, self.y))


@cache
def curves() -> dict[str, Curve]:
    """The smoking rate-ratio curve (by cigarettes/day) and the quit-residual curve (by age at quitting)."""
    points: dict[str, list[tuple[float, float, str]]] = {k: [] for k in KINDS}
    for row in read_table(TABLE, ("kind", "x", "value", "source")):
        kind = row.one_of("kind", KINDS)
        points[kind].append((row.required_number("x"), row.required_number("value"), row.source()))
    out = {}
    for kind, rows in points.items():
        rows.sort()
        xs, ys = [r[0] for r in rows], [r[1] for r in rows]
        if len(rows) < 2 or len(set(xs)) != len(xs):
            raise DataError(TABLE, None, f"{kind}: needs two or more points with distinct x")
        if any(b < a for a, b in pairwise(ys)):
            raise DataError(TABLE, None, f"{kind}: values must not fall as x rises (more exposure never helps)")
        out[kind] = Curve(tuple(xs), tuple(ys), tuple(dict.fromkeys(r[2] for r in rows)))
    if out["rate_ratio"](0.0) != 1.0:
        raise DataError(TABLE, None, "rate_ratio at 0 cigarettes/day must be 1")
    return out


def smoking_rate_ratio(cigarettes_per_day: float) -> float:
    """All-cause death-rate ratio of a continuing smoker vs never-smokers at this intensity."""
    return curves()["rate_ratio"](cigarettes_per_day)


def quit_residual(quit_age: float) -> float:
    """Fraction of the smoking excess hazard that remains after quitting at ``quit_age``."""
    return curves()["quit_residual"](quit_age)
