"""Period life tables by country (qx by single year of age and sex), chosen by ``country``.

Two tables feed one :class:`LifeTable` shape:

- ``life_table.csv``: the United States Life Tables, 2017 (Arias & Xu 2019), qx for single years
  of age 0-99. This stays the default (:data:`DEFAULT_COUNTRY`).
- ``life_tables_abridged.csv``: the United Nations World Population Prospects 2019 abridged
  tables for 2015-2020 (central death rates nMx at ages 0, 1, 5, 10, ..., 95 and 100+) for every
  other country of the allele-frequency table, copied unchanged by
  ``scripts/life_tables_from_wpp.py``.

Expansion rule for an abridged table (:func:`expand_abridged`): the central death rate nMx of an
age interval is taken as a constant force of mortality over every single year in it, so
qx = 1 - exp(-nMx) for each year x of the interval. Life expectancy at birth from the expanded
tables is within 0.2 years of the value the UN prints for each table (0.07-0.13 years below it for
all but Cape Verde, 0.01 above; tested).

Ages of 100 and above are closed with qx = 1 (the model stops at 90 in any case).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from aatd.errors import DataError, InputError
from aatd.knowledge import read_table

LIFE_TABLE = "life_table.csv"
ABRIDGED = "life_tables_abridged.csv"
SEXES = ("female", "male")
MAX_AGE = 100
DEFAULT_COUNTRY = "USA"
MAX_NAME_FOR_HINT = 60  # characters: longer input gets no "did you mean" (keeps the comparison cheap)
US_DESCRIPTION = "United States Life Tables, 2017 (National Center for Health Statistics), single years of age"
WPP_DESCRIPTION = ("United Nations World Population Prospects 2019, abridged life table for 2015-2020, "
                   "expanded to single years of age")


@dataclass(frozen=True, slots=True)
class LifeTable:
    """qx by single year of age (index = age, years) for each sex, and which table it is.

    ``source`` names the table's source ids; ``country`` is the name the table is chosen by;
    ``description`` says which published table it is, for the answer; ``open_rate`` holds the
    death rate per year at ages 100+ (female, male) when the source gives one (for life
    expectancy only: the model closes the table with qx = 1 at 100); ``published_e0`` the life
    expectancy at birth (years; female, male) printed by the source, when it prints one per table.
    """

    female: NDArray[np.float64]
    male: NDArray[np.float64]
    source: str
    country: str = DEFAULT_COUNTRY
    description: str = US_DESCRIPTION
    open_rate: tuple[float, float] | None = None
    published_e0: tuple[float, float] | None = None

    def qx(self, sex: int) -> NDArray[np.float64]:
        """qx for ages 0..MAX_AGE (qx = 1 at MAX_AGE); ``sex`` 0 female, 1 male."""
        return self.male if sex == 1 else self.female

    def survival(self, sex: int, from_age: int, to_age: int) -> float:
        """Probability of surviving from exact age ``from_age`` to ``to_age``."""
        if not 0 <= from_age <= to_age <= MAX_AGE:
            raise InputError("age", (from_age, to_age), f"ages from 0 to {MAX_AGE}, in order")
        return float(np.prod(1.0 - self.qx(sex)[from_age:to_age]))

    def life_expectancy_at_birth(self, sex: int) -> float:
        """Years lived on average from birth under this table.

        Deaths within a year of age are taken at mid-year; survivors to 100 then live
        1 / (the source's rate at 100+) years, or half a year when the source gives no rate.
        """
        qx = self.qx(sex)[:MAX_AGE]
        alive = np.concatenate(([1.0], np.cumprod(1.0 - qx)))
        years = float(np.sum(alive[:-1] - 0.5 * alive[:-1] * qx))
        after = 1.0 / self.open_rate[sex] if self.open_rate is not None else 0.5
        return years + float(alive[-1]) * after


def expand_abridged(starts: list[int], rates: list[float]) -> NDArray[np.float64]:
    """Single-year qx for ages 0..MAX_AGE from an abridged table (interval starts, nMx per year).

    Each interval's central death rate is a constant force of mortality over its single years:
    qx = 1 - exp(-nMx). The last interval (starting at MAX_AGE) is open and closed with qx = 1.
    """
    if not starts or starts[0] != 0 or starts[-1] != MAX_AGE or starts != sorted(set(starts)):
        raise ValueError(f"interval starts {starts} must rise from 0 to {MAX_AGE}")
    widths = np.diff(np.array(starts))
    qx = np.repeat(-np.expm1(-np.array(rates[:-1], dtype=np.float64)), widths)
    return np.concatenate((qx, [1.0]))


def _us_table() -> LifeTable:
    """The packaged US table, validated (complete ages 0-99 for both sexes, 0 <= qx <= 1)."""
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


@dataclass
class _Abridged:
    """One country's rows of the abridged table while reading (per sex: interval start -> nMx)."""

    rates: dict[str, dict[int, float]]
    e0: dict[str, float]
    sources: set[str]


def _abridged_tables() -> dict[str, LifeTable]:
    """The packaged abridged tables by country, validated and expanded (see :func:`expand_abridged`)."""
    read: dict[str, _Abridged] = {}
    for row in read_table(ABRIDGED, ("country", "sex", "age", "mx", "source")):
        country, sex = row.required("country"), row.text("sex")
        if sex not in SEXES:
            raise DataError(ABRIDGED, row.line, f"sex {sex!r} is not female or male")
        age, mx = row.required_number("age"), row.required_number("mx")
        if age != int(age) or not 0 <= age <= MAX_AGE:
            raise DataError(ABRIDGED, row.line, f"age {age} is not a whole number from 0 to {MAX_AGE}")
        if not (math.isfinite(mx) and 0.0 < mx < 10.0):
            raise DataError(ABRIDGED, row.line, f"death rate {mx} is not a positive rate per year")
        entry = read.setdefault(country, _Abridged({s: {} for s in SEXES}, {}, set()))
        if int(age) in entry.rates[sex]:
            raise DataError(ABRIDGED, row.line, f"duplicate age {int(age)} for {country}, {sex}")
        entry.rates[sex][int(age)] = mx
        e0 = row.number("published_e0")
        if e0 is not None:
            entry.e0[sex] = e0
        entry.sources.add(row.source())
    return {country: _expanded(country, entry) for country, entry in read.items()}


def _expanded(country: str, entry: _Abridged) -> LifeTable:
    arrays: dict[str, NDArray[np.float64]] = {}
    for sex in SEXES:
        starts = sorted(entry.rates[sex])
        try:
            arrays[sex] = expand_abridged(starts, [entry.rates[sex][a] for a in starts])
        except ValueError as exc:
            raise DataError(ABRIDGED, None, f"{country}, {sex}: {exc}") from None
    e0 = (entry.e0["female"], entry.e0["male"]) if set(entry.e0) == set(SEXES) else None
    return LifeTable(female=arrays["female"], male=arrays["male"], source=";".join(sorted(entry.sources)),
                     country=country, description=WPP_DESCRIPTION,
                     open_rate=(entry.rates["female"][MAX_AGE], entry.rates["male"][MAX_AGE]), published_e0=e0)


@cache
def _tables() -> dict[str, LifeTable]:
    """Every packaged table, keyed by lower-case country name."""
    tables = {DEFAULT_COUNTRY.lower(): _us_table()}
    for country, table in _abridged_tables().items():
        if country.lower() in tables:
            raise DataError(ABRIDGED, None, f"{country} has two life tables")
        tables[country.lower()] = table
    return tables


def life_table_countries() -> list[str]:
    """The countries with a packaged life table, sorted by name."""
    return sorted(t.country for t in _tables().values())


def life_table(country: str = DEFAULT_COUNTRY) -> LifeTable:
    """The life table of ``country`` (case-insensitive; default the US table).

    The one place every face (CLI, API, clinician and public pages) turns a country into a table;
    an unknown country is an :class:`InputError` on the field ``country`` listing those that exist.
    """
    key = country.strip().lower() if isinstance(country, str) else country
    table = _tables().get(key) if isinstance(key, str) else None
    if table is None:
        names = life_table_countries()
        import difflib  # only for a mistyped country: not loaded on every import

        text = str(country)
        close = difflib.get_close_matches(text, names, n=3) if len(text) <= MAX_NAME_FOR_HINT else []
        hint = f"did you mean {', '.join(close)}?" if close else ""
        raise InputError("country", country, "a country with a life table: " + ", ".join(names), hint=hint)
    return table
