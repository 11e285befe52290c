"""Clinic endpoints: what a result means and who should be tested. No login, no database writes.

Each route validates the shape of the request and hands the fields to one core function.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field, TypeAdapter

from aatd import limits
from aatd.clinic.answers import InterpretationAnswer, ShouldTestAnswer
from aatd.clinic.who_to_test import MAX_AGE_YEARS, MAX_PACK_YEARS, describe_should_test
from aatd.risk.lung_function import describe_interpretation_with_spirometry
from aatd.web.budget import BUDGETED, EngineCaller, answer_json
from aatd.web.schemas import ShortText, Strict

router = APIRouter(tags=["clinic"])

Finite = Annotated[float, Field(allow_inf_nan=False)]
NumberOrText = Finite | Annotated[str, Field(max_length=30)]


class SpirometryIn(Strict):
    """One spirometry, read by ``aatd.risk.lung_function.lung_function`` (GLI Global 2022)."""

    fev1_l: Finite
    fvc_l: Finite
    sex: ShortText
    height_cm: Finite
    age: Finite | None = None
    post_bronchodilator: bool | None = None


class InterpretIn(Strict):
    """Inputs of ``aatd.clinic.interpretation.describe_interpretation``."""

    level: NumberOrText | None = None
    unit: ShortText | None = None
    method: ShortText | None = None
    crp: NumberOrText | None = None
    crp_unit: Annotated[Literal["mg/L", "mg/dL"], Field(
        description="Unit of the CRP as on the report: mg/L (default) or mg/dL (1 mg/dL = 10 mg/L)")] = "mg/L"
    phenotype: Annotated[str, Field(max_length=limits.GENOTYPE_TEXT)] | None = None
    genotype: Annotated[str, Field(max_length=limits.GENOTYPE_TEXT)] | None = None
    panel: ShortText | None = None
    fev1_pct: NumberOrText | None = None
    smoking: ShortText | None = None
    on_augmentation: bool = False
    emphysema: bool | None = None
    ct_density_decline: bool | None = None
    country_name: ShortText | None = None
    age: NumberOrText | None = None
    pregnant: bool = False
    lung_disease: bool | None = None
    panniculitis: bool | None = None
    spirometry: SpirometryIn | None = None
    """FEV1 and FVC (litres), sex, height (cm), age at the test and whether post-bronchodilator: gives FEV1 %
    predicted and airflow obstruction (instead of ``fev1_pct``)."""


class ShouldTestIn(Strict):
    """Inputs of ``aatd.clinic.who_to_test.describe_should_test``."""

    findings: Annotated[list[ShortText], Field(max_length=50)]
    age: Annotated[float, Field(ge=0, le=MAX_AGE_YEARS, allow_inf_nan=False)] | None = None
    pack_years: Annotated[float, Field(ge=0, le=MAX_PACK_YEARS, allow_inf_nan=False)] | None = None


_INTERPRETATION = TypeAdapter(InterpretationAnswer)


@router.post("/interpret", response_model=InterpretationAnswer)
async def interpret(payload: InterpretIn, caller: EngineCaller) -> Response:
    """What a result means: severity, consistency, next steps (as ``aatd interpret --json``).

    Interpreted in an engine process (:class:`aatd.web.budget.EnginePool`) under the request's
    time budget, which also writes the JSON answer; this route only waits for it."""
    body = await caller.run(interpretation_json, payload.model_dump(exclude_none=True))
    return Response(body, media_type="application/json")


def interpretation_json(inputs: dict[str, Any]) -> bytes:
    """The interpretation of ``inputs`` as the route's JSON (runs in an engine process)."""
    return answer_json(_INTERPRETATION, describe_interpretation_with_spirometry(**inputs))


@router.post("/should-test", dependencies=BUDGETED)
def should_test(payload: ShouldTestIn) -> ShouldTestAnswer:
    """Whether guidelines recommend AATD testing for these findings."""
    return describe_should_test(payload.findings, age=payload.age, pack_years=payload.pack_years)
