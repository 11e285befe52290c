"""Who to test: guideline recommendations for a set of clinical findings.

Registered only when the ``should-test`` capability (aatd.clinic.who_to_test) is present. A GET form:
nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from aatd.clinic.answers import ShouldTestAnswer
from aatd.clinic.who_to_test import describe_should_test
from aatd.errors import InputError
from aatd.web.clinician.rendering import render
from aatd.web.deps import PageUser

router = APIRouter()


class ShouldTestQuery(BaseModel):
    """The form: findings separated by commas or new lines, optional age and pack-years, as typed.

    Numbers stay text here so that a mistyped one comes back in the form with the error naming the
    field (the core checks the range), instead of a bare validation page that loses the form.
    """

    findings: Annotated[str, Field(max_length=2000)] = ""
    age: Annotated[str, Field(max_length=20)] = ""
    pack_years: Annotated[str, Field(max_length=20)] = ""


def _number(field: str, text: str) -> float | None:
    """``text`` as a number (``None`` when blank); the core checks the range."""
    if not text.strip():
        return None
    try:
        return float(text.strip())
    except ValueError:
        raise InputError(field, text, "a number") from None


@router.get("/should-test")
def should_test_page(request: Request, principal: PageUser, form: Annotated[ShouldTestQuery, Query()]) -> Response:
    """The findings form and, when findings are given, each guideline's recommendation."""
    findings = [f.strip() for f in form.findings.replace("\n", ",").split(",") if f.strip()]
    answer: ShouldTestAnswer | None = None
    error: InputError | None = None
    if findings:
        try:
            answer = describe_should_test(findings, age=_number("age", form.age),
                                          pack_years=_number("pack_years", form.pack_years))
        except InputError as exc:
            error = exc
    return render(request, "should_test.html", principal, status_code=422 if error else 200, form=form,
                  answer=answer, error=error)
