"""Risk page of a patient: lifetime FEV1 trajectory with scenarios, measured FEV1 over the bands.

Registered only when the ``risk`` capability (aatd.risk.answers) is present.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from aatd.errors import InputError
from aatd.risk.answers import describe_risk
from aatd.risk.plots import plot_data
from aatd.web.clinician.plots import trajectory_svg
from aatd.web.clinician.rendering import render
from aatd.web.deps import Db, PageUser
from aatd.web.models import Patient, Result
from aatd.web.workspace.repository import Workspace

router = APIRouter()
PatientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SIMULATIONS = 2000


class RiskQuery(BaseModel):
    """The risk form (GET): what the record does not hold."""

    age: Annotated[float, Field(ge=0, le=120, allow_inf_nan=False)] | None = None
    height_cm: Annotated[float, Field(ge=50, le=250, allow_inf_nan=False)] = 170.0
    smoking: Annotated[str, Field(pattern="^(never|former|current)$")] = "never"
    pack_years: Annotated[float, Field(ge=0, le=300, allow_inf_nan=False)] | None = None
    scenario: Annotated[str, Field(max_length=40)] = ""

    @field_validator("age", "pack_years", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


Measured = list[tuple[float, float]]


def _inputs(patient: Patient, results: list[Result], form: RiskQuery) -> tuple[dict[str, Any], Measured]:
    genotypes = [r.text for r in results if r.kind == "genotype" and r.text]
    if not genotypes:
        raise InputError("genotype", None, "a genotype result recorded for this patient")
    if patient.sex not in ("male", "female"):
        raise InputError("sex", patient.sex, "male or female recorded for the patient (reference equations)")
    age = form.age if form.age is not None else (
        dt.date.today().year - patient.birth_year if patient.birth_year else None)
    if age is None:
        raise InputError("age", None, "an age, or a birth year recorded for the patient")
    measured: list[tuple[float, float]] = []
    if patient.birth_year:
        measured = [(r.taken_on.year - patient.birth_year, r.fev1_l) for r in results
                    if r.kind == "spirometry" and r.fev1_l is not None]
    latest = [r.fev1_l for r in results if r.kind == "spirometry" and r.fev1_l is not None]
    inputs: dict[str, Any] = {"genotype": genotypes[-1], "sex": patient.sex, "age": age,
                              "height_cm": form.height_cm, "smoking": form.smoking, "pack_years": form.pack_years,
                              "fev1": latest[-1] if latest else None,
                              "scenarios": [form.scenario] if form.scenario else [], "n": SIMULATIONS, "seed": 0}
    return inputs, measured


def _answer(ws: Workspace, patient_id: int,
            form: RiskQuery) -> tuple[Patient, dict[str, Any] | None, Measured, InputError | None]:
    patient = ws.patient(patient_id)
    results = list(ws.results(patient))
    try:
        inputs, measured = _inputs(patient, results, form)
        return patient, describe_risk(**inputs), measured, None
    except InputError as exc:
        return patient, None, [], exc


@router.get("/patients/{patient_id}/risk")
def risk_page(request: Request, patient_id: PatientId, principal: PageUser, db: Db,
              form: Annotated[RiskQuery, Query()]) -> Response:
    """The risk form, the trajectory plot and the outcome table."""
    ws = Workspace(db, principal.user)
    patient, answer, _measured, error = _answer(ws, patient_id, form)
    rows = answer["outcomes"] if answer else []
    outcomes = [o for o in rows if (o["age"] - int(rows[0]["age"])) % 10 == 0]
    return render(request, "risk.html", principal, status_code=422 if error else 200, patient=patient,
                  answer=answer, outcomes=outcomes, form=form, error=error, query=request.url.query)


@router.get("/patients/{patient_id}/risk.svg")
def risk_plot(patient_id: PatientId, principal: PageUser, db: Db, form: Annotated[RiskQuery, Query()]) -> Response:
    """The trajectory plot as SVG, measured FEV1 points drawn over the predicted bands."""
    ws = Workspace(db, principal.user)
    patient, answer, measured, error = _answer(ws, patient_id, form)
    if error is not None or answer is None:
        raise error or InputError("patient", patient_id, "inputs for a risk estimate")
    data = plot_data(answer)
    svg = trajectory_svg(data, measured, f"Predicted FEV1 of {patient.label}")
    return Response(svg, media_type="image/svg+xml")
