"""The "Understand my result" page: a level and/or a type -> what it means and what to do next."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from aatd.errors import InputError
from aatd.web.budget import BUDGETED
from aatd.web.public.rendering import SubmittedFields, field_errors, render
from aatd.web.public.result_view import KINDS, SMOKING, UNITS, ResultInput, interpret

router = APIRouter()

_ERROR_FIELDS = {"level.unit": "unit", "level": "level", "unit": "unit", "genotype": "result",
                 "phenotype": "result", "result": "result", "smoking": "smoking",
                 "level.value": "level", "age": "age", "pregnant": "pregnant"}


@router.api_route("/public/my-result", methods=["GET", "POST"], dependencies=BUDGETED, response_class=HTMLResponse)
def my_result(request: Request, fields: SubmittedFields) -> HTMLResponse:
    """The form, and once filled in, the meaning of the result for lungs and liver."""
    inp = ResultInput(level=fields.get("level", ""), unit=fields.get("unit", "mg/dL"),
                      kind=fields.get("kind", "genotype"), result=fields.get("result", ""),
                      smoking=fields.get("smoking", ""), age=fields.get("age", ""),
                      pregnant=fields.get("pregnant", ""))
    view: dict[str, Any] | None = None
    errors: dict[str, str] = {}
    if "submitted" in fields:
        try:
            view = interpret(inp)
        except InputError as exc:
            errors = field_errors(exc, _ERROR_FIELDS)
    return render(request, "my_result.html", inp=inp, view=view, errors=errors, units=UNITS, kinds=KINDS,
                  smoking_options=SMOKING, status_code=422 if errors else 200)
