"""Calls into the optional engines (present only when their capability is available)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any

from aatd.errors import InputError
from aatd.web import capabilities
from aatd.web.capabilities import engine_callable, engine_function
from aatd.web.models import Result

_ENGINE_KEYS = ("id", "sex", "father", "mother", "genotype", "phenotype", "level", "proband", "deceased")


def member_names(doc: dict[str, Any]) -> dict[str, str]:
    """Export id -> a unique display name (the label, with the id added when labels repeat)."""
    members = doc["members"]
    labels = [str(m.get("label") or m["id"]) for m in members]
    return {m["id"]: (label if labels.count(label) == 1 else f"{label} ({m['id']})")
            for m, label in zip(members, labels, strict=True)}


def engine_document(doc: dict[str, Any], *, named: bool = False) -> dict[str, Any]:
    """The family export reduced to the pedigree contract; ``named`` uses labels as ids (for drawings)."""
    members = doc["members"]
    names = member_names(doc) if named else {m["id"]: str(m["id"]) for m in members}
    out = []
    for m in members:
        row = {k: v for k, v in m.items() if k in _ENGINE_KEYS}
        for key in ("id", "father", "mother"):
            if key in row:
                row[key] = names[row[key]]
        out.append(row)
    return {"members": out}


DEFAULT_COUNTRY = "USA"


def _country(doc: dict[str, Any]) -> str:
    return str(doc.get("country") or DEFAULT_COUNTRY)


def pedigree_for(doc: dict[str, Any]) -> dict[str, Any]:
    """Posterior probabilities, cascade plan and children's chances, keyed by member label; or the error."""
    report_from_text = engine_callable("aatd.cascade:report_from_text")
    try:
        _ped, _result, report = report_from_text(json.dumps(engine_document(doc, named=True)),
                                                 country=_country(doc), plan=True)
    except (InputError, ValueError, ArithmeticError) as exc:
        return {"report": None, "error": str(exc), "country": _country(doc)}
    return {"report": report, "error": None, "country": _country(doc)}


def pedigree_drawing(doc: dict[str, Any], title: str) -> str:
    """The SVG drawing of a family (standard symbols), members named by their labels.

    With the inference engine present, each member shows its most probable genotype.
    """
    named = engine_document(doc, named=True)
    draw = importlib.import_module("aatd.pedigree_svg").pedigree_svg
    if capabilities.has("pedigree"):
        try:
            ped, result, _report = engine_callable("aatd.cascade:report_from_text")(
                json.dumps(named), country=_country(doc))
            svg: str = draw(ped, result, title=title)
            return svg
        except (InputError, ValueError, ArithmeticError):
            pass  # draw without probabilities; the page shows the engine's message
    pedigree = engine_callable("aatd.pedigree:pedigree_from_json")(named)
    plain: str = draw(pedigree, None, title=title)
    return plain


def known_panels() -> list[tuple[str, str]]:
    """Genotyping panels the interpretation engine knows, as (code, label)."""
    tables = engine_callable("aatd.guideline_tables:guideline_tables")()
    return [(code, str(getattr(panel, "label", code))) for code, panel in tables.panels.items()]


def interpretation_for(results: Sequence[Result]) -> dict[str, Any] | None:
    """The interpretation engine's reading of the latest genotype/phenotype (with panel), level and CRP.

    A free-text panel the engine does not know is left out (the engine then assumes the
    usual panel for the genotype) and the page says so.
    """
    describe_interpretation = engine_function("aatd.interpretation:describe_interpretation")
    inputs: dict[str, Any] = {}
    for r in results:
        if r.kind in ("genotype", "phenotype") and r.text:
            inputs[r.kind] = r.text
            if r.kind == "genotype":
                inputs.pop("panel", None)
                if r.panel:
                    inputs["panel"] = r.panel
        elif r.kind == "level" and r.value is not None:
            inputs["level"] = f"<{r.value:g}" if r.below else r.value
            inputs["unit"] = r.unit
            inputs["method"] = r.method
        elif r.kind == "crp" and r.value is not None:
            inputs["crp"] = r.value
    if not inputs:
        return None
    note = None
    try:
        try:
            answer = describe_interpretation(**inputs)
        except InputError as exc:
            if exc.field != "panel":
                raise
            note = f"panel {inputs.pop('panel')!r} is not one the interpretation knows ({exc.expected})"
            answer = describe_interpretation(**inputs)
    except (InputError, TypeError) as exc:
        return {"answer": None, "error": str(exc), "note": note}
    return {"answer": answer, "error": None, "note": note}
