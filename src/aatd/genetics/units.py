"""Units and assay methods for serum AAT, and conversions between them.

g/L and mg/dL differ by a definitional factor. Converting mass to molar concentration
(µmol/L) depends on the assay's calibration: modern nephelometric and turbidimetric
assays use a purified-protein standard, for which the molecular weight of AAT gives the
factor; historic radial immunodiffusion (RID) used commercial standards that read
higher, and the ATS/ERS statement gives its equivalence through the protective
threshold (11 µM ~ 80 mg/dL by RID). Both figures come from ``constants.csv``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from aatd.errors import InputError
from aatd.knowledge import knowledge


class Unit(StrEnum):
    """Units a serum AAT level is reported in."""

    MG_DL = "mg/dL"
    G_L = "g/L"
    UMOL_L = "umol/L"


class Method(StrEnum):
    """Assay methods for serum AAT."""

    NEPHELOMETRY = "nephelometry"
    IMMUNOTURBIDIMETRY = "immunoturbidimetry"
    RADIAL_IMMUNODIFFUSION = "radial_immunodiffusion"
    UNSPECIFIED = "unspecified"


_UNIT_SPELLINGS = {
    "mg/dl": Unit.MG_DL, "mgdl": Unit.MG_DL, "mg/100ml": Unit.MG_DL,
    "g/l": Unit.G_L, "gl": Unit.G_L,
    "umol/l": Unit.UMOL_L, "µmol/l": Unit.UMOL_L, "μmol/l": Unit.UMOL_L, "um": Unit.UMOL_L,
    "µm": Unit.UMOL_L, "μm": Unit.UMOL_L, "micromolar": Unit.UMOL_L, "micromol/l": Unit.UMOL_L,
}
_METHOD_SPELLINGS = {
    "nephelometry": Method.NEPHELOMETRY, "nephelometric": Method.NEPHELOMETRY, "neph": Method.NEPHELOMETRY,
    "immunoturbidimetry": Method.IMMUNOTURBIDIMETRY, "turbidimetry": Method.IMMUNOTURBIDIMETRY,
    "turbidimetric": Method.IMMUNOTURBIDIMETRY,
    "radial_immunodiffusion": Method.RADIAL_IMMUNODIFFUSION, "radialimmunodiffusion": Method.RADIAL_IMMUNODIFFUSION,
    "rid": Method.RADIAL_IMMUNODIFFUSION, "unspecified": Method.UNSPECIFIED, "unknown": Method.UNSPECIFIED,
}


_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
"""A decimal comma (``1,2``, ``45,5``): one comma followed by one or two digits, as lab reports in Spanish and
most of Europe write levels. Three digits after the comma (``1,200``) could be a thousands separator and are
refused."""


def parse_unit(text: str | Unit, field: str = "unit") -> Unit:
    """``mg/dL``, ``g/L``, ``µM``/``umol/L`` in any common spelling."""
    if isinstance(text, Unit):
        return text
    key = str(text).strip().lower().replace(" ", "")
    if key not in _UNIT_SPELLINGS:
        raise InputError(field, text, "one of mg/dL, g/L, umol/L (µM)")
    return _UNIT_SPELLINGS[key]


def parse_method(text: str | Method | None, field: str = "method") -> Method:
    """``nephelometry``, ``immunoturbidimetry``, ``radial_immunodiffusion`` (``RID``) or ``unspecified``."""
    if text is None:
        return Method.UNSPECIFIED
    if isinstance(text, Method):
        return text
    key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
    method = _METHOD_SPELLINGS.get(key) or _METHOD_SPELLINGS.get(key.replace("_", ""))
    if method is None:
        raise InputError(field, text, "one of " + ", ".join(m.value for m in Method))
    return method


def mg_dl_per_umol_l(method: Method = Method.NEPHELOMETRY) -> float:
    """mg/dL that correspond to 1 µmol/L for an assay ``method``.

    Purified-standard assays: molecular weight (kDa) / 10. RID (commercial standard):
    the ATS/ERS equivalence of the protective threshold in mg/dL by RID and in µM.
    """
    k = knowledge()
    if method is Method.RADIAL_IMMUNODIFFUSION:
        return k.constant("protective_threshold_mg_dl_rid") / k.constant("protective_threshold_umol_l")
    return k.constant("aat_molecular_weight_kda") / 10.0


CONVERSION_DECIMALS = 9
"""A converted level is rounded to this many decimals of µmol/L (a billionth, far below any assay's
resolution), so that floating-point error cannot put one value on two sides of a threshold: 0.572 g/L
and 57.2 mg/dL are both exactly 11 µmol/L (unrounded, 0.572 g/L gave 10.999999999999998)."""


def to_umol_l(value: float, unit: Unit, method: Method = Method.UNSPECIFIED) -> float:
    """Convert a level to µmol/L (``unspecified`` methods are taken as purified-standard), rounded to
    :data:`CONVERSION_DECIMALS` decimals so that the same level in any unit meets the same thresholds."""
    if unit is Unit.UMOL_L:
        return value
    mg_dl = value * knowledge().constant("mg_dl_per_g_l") if unit is Unit.G_L else value
    return round(mg_dl / mg_dl_per_umol_l(method), CONVERSION_DECIMALS)


def shown_against(value: float, limit: float, decimals: int = 1) -> str:
    """``value`` with ``decimals`` decimals, or more (up to 6) when fewer would print it on the other side of
    ``limit``: 10.96 against 11 prints "10.96", never "11.0" beside "is below 11"."""
    for places in range(decimals, 7):
        text = f"{value:.{places}f}"
        if (float(text) < limit) == (value < limit) and (float(text) == limit) == (value == limit):
            return text
    return f"{value!r}"


def from_umol_l(umol_l: float, unit: Unit, method: Method = Method.UNSPECIFIED) -> float:
    """Convert µmol/L to ``unit`` as an assay of ``method`` would report it."""
    if unit is Unit.UMOL_L:
        return umol_l
    mg_dl = umol_l * mg_dl_per_umol_l(method)
    return mg_dl / knowledge().constant("mg_dl_per_g_l") if unit is Unit.G_L else mg_dl


_LEVEL_TEXT = re.compile(r"\s*(?P<qualifier><=|=<|≤|<|>=|=>|≥|>)?\s*(?P<number>[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.][0-9]+)"
                         r"(?:[eE][+-]?[0-9]+)?)\s*")
"""A level as text: one optional qualifier, then one number in plain digits (a decimal point, or a decimal comma
as in :data:`_DECIMAL_COMMA`), nothing else. ``<<20``, ``20<``, ``< 2 0`` and ``1_000`` do not match."""

_BELOW = frozenset({"<", "<=", "=<", "≤"})
"""Qualifiers of a result reported as at most a value (below the assay's detection limit): an upper bound."""

LEVEL_EXPECTED = "a number, optionally after one '<' (or '<=', '≤') for a result below detection, e.g. 85 or <20"


def _level_text(text: str, field: str, expected: str = LEVEL_EXPECTED) -> tuple[bool, float]:
    """(below, number) of a level (or a CRP: ``expected`` names it) typed as text, e.g. ``"<20"``;
    :class:`InputError` for anything else.

    The qualifier may appear once (``<<20`` was read as ``<20``: security review w8). A result reported as
    above a value (``>20``) is refused: it is a lower bound, which no interpretation here can use.
    """
    match = _LEVEL_TEXT.fullmatch(text)
    if match is None:
        raise InputError(field, text, expected)
    qualifier, number = match["qualifier"], match["number"]
    if qualifier is not None and qualifier not in _BELOW:
        raise InputError(field, text, expected,
                         hint=f"a result reported as above a value ('{qualifier}') cannot be interpreted")
    if "," in number:
        if not _DECIMAL_COMMA.match(number):  # "1,2" g/L as written in Spain; "1,200" stays ambiguous
            raise InputError(field, text, expected, hint="a comma is read only as a decimal comma, as in 1,2")
        number = number.replace(",", ".")
    return qualifier is not None, float(number)


@dataclass(frozen=True, slots=True)
class Level:
    """A measured serum AAT level.

    ``below`` marks a result reported as "less than ``value``" (e.g. below the assay's
    detection limit): it is then an upper bound, not a point value.
    """

    value: float
    unit: Unit = Unit.MG_DL
    method: Method = Method.UNSPECIFIED
    below: bool = False

    @classmethod
    def parse(cls, value: float | str, unit: str | Unit = Unit.MG_DL, method: str | Method | None = None,
              field: str = "level") -> Level:
        """Validate a level from user input; ``value`` may be ``"<20"`` for a censored result."""
        below = False
        raw = value
        if isinstance(value, str):
            below, value = _level_text(value, f"{field}.value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"{field}.value", raw, "a finite number")
        if value < 0:
            raise InputError(f"{field}.value", raw, "a level of zero or more")
        level = cls(float(value), parse_unit(unit, f"{field}.unit"), parse_method(method, f"{field}.method"), below)
        refuse_impossible(level, f"{field}.value", raw)
        return level

    @property
    def umol_l(self) -> float:
        """The level in µmol/L."""
        return to_umol_l(self.value, self.unit, self.method)

    def __str__(self) -> str:
        prefix = "<" if self.below else ""
        method = "" if self.method is Method.UNSPECIFIED else f", {self.method.value}"
        return f"{prefix}{self.value:g} {self.unit.value}{method}"


# --- plausibility: one check for every face (CLI, API, web pages, files) -----------------


def impossible_above_umol_l() -> float:
    """Above this (µmol/L) no serum AAT is possible (``constants.csv``: an aatd convention)."""
    k = knowledge()
    return k.constant("typical_level_max_umol_l") * k.constant("impossible_level_factor")


def _typical(umol_l: float) -> bool:
    """Whether a numeric level (µmol/L) lies in the range measured in people (up to the MM upper limit)."""
    k = knowledge()
    floor = to_umol_l(k.constant("undetectable_level_mg_dl"), Unit.MG_DL, Method.NEPHELOMETRY)
    return floor < umol_l <= k.constant("typical_level_max_umol_l")


def _possible(umol_l: float) -> bool:
    return umol_l <= impossible_above_umol_l()


def _as(level: Level, unit: Unit) -> float:
    return to_umol_l(level.value, unit, level.method)


def refuse_impossible(level: Level, field: str = "level.value", raw: object = None) -> None:
    """Raise :class:`InputError` when ``level`` is impossible in every unit (mg/dL, g/L, µmol/L)."""
    if any(_possible(_as(level, unit)) for unit in Unit):
        return
    limit = impossible_above_umol_l()
    raise InputError(field, raw if raw is not None else level.value,
                     f"a serum AAT level below {from_umol_l(limit, Unit.MG_DL):.0f} mg/dL "
                     f"({from_umol_l(limit, Unit.G_L):.1f} g/L, {limit:.0f} umol/L)",
                     hint="no unit makes this value a possible serum level: check the result and its unit")


@dataclass(frozen=True, slots=True)
class UnitCheck:
    """A level that is implausible in its own unit but ordinary in another: check the unit.

    ``possible`` is whether the value could still be real in the unit given (85 µmol/L could
    be; 120 g/L could not).
    """

    given: Level
    likely_unit: Unit
    likely_umol_l: float
    possible: bool

    @property
    def message(self) -> str:
        """One sentence that is true of the value entered."""
        as_given = "is not a possible serum level" if not self.possible else "is outside the range measured in people"
        return (f"Check the unit: {self.given.value:g} {self.given.unit.value} {as_given}, while "
                f"{self.given.value:g} {self.likely_unit.value} ({self.likely_umol_l:.1f} umol/L) would be an "
                "ordinary result.")


def unit_check(level: Level) -> UnitCheck | None:
    """A :class:`UnitCheck` when ``level`` is atypical in its unit and typical in another; else ``None``.

    Censored results ("<x") are checked the same way on their bound.
    """
    given = level.umol_l
    if _typical(given) or (level.below and given <= impossible_above_umol_l() and given > 0):
        return None
    for unit in Unit:
        if unit is not level.unit and _typical(_as(level, unit)):
            return UnitCheck(level, unit, _as(level, unit), _possible(given))
    return None


# --- C-reactive protein: the marker of inflammation read with a level ------------------------


class CrpUnit(StrEnum):
    """Units a CRP is reported in: mg/L (most of the world) or mg/dL (many US laboratories)."""

    MG_L = "mg/L"
    MG_DL = "mg/dL"


_CRP_UNIT_SPELLINGS = {"mg/l": CrpUnit.MG_L, "mgl": CrpUnit.MG_L, "mg/dl": CrpUnit.MG_DL, "mgdl": CrpUnit.MG_DL,
                       "mg/100ml": CrpUnit.MG_DL}
CRP_UNIT_EXPECTED = "mg/L or mg/dL (the unit of the CRP on the report)"


def parse_crp_unit(text: str | CrpUnit | None, field: str = "crp_unit") -> CrpUnit:
    """``mg/L`` (also when not given, as every face took CRP before units were asked) or ``mg/dL``."""
    if text is None:
        return CrpUnit.MG_L
    if isinstance(text, CrpUnit):
        return text
    unit = _CRP_UNIT_SPELLINGS.get(str(text).strip().lower().replace(" ", "")) if isinstance(text, str) else None
    if unit is None:
        raise InputError(field, text, CRP_UNIT_EXPECTED)
    return unit


def crp_mg_l_per_unit(unit: CrpUnit) -> float:
    """mg/L in one ``unit`` of CRP: 1, or 10 for mg/dL (``constants.csv``, UCUM)."""
    return 1.0 if unit is CrpUnit.MG_L else knowledge().constant("crp_mg_l_per_mg_dl")


@dataclass(frozen=True, slots=True)
class Crp:
    """A C-reactive protein result as entered (``value`` in ``unit``) and, converted once, in mg/L.

    The inflammation cut-off is in mg/L, so ``mg_l`` is what rules compare; ``value`` and ``unit``
    are what sentences repeat, so that a person reads back the number on their report.
    ``mg_l`` is rounded to :data:`CONVERSION_DECIMALS` decimals: x mg/dL and 10x mg/L are the same CRP.
    ``below`` marks a result reported as "less than ``value``" (``<5 mg/L``, a common reporting limit): an
    upper bound, accepted only at or below the cut-off, where it says the CRP is below it.
    """

    value: float
    unit: CrpUnit
    mg_l: float
    below: bool = False

    @classmethod
    def of(cls, value: float, unit: CrpUnit = CrpUnit.MG_L, below: bool = False) -> Crp:
        """A CRP from a checked number (see :meth:`parse` for user input)."""
        return cls(float(value), unit, round(float(value) * crp_mg_l_per_unit(unit), CONVERSION_DECIMALS), below)

    @classmethod
    def parse(cls, value: float | str, unit: str | CrpUnit | None = None, field: str = "crp") -> Crp:
        """Validate a CRP from user input: a finite number of zero or more (a decimal comma is read as in
        :meth:`Level.parse`), or ``<number`` for a result below the laboratory's reporting limit, in mg/L (the
        default) or mg/dL; anything else is refused naming ``field``."""
        raw = value
        parsed_unit = parse_crp_unit(unit, f"{field}_unit")
        below = False
        if isinstance(value, str):  # one qualifier at most, as for a level ("<<5" is refused)
            below, value = _level_text(value, field, f"a CRP of zero or more, in {parsed_unit.value}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise InputError(field, raw, f"a CRP of zero or more, in {parsed_unit.value}")
        crp = cls.of(value, parsed_unit, below)
        cutoff_mg_l = knowledge().constant("crp_inflammation_cutoff_mg_l")
        if below and crp.mg_l > cutoff_mg_l:
            limit = cutoff_mg_l / crp_mg_l_per_unit(parsed_unit)
            raise InputError(field, raw, f"a CRP value, or '<' with a limit of at most {limit:g} {parsed_unit.value}",
                             hint=f"a CRP below {value:g} {parsed_unit.value} may still be at or above the "
                                  f"inflammation cut-off ({cutoff_mg_l:g} mg/L)")
        return crp

    @property
    def converted(self) -> bool:
        """Whether the CRP was given in another unit than mg/L."""
        return self.unit is not CrpUnit.MG_L

    def __str__(self) -> str:
        """``12 mg/L``, ``1.2 mg/dL (12 mg/L)`` when converted, ``<0.5 mg/dL (<5 mg/L)`` below a reporting
        limit; never printed on the other side of the inflammation cut-off than the rules read it
        (4.9999999 mg/L is not shown as "5 mg/L" beside "below")."""
        prefix = "<" if self.below else ""
        if self.below:  # "<x" with x at or below the cut-off: below it however x is rounded
            given = f"<{self.value:g} {self.unit.value}"
        else:
            cutoff_mg_l = knowledge().constant("crp_inflammation_cutoff_mg_l")
            limit = cutoff_mg_l / crp_mg_l_per_unit(self.unit)
            given = f"{_shown_beside(self.value, limit, self.mg_l >= cutoff_mg_l)} {self.unit.value}"
        return f"{given} ({prefix}{self.mg_l_text} mg/L)" if self.converted else given

    @property
    def mg_l_text(self) -> str:
        """The value in mg/L as sentences print it: shortest form, on the side of the cut-off the rules read."""
        if self.below:
            return f"{self.mg_l:g}"
        cutoff_mg_l = knowledge().constant("crp_inflammation_cutoff_mg_l")
        return _shown_beside(self.mg_l, cutoff_mg_l, self.mg_l >= cutoff_mg_l)


def _shown_beside(value: float, limit: float, at_or_above: bool) -> str:
    """``value`` in its shortest form (``{:g}``), or with as many decimals as keep it on the side of ``limit``
    the rules read it on (``at_or_above``)."""
    text = f"{value:g}"
    if (float(text) >= limit) == at_or_above:
        return text
    return shown_against(value, limit)
