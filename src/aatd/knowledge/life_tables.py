"""The period life table (qx by single year of age and sex).

``life_table.csv`` holds the probability of dying between exact ages x and x+1 (qx) for
ages 0-99 from the United States Life Tables, 2017 (Arias & Xu 2019). Ages of 100 and above
are closed with qx = 1 (the model stops at 90 in any case).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from aatd.errors import DataError, InputError
from aatd.knowledge import read_table

LIFE_TABLE = "life_table.csv"
SEXES = ("female", "male")
MAX_AGE = 100


@dataclass(frozen=True, slots=True)
class LifeTable:
    """qx by single year of age (index = age) for each sex; ``source`` names the table's source ids."""

    female: NDArray[np.float64]
    male: NDArray[np.float64]
    source: str

    def qx(self, sex: int) -> NDArray[np.float64]:
        """qx for ages 0..MAX_AGE (qx = 1 at MAX_AGE); ``sex`` 0 female, 1 male."""
        return self.male if sex == 1 else self.female

    def survival(self, sex: int, from_age: int, to_age: int) -> float:
        """Probability of surviving from exact age ``from_age`` to ``to_age``."""
        if not 0 <= from_age <= to_age <= MAX_AGE:
            raise InputError("age", (from_age, to_age), f"ages from 0 to {MAX_AGE}, in order")
        return float(np.prod(1.0 - self.qx(sex)[from_age:to_age]))


@cache
def life_table() -> LifeTable:
    """The packaged life table, validated (complete ages 0-99 for both sexes, 0 <= qx <= 1)."""
    values: dict[str, dict[int, float]] = {s: {} for s in SEXES}
    sources: set[str] = set()
    for row in read_table(LIFE_TABLE, ("age", "sex", "qx", "source")):
        sex = row.text("sex")
        if sex not in SEXES:
            raise DataError(LIFE_TABLE, row.line, f"sex {sex!r} is not female or male")
        age = row.required_number("age")
        qx = row.required_number("qx")
        if age != int(age) or not 0 <= age < MAX_AGE:
            raise DataError(LIFE_TABLE, row.line, f"age {age} is not a whole number from 0 to {MAX_AGE - 1}")
        if not 0.0 <= qx <= 1.0:
            raise DataError(LIFE_TABLE, row.line, f"qx {qx} is outside [0, 1]")
        if int(age) in values[sex]:
            raise DataError(LIFE_TABLE, row.line, f"duplicate age {int(age)} for {sex}")
        values[sex][int(age)] = qx
        sources.add(row.source())
    arrays = {}
    for sex in SEXES:
        if sorted(values[sex]) != list(range(MAX_AGE)):
            raise DataError(LIFE_TABLE, None, f"{sex}: ages 0-{MAX_AGE - 1} are not all present")
        arrays[sex] = np.array([values[sex][a] for a in range(MAX_AGE)] + [1.0])
    return LifeTable(female=arrays["female"], male=arrays["male"], source=";".join(sorted(sources)))
