"""The "Understand my result" page: a level and/or a type -> what it means and what to do next."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from aatd.errors import InputError
from aatd.web.budget import Caller, EngineCaller
from aatd.web.public import engines
from aatd.web.public.rendering import Fields, SubmittedFields, field_errors, render
from aatd.web.public.rendering import gettext as _
from aatd.web.public.result_view import CRP_UNITS, KINDS, SMOKING, UNITS, ResultInput, view_of
from aatd.web.public.take_to_doctor import DoctorSheet, pdf_response_headers, sheet_pdf

router = APIRouter()

_ERROR_FIELDS = {"level.unit": "unit", "level": "level", "unit": "unit", "genotype": "result",
                 "phenotype": "result", "result": "result", "smoking": "smoking", "crp_unit": "crp_unit",
                 "crp": "crp", "level.value": "level", "age": "age", "pregnant": "pregnant"}
"""Error-field prefixes to form fields, first match wins (``crp_unit`` before its prefix ``crp``)."""


def _input(fields: Fields) -> ResultInput:
    return ResultInput(level=fields.get("level", ""), unit=fields.get("unit", "mg/dL"),
                       kind=fields.get("kind", "genotype"), result=fields.get("result", ""),
                       smoking=fields.get("smoking", ""), crp=fields.get("crp", ""),
                       crp_unit=fields.get("crp_unit", "mg/L"), age=fields.get("age", ""),
                       pregnant=fields.get("pregnant", ""))


async def _evaluate(fields: Fields, caller: Caller) -> tuple[ResultInput, dict[str, Any] | None, dict[str, str]]:
    """The input, and once submitted the view of the engine's answer (or the field errors).

    The interpretation runs in an engine process (:class:`aatd.web.budget.EnginePool`); the
    view, in the request's language, in a worker thread."""
    inp = _input(fields)
    if "submitted" not in fields:
        return inp, None, {}
    try:
        answer = await caller.run(engines.interpretation, inp.engine_arguments())
    except InputError as exc:
        return inp, None, field_errors(exc, _ERROR_FIELDS)
    return inp, await run_in_threadpool(view_of, inp, answer), {}


@router.api_route("/public/my-result", methods=["GET", "POST"], response_class=HTMLResponse)
async def my_result(request: Request, fields: SubmittedFields, caller: EngineCaller) -> HTMLResponse:
    """The form, and once filled in, the meaning of the result for lungs and liver."""
    inp, view, errors = await _evaluate(fields, caller)
    return await run_in_threadpool(render, request, "my_result.html", inp=inp, view=view, errors=errors, units=UNITS,
                                   crp_units=CRP_UNITS, kinds=KINDS, smoking_options=SMOKING,
                                   status_code=422 if errors else 200)


@router.api_route("/public/my-result.pdf", methods=["GET", "POST"], response_model=None)
async def my_result_pdf(request: Request, fields: SubmittedFields, caller: EngineCaller) -> Response:
    """The answer as a one-page PDF to take to the doctor, made in memory from the fields in the request."""
    inp, view, errors = await _evaluate(fields, caller)
    if view is None:
        return await run_in_threadpool(render, request, "my_result.html", inp=inp, view=None, errors=errors,
                                       units=UNITS, kinds=KINDS, smoking_options=SMOKING, status_code=422)
    return await run_in_threadpool(_pdf, view)


def _pdf(view: dict[str, Any]) -> Response:
    sheet = DoctorSheet(
        title=_("My alpha-1 result: a summary for my doctor"), entered=view["entered"],
        answer=view["headline"],
        sections=[(_("What it means"), view["meaning"]), (_("What to do next"), [s["text"] for s in view["steps"]])],
        questions=view["questions"], sources=view["sources"])
    return Response(sheet_pdf(sheet), media_type="application/pdf", headers=pdf_response_headers("aatd-my-result"))
