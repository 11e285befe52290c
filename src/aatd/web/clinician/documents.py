"""Family documents: the family PDF (drawing, probabilities, cascade plan, sources) and a letter per relative
(printable page and PDF). Every number is the family answer's (:func:`aatd.family.answers.family_answer`
through :func:`aatd.web.clinician.answers.family_answers`): nothing is derived here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from aatd.errors import NotFound
from aatd.web.clinician import views
from aatd.web.clinician.letters import KNOWN, relative_letter
from aatd.web.clinician.rendering import render
from aatd.web.clinician.report import family_report_pdf, letter_pdf
from aatd.web.db import before_slow_work
from aatd.web.deps import Db, DbRoute, PageUser
from aatd.web.models import Family, Patient
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute)
FamilyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PatientId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def member_answer(context: dict[str, Any], patient_id: int) -> tuple[dict[str, Any] | None, int | None]:
    """A member's entry in the family answer and their rank in the cascade plan (``None`` when absent)."""
    pedigree = context.get("pedigree") or {}
    report = pedigree.get("report")
    name = (pedigree.get("names") or {}).get(patient_id)
    if not report or name is None:
        return None, None
    ranks = {row["id"]: row["rank"] for row in report.get("plan", [])}
    return report["members"].get(name), ranks.get(name)


def others_have_aatd(context: dict[str, Any], patient_id: int) -> bool:
    """Whether another member's own results show AATD (two changed genes, chance :data:`KNOWN`).

    ``False`` when the family's chances could not be worked out: the letter then says AATD *may* run in the
    family, which stays true whatever the results.
    """
    pedigree = context.get("pedigree") or {}
    report = pedigree.get("report")
    if not report:
        return False
    name = (pedigree.get("names") or {}).get(patient_id)
    return any(float(m["p_severe"]) >= KNOWN for member, m in report["members"].items() if member != name)


def family_context(ws: Workspace, family: Family) -> dict[str, Any]:
    """The family page's context (one inference), for documents."""
    before_slow_work(ws.db)
    return views.family_view(ws, family)


def _letter(ws: Workspace, family_id: int, patient_id: int) -> tuple[Patient, Any]:
    family = ws.family(family_id, audit_read=False)
    patient = ws.patient(patient_id, audit_read=False)
    if patient.family_id != family.id:
        raise NotFound("patient", patient_id)
    ws.record("letter", "patient", patient.id, family_id=family.id)
    context = family_context(ws, family)
    answer, rank = member_answer(context, patient.id)
    return patient, relative_letter(patient.label, answer, rank, ws.user.organisation.name, ws.user.email,
                                    tested=bool(patient.tested),
                                    family_has_aatd=others_have_aatd(context, patient.id))


@router.get("/families/{family_id}/report.pdf")
def family_report(family_id: FamilyId, principal: PageUser, db: Db) -> Response:
    """The family PDF: drawing, genotype probabilities, cascade plan, children's chances and sources."""
    ws = Workspace(db, principal.user)
    family = ws.family(family_id, audit_read=False)
    ws.record("report", "family", family.id)
    context = family_context(ws, family) | {"organisation": ws.user.organisation.name}
    return Response(family_report_pdf(context), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="aatd-family-{family.id}.pdf"'})


@router.get("/families/{family_id}/letters/{patient_id}.pdf")
def letter_download(family_id: FamilyId, patient_id: PatientId, principal: PageUser, db: Db) -> Response:
    """The letter to one relative, as a PDF."""
    patient, letter = _letter(Workspace(db, principal.user), family_id, patient_id)
    return Response(letter_pdf(letter), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="aatd-letter-{patient.id}.pdf"'})


@router.get("/families/{family_id}/letters/{patient_id}")
def letter_page(request: Request, family_id: FamilyId, patient_id: PatientId, principal: PageUser,
                db: Db) -> Response:
    """The letter to one relative, as a printable page."""
    patient, letter = _letter(Workspace(db, principal.user), family_id, patient_id)
    return render(request, "letter.html", principal, patient=patient, letter=letter, family_id=family_id)
