"""The lung model's parameter table and its uncertainty (``progression_parameters.csv``).

Each row holds a published or calibrated value with its standard deviation. A simulation uses
the values in one of two ways:

* **central**: every parameter at its table value (one batch, no parameter uncertainty); used by
  the calibration, the verification and the exact reference loop;
* **two-level**: the people are split into batches; each batch draws one value of every uncertain
  parameter from a distribution with the table's mean and SD, and the people of a batch share it.
  The spread *within* a batch is the spread among people like you; the spread of the batch
  averages is the uncertainty of the average.

The draws never shift a mean: strictly positive values are log-normal with the table's mean and
SD, fractions are beta with the table's mean and SD, the male multiplier is 1 plus a log-normal
excess, and a value of exactly 0 stays 0 (no evidence of an effect in either direction). Nothing
is truncated, so the mean of every draw is the table value (tested).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from aatd.errors import DataError
from aatd.knowledge import read_table

FloatArray = NDArray[np.float64]

PARAMETER_TABLE = "progression_parameters.csv"
MODEL_GENOTYPES = ("MM", "MS", "MZ", "SS", "SZ", "ZZ", "Null")
EVIDENCE = ("strong", "moderate", "weak")
CALIBRATED_EVIDENCE = "calibrated to targets "  # e.g. "calibrated to targets T1-T6 by verification/calibrate.py"
FRACTIONS = frozenset({"former_smoker_residual_fraction", "fvc_fraction_of_fev1_loss",
                       "augmentation_decline_reduction"})
MULTIPLIERS = frozenset({"male_excess_multiplier"})


@dataclass(frozen=True, slots=True)
class CitedParameter:
    """One row of a cited parameter table of the risk model (``progression_parameters.csv``,
    ``liver_parameters.csv``): a value with its uncertainty (SD and/or 95% CI), unit, strength of
    evidence and ``source`` (source ids in ``sources.csv``).

    ``key`` is what the row is specific to: a model genotype class, a sex, an alcohol category or
    ``"all"`` (the tables' ``genotype`` column); ``genotype`` is the same value by its older name.
    """

    name: str
    key: str
    value: float
    sd: float
    ci_low: float | None
    ci_high: float | None
    unit: str
    evidence: str
    source: str
    notes: str

    @property
    def genotype(self) -> str:
        return self.key


Parameter = CitedParameter  # a row of progression_parameters.csv (keyed by model genotype)
CITED_COLUMNS = ("name", "genotype", "value", "ci_low", "ci_high", "unit", "evidence", "source", "notes")


def read_cited(table: str, evidence_ok: Callable[[str], bool]) -> Iterator[tuple[CitedParameter, int]]:
    """Rows of a cited parameter ``table`` with their line numbers, checked for evidence, SD and duplicates.

    An optional ``sd`` column (absent: 0) gives the SD of the value's uncertainty.
    """
    seen: set[tuple[str, str]] = set()
    for row in read_table(table, CITED_COLUMNS):
        evidence = row.text("evidence")
        if not evidence_ok(evidence):
            raise DataError(table, row.line, f"evidence {evidence!r} is not an accepted strength of evidence")
        sd = row.number("sd") or 0.0
        if sd < 0:
            raise DataError(table, row.line, f"sd {sd} is negative")
        param = CitedParameter(row.text("name"), row.text("genotype"), row.required_number("value"), sd,
                               row.number("ci_low"), row.number("ci_high"), row.text("unit"), evidence,
                               row.source(), row.text("notes"))
        if (param.name, param.key) in seen:
            raise DataError(table, row.line, f"duplicate parameter {param.name!r} for {param.key}")
        seen.add((param.name, param.key))
        yield param, row.line


def _progression_evidence(evidence: str) -> bool:
    return evidence in EVIDENCE or evidence.startswith(CALIBRATED_EVIDENCE)


@cache
def parameters() -> dict[tuple[str, str], CitedParameter]:
    """All progression parameters, keyed by (name, genotype or ``"all"``)."""
    table: dict[tuple[str, str], CitedParameter] = {}
    for param, line in read_cited(PARAMETER_TABLE, _progression_evidence):
        if param.key not in (*MODEL_GENOTYPES, "all"):
            raise DataError(PARAMETER_TABLE, line, f"genotype {param.key!r} is not a model genotype or 'all'")
        _check_distribution(param, line)
        table[(param.name, param.key)] = param
    return table


def _check_distribution(param: Parameter, line: int) -> None:
    if param.name in FRACTIONS and param.sd and not (0 < param.value < 1 and param.sd ** 2 < param.value * (
            1 - param.value)):
        raise DataError(PARAMETER_TABLE, line, f"{param.name}: no beta distribution has mean {param.value} "
                                               f"and SD {param.sd}")
    if param.name in MULTIPLIERS and param.value < 1:
        raise DataError(PARAMETER_TABLE, line, f"{param.name}: a multiplier below 1 ({param.value})")
    if param.sd and param.value < 0:
        raise DataError(PARAMETER_TABLE, line, f"{param.name}: an uncertain value must not be negative")


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


def overrides_key() -> tuple[tuple[tuple[str, str], float], ...]:
    """The active overrides as a hashable key: caches of derived values must include it (see lung.schedule)."""
    return tuple(sorted(_OVERRIDES.items()))


def value(name: str, genotype: str = "all") -> float:
    """The value of a parameter."""
    return parameter(name, genotype).value


def batch_values(name: str, genotype: str, z: FloatArray) -> FloatArray:
    """One value of a parameter per batch, from standard-normal draws ``z`` (mean-preserving, untruncated).

    With ``z`` of length 1 the table value itself is returned (the central simulation).
    """
    p = parameter(name, genotype)
    if z.size == 1 or p.sd == 0 or p.value == 0:
        return np.full(z.size, p.value)
    if name in FRACTIONS:
        common = p.value * (1 - p.value) / p.sd ** 2 - 1
        return np.asarray(stats.beta.ppf(stats.norm.cdf(z), p.value * common, (1 - p.value) * common),
                          dtype=np.float64)
    if name in MULTIPLIERS:
        return 1.0 + lognormal(p.value - 1.0, p.sd, z) if p.value > 1 else np.full(z.size, p.value)
    return lognormal(p.value, p.sd, z)


def lognormal(mean: float, sd: float, z: FloatArray) -> FloatArray:
    """Log-normal values with the given arithmetic mean and SD, from standard-normal ``z``."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return np.asarray(mean * np.exp(math.sqrt(sigma2) * z - sigma2 / 2), dtype=np.float64)
