"""Validation of a result before it is stored; the checks are the core's (no genetics here)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from aatd.errors import InputError
from aatd.genetics.genotypes import parse_genotype, parse_phenotype
from aatd.genetics.units import Crp, Level, crp_mg_l_per_unit, parse_crp_unit
from aatd.limits import is_printable
from aatd.web.models import RESULT_KINDS

_MAX_CRP_MG_L = 1000.0
"""Largest CRP stored (mg/L; 100 mg/dL): an input cap, far above any reported CRP, not a clinical rule."""
_MAX_LITRES = 10.0


def _number(field: str, value: object, low: float, high: float, what: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InputError(field, value, what) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(field, value, what)
    if not low <= value <= high:
        raise InputError(field, value, what)
    return float(value)


def _free_text(field: str, value: object, max_length: int) -> str | None:
    """Optional text: a number or an object is refused, not stored as its Python spelling."""
    if value is not None and not isinstance(value, str):
        raise InputError(field, value, f"text of at most {max_length} printable characters")
    text = (value or "").strip()
    if len(text) > max_length or not is_printable(text, lines=True):
        raise InputError(field, value, f"at most {max_length} printable characters")
    return text or None


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        taken = value
    else:
        try:
            taken = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError("taken_on", value, "a date as YYYY-MM-DD") from None
    if not dt.date(1900, 1, 1) <= taken <= dt.date.today() + dt.timedelta(days=1):
        raise InputError("taken_on", value, "a date between 1900-01-01 and today")
    return taken


def _level(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("value") in (None, ""):
        raise InputError("value", data.get("value"), "a level such as 85, or '<20' below detection")
    level = Level.parse(data["value"], data.get("unit") or "mg/dL", data.get("method") or None, field="level")
    if level.value > 10_000:
        raise InputError("level.value", data["value"], "a level below 10000")
    return {"value": level.value, "below": level.below, "unit": level.unit.value, "method": level.method.value}


def _crp(data: dict[str, Any]) -> dict[str, Any]:
    """A CRP is stored as entered, value and unit (mg/L or mg/dL; a missing unit is mg/L, as before units were
    asked), with ``below`` for a "<5" result; every reader converts it with the core's
    :class:`~aatd.genetics.units.Crp`. Any other unit is refused, never relabelled (20 mg/dL is 200 mg/L)."""
    given = data.get("unit")
    unit = parse_crp_unit(None if given == "" else given, "unit")
    most = _MAX_CRP_MG_L / crp_mg_l_per_unit(unit)
    raw = data.get("value")
    crp = Crp.parse(raw if raw is not None else "", unit, "value")
    if crp.value > most:
        raise InputError("value", raw, f"CRP in {unit.value}, 0 to {most:g}")
    return {"value": crp.value, "below": crp.below, "unit": unit.value}


def _spirometry(data: dict[str, Any]) -> dict[str, Any]:
    fev1 = _number("fev1_l", data.get("fev1_l"), 0.05, _MAX_LITRES, "FEV1 in litres, 0.05 to 10")
    fvc = _number("fvc_l", data.get("fvc_l"), 0.05, _MAX_LITRES, "FVC in litres, 0.05 to 10")
    if fev1 > fvc:
        raise InputError("fev1_l", fev1, f"FEV1 no larger than FVC ({fvc:g} L)")
    return {"fev1_l": fev1, "fvc_l": fvc, "post_bronchodilator": _post_bronchodilator(data.get("post_bronchodilator"))}


_YES_NO = {"yes": True, "true": True, "no": False, "false": False}


def _post_bronchodilator(value: object) -> bool | None:
    """Whether a spirometry was measured after a bronchodilator: true/false (or the form's yes/no); nothing or ''
    when not said. Anything else is refused, never guessed."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("", *_YES_NO):
        return _YES_NO.get(value.strip().lower())
    raise InputError("post_bronchodilator", value, "yes, no, or nothing when not said")


def clean_result(data: dict[str, Any]) -> dict[str, Any]:
    """Columns of a :class:`~aatd.web.models.Result` from user input, or :class:`InputError`."""
    kind = str(data.get("kind", "")).strip().lower()
    if kind not in RESULT_KINDS:
        raise InputError("kind", data.get("kind"), "one of " + ", ".join(RESULT_KINDS))
    columns: dict[str, Any] = {"kind": kind, "taken_on": _date(data.get("taken_on"))}
    if kind == "level":
        columns |= _level(data)
    elif kind == "crp":
        columns |= _crp(data)
    elif kind == "genotype":
        columns |= {"text": parse_genotype(str(data.get("text") or ""), field="text").canonical,
                    "panel": _free_text("panel", data.get("panel"), 200)}
    elif kind == "phenotype":
        columns |= {"text": parse_phenotype(str(data.get("text") or ""), field="text").canonical}
    else:
        columns |= _spirometry(data)
    columns["note"] = _free_text("note", data.get("note"), 2000)
    return columns


def _crp_text(value: float, below: bool, unit: str | None) -> str:
    """``12 mg/L``, ``1.2 mg/dL (12 mg/L)`` or ``<5 mg/L``; a unit the core does not know (never stored by aatd)
    is shown as stored, not converted."""
    try:
        return str(Crp.of(value, parse_crp_unit(unit), below))
    except InputError:
        return f"{'<' if below else ''}{value:g} {unit}"


def describe(result_kind: str, value: float | None, below: bool, unit: str | None, method: str | None,
             text: str | None, panel: str | None, fev1_l: float | None, fvc_l: float | None,
             post_bronchodilator: bool | None = None) -> str:
    """A short human-readable rendering of a stored result."""
    if result_kind == "level":
        shown_unit = "µmol/L" if unit == "umol/L" else unit
        shown_method = str(method or "unspecified").replace("_", " ")
        return f"{'<' if below else ''}{value:g} {shown_unit} ({shown_method})" if value is not None else "-"
    if result_kind == "crp":
        return _crp_text(value, below, unit) if value is not None else "-"
    if result_kind == "genotype":
        return f"{text}" + (f" (panel: {panel})" if panel else "")
    if result_kind == "phenotype":
        return f"phenotype {text}"
    if fev1_l is not None and fvc_l is not None:
        marked = "" if post_bronchodilator is None else (", post-bronchodilator" if post_bronchodilator
                                                         else ", before a bronchodilator")
        return f"FEV1 {fev1_l:g} L, FVC {fvc_l:g} L, FEV1/FVC {fev1_l / fvc_l:.2f}{marked}"
    return "-"
