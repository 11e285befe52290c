"""Page context: plain data for templates and the PDF report, built from stored records and the core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aatd.genetics import answers as summaries
from aatd.knowledge import knowledge
from aatd.web.clinician import answers
from aatd.web.db import before_slow_work
from aatd.web.models import Family, Patient, Result
from aatd.web.workspace.family_json import export_family
from aatd.web.workspace.relatives import RELATIONS
from aatd.web.workspace.repository import Workspace
from aatd.web.workspace.result_values import describe


def result_row(r: Result) -> dict[str, Any]:
    """One result for display."""
    return {"id": r.id, "kind": r.kind, "taken_on": r.taken_on.isoformat(), "note": r.note or "",
            "summary": describe(r.kind, r.value, r.below, r.unit, r.method, r.text, r.panel, r.fev1_l, r.fvc_l)}


def _latest(results: Sequence[Result], kind: str) -> Result | None:
    found = [r for r in results if r.kind == kind]
    return found[-1] if found else None


def patient_view(ws: Workspace, patient: Patient, results: Sequence[Result]) -> dict[str, Any]:
    """Everything the patient page and report show."""
    genotype = _latest(results, "genotype")
    context: dict[str, Any] = {
        "patient": patient,
        "family": ws.family(patient.family_id, audit_read=False),
        "organisation": ws.user.organisation.name,
        "results": [result_row(r) for r in reversed(results)],
        "genotype_summary": summaries.describe_genotype(genotype.text) if genotype and genotype.text else None,
        "spirometry": [{"date": r.taken_on.isoformat(), "fev1_l": r.fev1_l, "fvc_l": r.fvc_l}
                       for r in results if r.kind == "spirometry"],
        "interpretation": None,
    }
    context["interpretation"] = answers.interpretation_for(results, patient.birth_year)
    context["panels"] = answers.known_panels()
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
                     "evidence": row.get("genotype") or row.get("phenotype")
                     or (f"{row['level']['value']} {row['level']['unit']}" if "level" in row else "")})
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
        context["countries"] = sorted(c.country for c in knowledge().countries.values())
    return context
