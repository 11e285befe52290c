"""The core's answers for the clinician pages, from stored records: one call per page view.

Stored results are turned into engine inputs here and nowhere else (the family export in
:mod:`aatd.web.workspace.family_json` is the one translation of a family into a pedigree document).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aatd.clinic.guidelines import guideline_tables
from aatd.errors import AatdError, InputError
from aatd.family.answers import PedigreeAnswer, family_answer
from aatd.family.drawing import pedigree_drawings
from aatd.family.pedigree import pedigree_from_json
from aatd.limits import TimeBudgetExceeded, time_budget_at_most
from aatd.risk.lung_function import describe_interpretation_with_spirometry
from aatd.web import budget
from aatd.web.deps import lend_a_thread
from aatd.web.models import Result

_ENGINE_KEYS = ("id", "sex", "father", "mother", "partner", "mz_twin", "dz_twin", "adopted", "age", "genotype",
                "phenotype", "level", "proband", "deceased")
_POPULATION_KEYS = ("country", "allele_frequencies", "residual_allele")

DEFAULT_COUNTRY = "USA"


def member_names(doc: dict[str, Any]) -> dict[str, str]:
    """Export id -> a unique display name (the label, with the id added when labels repeat)."""
    members = doc["members"]
    labels = [str(m.get("name") or m.get("label") or m["id"]) for m in members]
    return {m["id"]: (label if labels.count(label) == 1 else f"{label} ({m['id']})")
            for m, label in zip(members, labels, strict=True)}


def engine_document(doc: dict[str, Any], *, named: bool = False) -> dict[str, Any]:
    """The family export reduced to the pedigree contract; ``named`` uses labels as ids (for drawings)."""
    members = doc["members"]
    names = member_names(doc) if named else {m["id"]: str(m["id"]) for m in members}
    out = []
    for m in members:
        row = {k: v for k, v in m.items() if k in _ENGINE_KEYS}
        for key in ("id", "father", "mother", "partner", "mz_twin", "dz_twin"):
            if key in row:
                row[key] = names[row[key]]
        out.append(row)
    population = {k: doc[k] for k in _POPULATION_KEYS if doc.get(k) is not None}
    if "country" not in population and "allele_frequencies" not in population:
        population["country"] = DEFAULT_COUNTRY
    return population | {"members": out}


def _country(doc: dict[str, Any]) -> str:
    """The population the founders come from, as the page states it."""
    freqs = doc.get("allele_frequencies")
    if freqs:
        return "explicit allele frequencies (" + ", ".join(f"{a} {p:g}" for a, p in freqs.items()) + ")"
    return str(doc.get("country") or DEFAULT_COUNTRY)


@dataclass(frozen=True, slots=True)
class FamilyAnswers:
    """What a family page shows: the drawing and the report (or why they cannot be made)."""

    svg: str | None
    report: PedigreeAnswer | None
    error: str | None
    country: str
    page_svg: str | None = None
    """The same drawing without its legend and footnotes: the family page shows them as text that wraps on a phone."""


CACHED_FAMILIES = 64
"""Family answers kept in memory: a family page viewed again, unchanged, is not recomputed
(its plan and drawing cost seconds for hundreds of members)."""


def family_answers(doc: dict[str, Any], title: str) -> FamilyAnswers:
    """Infer once: posterior probabilities, cascade plan, children's chances and the drawing.

    Members are named by their labels. When the evidence conflicts, the drawing is still made
    (without probabilities) and ``error`` says why the probabilities cannot be computed.
    The answer is cached by the family's content, so any edit gives a fresh answer.
    """
    return _family_answers(json.dumps(doc, sort_keys=True), title)


@lru_cache(maxsize=CACHED_FAMILIES)
def _family_answers(document: str, title: str) -> FamilyAnswers:
    # The logged-in time budget (or the request's, if sooner): past it, TimeBudgetExceeded is a 503
    # naming the step (the inference, the plan or the drawing), and nothing is cached.
    with lend_a_thread(), time_budget_at_most(budget.SIGNED_IN_BUDGET_S):
        return _infer(document, title)


def _infer(document: str, title: str) -> FamilyAnswers:
    doc = json.loads(document)
    named = engine_document(doc, named=True)
    country = _country(doc)
    try:
        result, report = family_answer(named, plan=True)
    except TimeBudgetExceeded:
        raise
    except AatdError as exc:
        try:
            svg, page_svg = pedigree_drawings(pedigree_from_json(named), None, title=title, page_footnotes=False)
        except TimeBudgetExceeded:
            raise
        except AatdError:
            return FamilyAnswers(None, None, str(exc), country)
        return FamilyAnswers(svg, None, str(exc), country, page_svg)
    svg, page_svg = pedigree_drawings(result.pedigree, result, title=title, page_footnotes=False)
    return FamilyAnswers(svg, report, None, country, page_svg)


def known_panels() -> list[tuple[str, str]]:
    """Genotyping panels the interpretation engine knows, as (code, label)."""
    return [(code, panel.label) for code, panel in guideline_tables().panels.items()]


def interpretation_inputs(results: Sequence[Result]) -> dict[str, Any]:
    """The latest genotype/phenotype (with panel) and level as interpretation inputs, with the CRP
    taken on the same day as that level (results in date order).

    A CRP tells whether *that* sample was taken during inflammation, so a CRP of another day is
    left out (the answer then says no CRP was given), as in the family export
    (:mod:`aatd.web.workspace.family_json`): an old level must not be read as "CRP below the
    cut-off" because of a later normal CRP, nor a normal level as inflamed because of a later one.
    """
    inputs: dict[str, Any] = {}
    level_day: dt.date | None = None
    crp_by_day: dict[dt.date, tuple[float | str, str]] = {}
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
            level_day = r.taken_on
        elif r.kind == "crp" and r.value is not None:
            crp_by_day[r.taken_on] = (f"<{r.value:g}" if r.below else r.value, r.unit or "mg/L")  # in its unit
    if level_day in crp_by_day:
        inputs["crp"], inputs["crp_unit"] = crp_by_day[level_day]
    return inputs


def age_at(results: Sequence[Result], birth_year: int | None) -> int | None:
    """Age in whole years at the latest result (from the birth year; ``None`` when unknown)."""
    if birth_year is None or not results:
        return None
    return max(0, max(r.taken_on.year for r in results) - birth_year)


def interpretation_for(results: Sequence[Result], birth_year: int | None = None, *,
                       spirometry: dict[str, Any] | None = None, smoking: str | None = None
                       ) -> dict[str, Any] | None:
    """The interpretation engine's reading of the latest results, or ``None`` without any.

    A free-text panel the engine does not know is left out (the engine then assumes the
    usual panel for the genotype) and the page says so. The age at the latest result (from
    the birth year) is passed on, so children follow the paediatric path. ``spirometry`` (FEV1 and FVC
    in litres, sex, age at the spirometry, height in cm) gives FEV1 % predicted and airflow obstruction,
    read as ``aatd interpret`` and the API read the same values.
    """
    inputs = interpretation_inputs(results)
    if not inputs:
        return None
    age = age_at(results, birth_year)
    if age is not None:
        inputs["age"] = age
    if spirometry is not None:  # augmentation eligibility weighs airflow obstruction and smoking
        inputs["spirometry"] = spirometry
    if smoking is not None:
        inputs["smoking"] = smoking
    notes = [crp_note] if (crp_note := _unpaired_crp(results, inputs)) else []
    try:
        try:
            answer = describe_interpretation_with_spirometry(**inputs)
        except InputError as exc:
            if exc.field != "panel":
                raise
            notes.insert(0, f"panel {inputs.pop('panel')!r} is not one the interpretation knows ({exc.expected})")
            answer = describe_interpretation_with_spirometry(**inputs)
    except InputError as exc:
        return {"answer": None, "error": str(exc), "note": "; ".join(notes) or None}
    return {"answer": answer, "error": None, "note": "; ".join(notes) or None}


def _unpaired_crp(results: Sequence[Result], inputs: dict[str, Any]) -> str | None:
    """Why a CRP on the record is not used: none was taken on the day of the level interpreted."""
    crps = [r for r in results if r.kind == "crp" and r.value is not None]
    levels = [r for r in results if r.kind == "level" and r.value is not None]
    if not crps or not levels or "crp" in inputs:
        return None
    return (f"no CRP was taken on the day of the level ({levels[-1].taken_on.isoformat()}), so the CRP of "
            f"{crps[-1].taken_on.isoformat()} is not used for it")
