"""A workspace patient as FHIR R4 (Genomics Reporting IG), and FHIR results imported into the workspace.

``GET  /patients/{id}/fhir``: the patient, every stored result (retracted and corrected ones marked) and aatd's
reading of the latest ones as a Bundle (``application/fhir+json``). ``POST /patients/{id}/fhir``: a Bundle or
Observation; every result aatd can map is stored (all or nothing), an entered-in-error one as retracted and a
corrected one as corrected, and what was not is listed. Login and organisation scoping
are the workspace's (another organisation's patient is a 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel

from aatd.errors import InputError
from aatd.interop.fhir_in import read_results
from aatd.web.clinician.exports import FHIR_JSON, fhir_bundle
from aatd.web.deps import ApiUser, Db, DbRoute
from aatd.web.schemas import Id, ResultOut
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute, prefix="/patients/{patient_id}/fhir", tags=["fhir"])


class FhirImportOut(BaseModel):
    """What a FHIR import stored, and what it left out and why."""

    imported: list[ResultOut]
    notes: list[str]
    ignored: list[str]


BUNDLE_SCHEMA = {"type": "object", "description": "An HL7 FHIR R4 Bundle (Genomics Reporting IG 3.0.0)",
                 "properties": {"resourceType": {"const": "Bundle"}, "id": {"type": "string"},
                                "type": {"type": "string"}, "timestamp": {"type": "string"},
                                "entry": {"type": "array", "items": {"type": "object"}}},
                 "required": ["resourceType", "type", "entry"]}


@router.get("", response_class=Response, responses={200: {
    "description": "An HL7 FHIR R4 Bundle (Genomics Reporting IG 3.0.0)",
    "content": {FHIR_JSON: {"schema": BUNDLE_SCHEMA}}}})
def export_patient(patient_id: Id, principal: ApiUser, db: Db) -> Response:
    """The patient's record (every level/CRP/phenotype/genotype) and aatd's reading of the latest as an R4 Bundle."""
    return Response(fhir_bundle(Workspace(db, principal.user), patient_id), media_type=FHIR_JSON)


@router.post("", status_code=201)
def import_results(patient_id: Id, principal: ApiUser, db: Db,
                   payload: Annotated[dict[str, Any], Body()]) -> FhirImportOut:
    """Store every result of a FHIR Bundle or Observation that aatd can map (all or nothing)."""
    ws = Workspace(db, principal.user)
    ws.patient(patient_id, audit_read=False)
    read = read_results(payload)
    rows = []
    for record in read.results:
        taken = str(record["taken_on"])
        if len(taken) < 10:
            raise InputError(f"{record['source']}.effectiveDateTime", taken or None,
                             "the full date the sample was taken (YYYY-MM-DD)")
        note = record.get("note") or f"FHIR {record['source']}"  # the Observation's note, else where it came from
        rows.append({k: v for k, v in record.items() if k != "source"} | {"taken_on": taken[:10], "note": note})
    stored = [ResultOut.model_validate(result) for result in ws.add_results(patient_id, rows, keep_status=True)]
    return FhirImportOut(imported=stored, notes=list(read.notes), ignored=list(read.ignored))
