"""Page context: plain data for templates and the PDF report, built from stored records and the core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aatd.errors import AatdError
from aatd.genetics import answers as summaries
from aatd.genetics.prevalence import countries_with_full_distribution
from aatd.risk.lung_function import lung_function
from aatd.web.clinician import answers
from aatd.web.clinician.labels import method_choices
from aatd.web.db import before_slow_work
from aatd.web.models import Family, Patient, Result
from aatd.web.workspace.family_json import export_family, live, member_evidence
from aatd.web.workspace.relatives import RELATIONS
from aatd.web.workspace.repository import Workspace
from aatd.web.workspace.result_values import describe


def result_row(r: Result) -> dict[str, Any]:
    """One result for display (with what the correction form needs and whether it was retracted)."""
    return {"id": r.id, "kind": r.kind, "kind_label": KIND_LABELS.get(r.kind, r.kind),
            "taken_on": r.taken_on.isoformat(), "note": r.note or "",
            "summary": describe(r.kind, r.value, r.below, r.unit, r.method, r.text, r.panel, r.fev1_l, r.fvc_l,
                                r.post_bronchodilator),
            "value": (f"<{r.value:g}" if r.below else f"{r.value:g}") if r.value is not None else "",
            "unit": r.unit or "", "method": r.method or "", "text": r.text or "", "panel": r.panel or "",
            "fev1_l": "" if r.fev1_l is None else f"{r.fev1_l:g}", "fvc_l": "" if r.fvc_l is None else f"{r.fvc_l:g}",
            "post_bronchodilator": "" if r.post_bronchodilator is None else ("yes" if r.post_bronchodilator else "no"),
            "retracted": r.retracted_at is not None, "retraction_reason": r.retraction_reason or "",
            "corrected": r.updated_at is not None}


KIND_LABELS = {"level": "Serum AAT level", "crp": "CRP", "genotype": "Genotype", "phenotype": "Phenotype (IEF)",
               "spirometry": "Spirometry"}


def _latest(results: Sequence[Result], kind: str) -> Result | None:
    found = [r for r in results if r.kind == kind]
    return found[-1] if found else None


def fev1_percent_predicted(patient: Patient, results: Sequence[Result]) -> dict[str, Any] | None:
    """The latest spirometry read by the core (:func:`aatd.risk.lung_function.lung_function`: FEV1 % predicted
    and FEV1/FVC against its lower limit, GLI Global 2022), when sex, birth year and height are on the record.

    ``spirometry`` holds the values handed to the interpretation, with the record's post-bronchodilator mark.
    """
    spirometry = [r for r in results if r.kind == "spirometry" and r.fev1_l is not None and r.fvc_l is not None]
    if not spirometry or patient.sex not in ("male", "female") or not patient.birth_year or not patient.height_cm:
        return None
    latest = spirometry[-1]
    values: dict[str, Any] = {"fev1_l": float(latest.fev1_l or 0.0), "fvc_l": float(latest.fvc_l or 0.0),
                              "sex": patient.sex, "age": latest.taken_on.year - patient.birth_year,
                              "height_cm": float(patient.height_cm), "post_bronchodilator": latest.post_bronchodilator}
    try:
        found = lung_function(**values)
    except AatdError:
        return None
    return {"percent": found.fev1_pct, "date": latest.taken_on.isoformat(), "fev1_l": latest.fev1_l,
            "age": values["age"], "obstruction": found.airflow.finding, "obstructed": found.airflow.obstructed,
            "spirometry": values}


def patient_view(ws: Workspace, patient: Patient, every_result: Sequence[Result]) -> dict[str, Any]:
    """Everything the patient page and report show (retracted results only in the history)."""
    results = live(every_result)
    genotype = _latest(results, "genotype")
    context: dict[str, Any] = {
        "patient": patient,
        "family": ws.family(patient.family_id, audit_read=False),
        "organisation": ws.user.organisation.name,
        "results": [result_row(r) for r in reversed(every_result)],
        "genotype_summary": summaries.describe_genotype(genotype.text) if genotype and genotype.text else None,
        "spirometry": [{"date": r.taken_on.isoformat(), "fev1_l": r.fev1_l, "fvc_l": r.fvc_l}
                       for r in results if r.kind == "spirometry"],
        "interpretation": None,
    }
    context["fev1"] = fev1_percent_predicted(patient, results)
    context["interpretation"] = answers.interpretation_for(
        results, patient.birth_year, spirometry=context["fev1"]["spirometry"] if context["fev1"] else None,
        smoking=patient.smoking)
    family_members = ws.members(context["family"])
    context["orphaned"] = [m.label for m in family_members
                           if patient.id in (m.father_id, m.mother_id, m.partner_id) and m.id != patient.id]
    context["panels"] = answers.known_panels()
    context["methods"] = method_choices()
    return context


def family_view(ws: Workspace, family: Family) -> dict[str, Any]:
    """Members with relations and latest evidence, plus the engines' answers when available."""
    members = ws.members(family)
    by_id = {m.id: m for m in members}
    doc = export_family(ws, family)
    evidence = {int(row["id"]): row for row in doc["members"]}
    rows = []
    for m in members:
        row = evidence[m.id]
        rows.append({"patient": m, "father": by_id.get(m.father_id or 0), "mother": by_id.get(m.mother_id or 0),
                     "partner": by_id.get(m.partner_id or 0),
                     "evidence": member_evidence(row)})
    context: dict[str, Any] = {"family": family, "members": rows, "relations": RELATIONS, "pedigree": None,
                               "drawing": None, "drawing_error": None}
    if members:
        before_slow_work(ws.db)
        found = answers.family_answers(doc, family.name)
        names = answers.member_names(doc)
        context["drawing"] = found.svg
        context["drawing_error"] = None if found.svg else found.error
        context["pedigree"] = {"report": found.report, "error": found.error, "country": found.country,
                               "names": {int(k): v for k, v in names.items()}}
        context["countries"] = countries_with_full_distribution()  # family priors need S and Z
    return context
