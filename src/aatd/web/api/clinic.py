"""Clinic endpoints: what a result means and who should be tested. No login, no database writes.

Each route validates the shape of the request and hands the fields to one core function.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from aatd import limits
from aatd.clinic.answers import InterpretationAnswer, ShouldTestAnswer
from aatd.clinic.interpretation import describe_interpretation
from aatd.clinic.who_to_test import describe_should_test
from aatd.web.budget import BUDGETED
from aatd.web.schemas import ShortText, Strict

router = APIRouter(tags=["clinic"], dependencies=BUDGETED)

Finite = Annotated[float, Field(allow_inf_nan=False)]
NumberOrText = Finite | Annotated[str, Field(max_length=30)]


class InterpretIn(Strict):
    """Inputs of ``aatd.clinic.interpretation.describe_interpretation``."""

    level: NumberOrText | None = None
    unit: ShortText | None = None
    method: ShortText | None = None
    crp: NumberOrText | None = None
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


class ShouldTestIn(Strict):
    """Inputs of ``aatd.clinic.who_to_test.describe_should_test``."""

    findings: Annotated[list[ShortText], Field(max_length=50)]
    age: Annotated[float, Field(ge=0, le=130, allow_inf_nan=False)] | None = None
    pack_years: Annotated[float, Field(ge=0, le=300, allow_inf_nan=False)] | None = None


@router.post("/interpret")
def interpret(payload: InterpretIn) -> InterpretationAnswer:
    """What a result means: severity, consistency, next steps (as ``aatd interpret --json``)."""
    return describe_interpretation(**payload.model_dump(exclude_none=True))


@router.post("/should-test")
def should_test(payload: ShouldTestIn) -> ShouldTestAnswer:
    """Whether guidelines recommend AATD testing for these findings."""
    return describe_should_test(payload.findings, age=payload.age, pack_years=payload.pack_years)
