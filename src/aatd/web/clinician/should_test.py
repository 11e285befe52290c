"""Who to test: guideline recommendations for a set of clinical findings.

Registered only when the ``should-test`` capability (aatd.clinic.who_to_test) is present. A GET form:
nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from aatd.clinic.answers import ShouldTestAnswer
from aatd.clinic.who_to_test import MAX_AGE_YEARS, MAX_PACK_YEARS, describe_should_test
from aatd.errors import InputError
from aatd.web.clinician.rendering import render
from aatd.web.deps import PageUser

router = APIRouter()


class ShouldTestQuery(BaseModel):
    """The form: findings separated by commas or new lines, optional age and pack-years."""

    findings: Annotated[str, Field(max_length=2000)] = ""
    age: Annotated[float, Field(ge=0, le=MAX_AGE_YEARS, allow_inf_nan=False)] | None = None
    pack_years: Annotated[float, Field(ge=0, le=MAX_PACK_YEARS, allow_inf_nan=False)] | None = None

    @field_validator("age", "pack_years", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@router.get("/should-test")
def should_test_page(request: Request, principal: PageUser, form: Annotated[ShouldTestQuery, Query()]) -> Response:
    """The findings form and, when findings are given, each guideline's recommendation."""
    findings = [f.strip() for f in form.findings.replace("\n", ",").split(",") if f.strip()]
    answer: ShouldTestAnswer | None = None
    error: InputError | None = None
    if findings:
        try:
            answer = describe_should_test(findings, age=form.age, pack_years=form.pack_years)
        except InputError as exc:
            error = exc
    return render(request, "should_test.html", principal, status_code=422 if error else 200, form=form,
                  answer=answer, error=error)
