"""Patients of the caller's organisation; deletion is soft and admins restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from aatd.web.clinician.exports import CSV_COLUMNS, download, results_csv
from aatd.web.deps import ApiAdmin, ApiUser, Db, DbRoute
from aatd.web.schemas import Id, PatientIn, PatientOut, PatientPatch
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute, prefix="/patients", tags=["patients"])


@router.get("")
def list_patients(principal: ApiUser, db: Db,
                  q: Annotated[str | None, Query(max_length=100)] = None,
                  deleted: bool = False) -> list[PatientOut]:
    """The organisation's patients; ``deleted=true`` lists soft-deleted ones."""
    return [PatientOut.model_validate(p) for p in Workspace(db, principal.user).patients(deleted=deleted, search=q)]


@router.post("", status_code=201)
def create_patient(payload: PatientIn, principal: ApiUser, db: Db) -> PatientOut:
    """A new patient (in a new family unless ``family_id`` is given)."""
    return PatientOut.model_validate(Workspace(db, principal.user).create_patient(payload.model_dump()))


@router.get("/{patient_id}")
def get_patient(patient_id: Id, principal: ApiUser, db: Db) -> PatientOut:
    """One patient (404 when absent, deleted or another organisation's)."""
    return PatientOut.model_validate(Workspace(db, principal.user).patient(patient_id))


@router.patch("/{patient_id}")
def update_patient(patient_id: Id, payload: PatientPatch, principal: ApiUser, db: Db) -> PatientOut:
    """Change the fields given."""
    changes = payload.model_dump(exclude_unset=True)
    return PatientOut.model_validate(Workspace(db, principal.user).update_patient(patient_id, changes))


@router.delete("/{patient_id}")
def delete_patient(patient_id: Id, principal: ApiUser, db: Db) -> PatientOut:
    """Soft delete (an admin can restore)."""
    return PatientOut.model_validate(Workspace(db, principal.user).delete_patient(patient_id))


@router.post("/{patient_id}/restore")
def restore_patient(patient_id: Id, principal: ApiAdmin, db: Db) -> PatientOut:
    """Undo a soft delete (admins only)."""
    return PatientOut.model_validate(Workspace(db, principal.user).restore_patient(patient_id))


@router.get("/{patient_id}/results.csv", response_class=Response, responses={200: {
    "description": "Every result of the patient, retracted ones marked, oldest first (RFC 4180, UTF-8); columns: "
                   + ", ".join(CSV_COLUMNS),
    "content": {"text/csv": {"schema": {"type": "string"}}}}})
def export_results_csv(patient_id: Id, principal: ApiUser, db: Db) -> Response:
    """The patient's results as CSV for a spreadsheet or a lab system (the export is audited)."""
    return download(results_csv(Workspace(db, principal.user), patient_id), patient_id, "csv")

