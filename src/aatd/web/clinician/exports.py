"""A patient's record as files: the FHIR R4 Bundle and the results as CSV (pages and API alike).

Both read the record once, in the caller's transaction, and audit the export as an ``export`` event
naming the format, so an organisation's admin sees who took which record out of aatd.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from fastapi import Response

from aatd.errors import InputError
from aatd.interop.fhir_in import ResultInputs
from aatd.interop.fhir_out import PatientInfo, RecordedResult, inputs_from_text, record_bundle
from aatd.screening.result import spreadsheet_text
from aatd.web.clinician.answers import interpretation_inputs
from aatd.web.models import Patient, Result
from aatd.web.workspace.repository import Workspace

FHIR_JSON = "application/fhir+json"
CSV_COLUMNS = ("result_id", "taken_on", "kind", "value", "below_detection", "unit", "method", "text", "panel",
               "fev1_l", "fvc_l", "post_bronchodilator", "status", "note", "retraction_reason", "entered_at",
               "corrected_at")
"""The columns of :func:`results_csv`, one per stored field of a result (``status``: current or retracted)."""


def fhir_bundle(ws: Workspace, patient_id: int) -> str:
    """The patient's record as an R4 Bundle (JSON): every stored level, CRP, phenotype and genotype as an
    Observation, retracted and corrected ones marked (:func:`aatd.interop.fhir_out.record_bundle`), and aatd's
    reading of the latest current results: the interpretation, or, when the phenotype and the genotype disagree,
    the conflict and what resolves it (never one result chosen over the other)."""
    patient = ws.patient(patient_id, audit_read=False)
    ws.record("export", "patient", patient.id, format="fhir")
    stored = ws.results(patient, include_retracted=True)
    inputs, _ = bundle_inputs([r for r in stored if r.retracted_at is None])
    bundle = record_bundle([recorded(r) for r in stored], inputs, patient=_patient(patient),
                           options={"country_name": patient_country(ws, patient)})
    return json.dumps(bundle, ensure_ascii=False)


def recorded(result: Result) -> RecordedResult:
    """A stored result as the FHIR record export takes it."""
    status = "retracted" if result.retracted_at is not None else "corrected" if result.updated_at else "current"
    return RecordedResult(
        key=str(result.id), kind=result.kind, taken_on=result.taken_on.isoformat(), value=result.value,
        below=bool(result.below), unit=result.unit, method=result.method, text=result.text, panel=result.panel,
        note=result.note, status=status, retraction_reason=result.retraction_reason,
        entered_at=result.created_at.isoformat() if result.created_at else None,
        corrected_at=result.updated_at.isoformat() if result.updated_at else None)


def bundle_inputs(results: Sequence[Result]) -> tuple[ResultInputs, str | None]:
    """The latest stored results as :class:`ResultInputs` (the clinician pages' one translation), and a
    note when the stored panel is not one aatd knows (it is then left out)."""
    raw = interpretation_inputs(results)
    note = None
    try:
        inputs = inputs_from_text(**raw)
    except InputError as exc:
        if exc.field != "panel":
            raise
        note = f"panel {raw.pop('panel')!r} is not one aatd knows; left out"
        inputs = inputs_from_text(**raw)
    dated = [r for r in results if r.kind in ("level", "genotype", "phenotype")]
    level = [r for r in dated if r.kind == "level"]
    taken = (level or dated)[-1].taken_on.isoformat() if dated else None
    fields = {name: getattr(inputs, name) for name in ResultInputs.__dataclass_fields__}
    return ResultInputs(**{**fields, "taken_on": taken}), note


def _patient(patient: Patient) -> PatientInfo:
    return PatientInfo(identifier=("aatd_patient", str(patient.id)), name=patient.label, gender=patient.sex,
                       birth_year=patient.birth_year, deceased=patient.deceased)


def patient_country(ws: Workspace, patient: Patient) -> str | None:
    """The population of the patient's family (genotype priors), if set."""
    return ws.family(patient.family_id, audit_read=False).country


def results_csv(ws: Workspace, patient_id: int) -> str:
    """Every result of the patient, retracted ones included (marked), oldest first, as CSV (RFC 4180, UTF-8).

    Numbers are written as stored (Python's shortest repr, so they read back to the same float); a
    text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``)
    gets a leading apostrophe, which spreadsheets show as text (OWASP "CSV injection")."""
    patient = ws.patient(patient_id, audit_read=False)
    ws.record("export", "patient", patient.id, format="csv")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in ws.result_values(patient, include_retracted=True):
        writer.writerow([_cell(value) for value in _csv_row(row)])
    return out.getvalue()


def _csv_row(row: dict[str, Any]) -> tuple[object, ...]:
    return (row["id"], row["taken_on"], row["kind"], row["value"], row["below"], row["unit"], row["method"],
            row["text"], row["panel"], row["fev1_l"], row["fvc_l"], row["post_bronchodilator"],
            "retracted" if row["retracted_at"] is not None else "current", row["note"], row["retraction_reason"],
            row["created_at"], row["updated_at"])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return spreadsheet_text(str(value))


def download(content: str, patient_id: int, kind: str) -> Response:
    """``content`` as a file to save: ``kind`` "csv" (the results) or "fhir" (the Bundle), named after the
    patient's number (never their name, which may not be safe in a file name or a shared folder)."""
    media, name = {"csv": ("text/csv; charset=utf-8", "results.csv"), "fhir": (FHIR_JSON, "fhir.json")}[kind]
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="aatd-patient-{patient_id}-{name}"'})
