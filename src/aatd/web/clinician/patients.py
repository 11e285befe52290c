"""Patients list, patient page (results entry and history), PDF report, soft delete."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aatd.errors import InputError
from aatd.web.budget import EngineCaller
from aatd.web.clinician import views
from aatd.web.clinician.documents import family_context, member_answer
from aatd.web.clinician.exports import download, fhir_bundle, results_csv
from aatd.web.clinician.rendering import render, see_other
from aatd.web.clinician.report import patient_report_pdf
from aatd.web.clinician.risk import record_scenario_inputs, record_scenarios
from aatd.web.deps import Db, DbRoute, FormFields, PageUser, Principal, in_this_thread
from aatd.web.models import User
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute)
PatientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=200)]


@router.get("/patients")
def patients_page(request: Request, principal: PageUser, db: Db,
                  q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """All patients of the organisation; htmx requests get just the table rows."""
    rows = Workspace(db, principal.user).patients(search=q)
    name = "_patient_rows.html" if request.headers.get("hx-request") else "patients.html"
    return render(request, name, principal, patients=rows, q=q or "")


@router.post("/patients")
def create_patient(principal: PageUser, db: Db, label: Text, sex: Text = "unknown") -> Response:
    """A new patient as the proband of a new family."""
    patient = Workspace(db, principal.user).create_patient({"label": label, "sex": sex, "proband": True})
    return see_other(f"/families/{patient.family_id}")


def _patient_page(request: Request, principal: Principal, db: Db, patient_id: int, *,
                  error: InputError | None = None, form: dict[str, Any] | None = None) -> Response:
    ws = Workspace(db, principal.user)
    patient = ws.patient(patient_id)
    results = ws.results(patient, include_retracted=True)
    context = views.patient_view(ws, patient, results)
    return render(request, "patient.html", principal, status_code=422 if error else 200, error=error,
                  form=form or {"taken_on": dt.date.today().isoformat()}, **context)


@router.get("/patients/{patient_id}")
def patient_page(request: Request, patient_id: PatientId, principal: PageUser, db: Db) -> Response:
    """A patient's details, results history and the form to add a result."""
    return _patient_page(request, principal, db, patient_id)


@router.post("/patients/{patient_id}/results")
def add_result(request: Request, patient_id: PatientId, principal: PageUser, db: Db, fields: FormFields) -> Response:
    """Store a result; on bad input show the form again with the field named.

    The form's unit and method lists belong to the serum level, its CRP unit list to a CRP: each kind gets only
    its own (the form always submits both units, and a level's mg/dL is not a CRP's unit). A CRP is stored in
    the unit it was entered in (mg/L or mg/dL)."""
    form = {k: v for k, v in fields.items() if k != "csrf_token"}
    own = {"level": ("unit", "method"), "crp": ("crp_unit",)}.get(str(form.get("kind")), ())
    stored = {k: v for k, v in form.items() if k not in ("unit", "method", "crp_unit") or k in own}
    if "crp_unit" in stored:
        stored["unit"] = stored.pop("crp_unit")
    try:
        Workspace(db, principal.user).add_result(patient_id, stored)
    except InputError as exc:
        db.rollback()
        return _patient_page(request, principal, db, patient_id, error=exc, form=form)
    return see_other(f"/patients/{patient_id}")


@router.post("/patients/{patient_id}/flags")
def set_flags(patient_id: PatientId, principal: PageUser, db: Db,
              flag: Annotated[str, Form(pattern="^(tested|deceased|proband)$")],
              value: Annotated[bool, Form()]) -> Response:
    """Mark a member tested, deceased or proband (or undo)."""
    patient = Workspace(db, principal.user).update_patient(patient_id, {flag: value})
    return see_other(f"/families/{patient.family_id}")


@router.post("/patients/{patient_id}/details")
def set_details(request: Request, patient_id: PatientId, principal: PageUser, db: Db, label: Text,
                sex: Annotated[str, Form(max_length=10)],
                birth_year: Annotated[str, Form(max_length=4)] = "") -> Response:
    """Change a patient's label, sex and birth year."""
    try:
        year = int(birth_year) if birth_year.strip() else None
        if year is not None and not 1850 <= year <= dt.date.today().year:
            raise ValueError
    except ValueError:
        db.rollback()
        error = InputError("birth_year", birth_year, f"a year from 1850 to {dt.date.today().year}")
        return _patient_page(request, principal, db, patient_id, error=error)
    try:
        Workspace(db, principal.user).update_patient(patient_id, {"label": label, "sex": sex, "birth_year": year})
    except InputError as exc:
        db.rollback()
        return _patient_page(request, principal, db, patient_id, error=exc)
    return see_other(f"/patients/{patient_id}")


