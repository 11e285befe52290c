"""Import a patient's DNA file (VCF/BCF or consumer raw data) as a genotype result.

A small form on its own page, linked from the patient page. The file is screened by the same
function as the REST API (:func:`aatd.web.api.screening.import_patient_file`); a refusal
(no screened site, several samples and none chosen, wrong build, no call, file too large)
shows the form again with the field named and nothing stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from aatd.errors import InputError
from aatd.screening.upload import UPLOAD_LIMIT_BYTES
from aatd.web.api.screening import import_patient_file
from aatd.web.clinician.rendering import render, see_other
from aatd.web.deps import Db, DbRoute, PageUser, Principal
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute)
PatientId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _form_page(request: Request, principal: Principal, db: Db, patient_id: int, *,
               error: InputError | None = None, form: dict[str, str] | None = None) -> Response:
    patient = Workspace(db, principal.user).patient(patient_id)
    return render(request, "dna_import.html", principal, status_code=422 if error else 200, error=error,
                  patient=patient, limit_mb=UPLOAD_LIMIT_BYTES / 1_000_000,
                  form=form or {"taken_on": dt.date.today().isoformat(), "build": "auto"})


@router.get("/patients/{patient_id}/dna-import")
def dna_import_page(request: Request, patient_id: PatientId, principal: PageUser, db: Db) -> Response:
    """The form: the file, the patient's sample ID in a multi-sample file, the build and the date."""
    return _form_page(request, principal, db, patient_id)


@router.post("/patients/{patient_id}/dna-import")
def import_dna(request: Request, patient_id: PatientId, principal: PageUser, db: Db,
               dna_file: Annotated[UploadFile, File()],
               sample: Annotated[str, Form(max_length=200)] = "",
               build: Annotated[str, Form(max_length=20)] = "auto",
               taken_on: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Store the genotype the file shows; on a refusal show the form again with the reason."""
    form = {"sample": sample, "build": build, "taken_on": taken_on}
    data = dna_file.file.read(UPLOAD_LIMIT_BYTES + 1)
    try:
        import_patient_file(Workspace(db, principal.user), patient_id, data, dna_file.filename or "upload",
                            sample=sample or None, build=build, taken_on=taken_on or None)
    except InputError as exc:
        db.rollback()
        return _form_page(request, principal, db, patient_id, error=exc, form=form)
    return see_other(f"/patients/{patient_id}")