@router.post("/patients/{patient_id}/delete")
def delete_patient(request: Request, patient_id: PatientId, principal: PageUser, db: Db,
                   confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Soft delete a patient (an admin can restore), only once the confirmation box is ticked."""
    if confirm != "yes":
        error = InputError("confirm", confirm or None, "the box ticked to confirm the deletion")
        return _patient_page(request, principal, db, patient_id, error=error)
    patient = Workspace(db, principal.user).delete_patient(patient_id)
    return see_other(f"/families/{patient.family_id}")


ResultId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/patients/{patient_id}/results/{result_id}/correct")
def correct_result(request: Request, patient_id: PatientId, result_id: ResultId, principal: PageUser, db: Db,
                   fields: FormFields) -> Response:
    """Correct a result with a reason (audited); on bad input show the page with the field named."""
    form = {k: v for k, v in fields.items() if k not in ("csrf_token", "reason", "kind")}
    try:
        Workspace(db, principal.user).correct_result(patient_id, result_id, form, fields.get("reason"))
    except InputError as exc:
        db.rollback()
        return _patient_page(request, principal, db, patient_id, error=exc)
    return see_other(f"/patients/{patient_id}")


@router.post("/patients/{patient_id}/results/{result_id}/retract")
def retract_result(request: Request, patient_id: PatientId, result_id: ResultId, principal: PageUser, db: Db,
                   reason: Annotated[str, Form(max_length=500)] = "",
                   confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Retract a result with a reason (audited), only once the confirmation box is ticked."""
    try:
        if confirm != "yes":
            raise InputError("confirm", confirm or None, "the box ticked to confirm the retraction")
        Workspace(db, principal.user).retract_result(patient_id, result_id, reason)
    except InputError as exc:
        db.rollback()
        return _patient_page(request, principal, db, patient_id, error=exc)
    return see_other(f"/patients/{patient_id}")


def _report_view(db: Session, user: User, patient_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """In a worker thread: the PDF's view of the record and the family (the transactions end here, see
    :func:`aatd.web.deps.in_this_thread`), and the inputs of its risk scenarios (``None``: nothing to simulate)."""
    with in_this_thread(db):
        ws = Workspace(db, user)
        patient = ws.patient(patient_id, audit_read=False)
        ws.record("report", "patient", patient.id)
        view = views.patient_view(ws, patient, ws.results(patient, include_retracted=True))
        results = list(ws.results(patient))
        context = family_context(ws, view["family"])
    member, rank = member_answer(context, patient.id)
    view["family_answer"] = {"member": member, "rank": rank, "svg": context.get("drawing"),
                             "error": (context.get("pedigree") or {}).get("error")}
    view["risk"], inputs = record_scenario_inputs(patient, results, view["family"].country)
    return view, inputs


@router.get("/patients/{patient_id}/results.csv")
def results_csv_file(patient_id: PatientId, principal: PageUser, db: Db) -> Response:
    """Every result of the patient as CSV (retracted ones marked); the export is audited."""
    return download(results_csv(Workspace(db, principal.user), patient_id), patient_id, "csv")


@router.get("/patients/{patient_id}/fhir.json")
def fhir_file(patient_id: PatientId, principal: PageUser, db: Db) -> Response:
    """The patient as a FHIR R4 Bundle (as ``GET /api/v1/patients/{id}/fhir``); the export is audited."""
    return download(fhir_bundle(Workspace(db, principal.user), patient_id), patient_id, "fhir")


@router.get("/patients/{patient_id}/report.pdf")
async def report(patient_id: PatientId, principal: PageUser, caller: EngineCaller, db: Db) -> Response:
    """The patient's report as a PDF: results, interpretation, eligibility, the family's probabilities and
    plan with the drawing, and risk scenarios. The record is read and the PDF written in worker threads; the
    risk simulation runs in an engine process, so it holds no worker thread while it runs."""
    view, inputs = await run_in_threadpool(_report_view, db, principal.user, patient_id)
    view["risk"] = await record_scenarios(caller, view["risk"], inputs)
    pdf = await run_in_threadpool(patient_report_pdf, view)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="aatd-patient-{view["patient"].id}.pdf"'})
