"""The "Should I be tested?" page and its one-page PDF summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from aatd.clinic.who_to_test import NOT_COVERED, describe_should_test
from aatd.errors import InputError
from aatd.patients.i18n import gettext_noop
from aatd.web.budget import BUDGETED
from aatd.web.public.questionnaire import (
    Answers,
    headline,
    question_groups,
    read_answers,
    reasons,
    recommendation_text,
    statements,
    symptoms_statement,
)
from aatd.web.public.rendering import Fields, SubmittedFields, current_language, field_errors, render

router = APIRouter()

_ERROR_FIELDS = {"age": "age", "pack_years": "pack_years", "finding": "finding"}


def answer(answers: Answers) -> dict[str, Any]:
    """The testing engine's answer with plain-language labels added."""
    result: dict[str, Any] = dict(describe_should_test(list(answers.findings), age=answers.age,
                                                       pack_years=answers.pack_years))
    for g in result["guidelines"]:
        g["plain"] = recommendation_text(g["recommendation"])
    result["headline"] = headline(result["overall"])
    result["positive"] = [g for g in result["guidelines"] if g["recommendation"] in ("recommended", "suggested")]
    result["others"] = [g for g in result["guidelines"] if g["recommendation"] == "not_indicated"]
    result["not_covered"] = [g for g in result["guidelines"] if g["recommendation"] == NOT_COVERED]
    result["missing"] = sorted({w["missing"] for g in result["guidelines"] for w in g["would_apply_if_known"]})
    result["sibling_chances"] = sibling_chances() if "sibling_with_aatd" in answers.findings else []
    return result


TESTING_DISCLAIMER = gettext_noop("aatd supports, and does not replace, clinical judgement.")
FAMILY_NOTE = gettext_noop("aatd supports, and does not replace, clinical judgement and genetic counselling: "
                           "probabilities assume correct parentage, correct results and Hardy-Weinberg founders.")
"""The core's disclaimers (testing, family), marked for translation; a test checks they match the core."""


def sibling_chances() -> list[str]:
    """A brother's or sister's AATD in chances: the Punnett square of two MZ parents (from the core)."""
    from aatd.patients.punnett import outcomes

    return [str(o["caption"]) for o in outcomes("MZ", "MZ", language=current_language())]


@dataclass(slots=True)
class Evaluation:
    """The submitted fields, the answers read from them, the engine's answer and any field errors."""

    fields: Fields
    answers: Answers | None = None
    result: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """The template context of the questionnaire page."""
        return {"groups": question_groups(), "statements": statements(), "reasons": reasons, "raw": self.fields,
                "symptoms_statement": symptoms_statement(),
                "answers": self.answers, "result": self.result, "errors": self.errors}


def _evaluate(request: Request, fields: Fields) -> Evaluation:
    out = Evaluation(fields)
    if "submitted" not in fields:
        return out
    out.answers = read_answers(fields, out.errors)
    if out.errors:
        return out
    try:
        out.result = answer(out.answers)
    except InputError as exc:
        out.errors = field_errors(exc, _ERROR_FIELDS)
    return out


@router.api_route("/public/should-i-be-tested", methods=["GET", "POST"], dependencies=BUDGETED,
                  response_class=HTMLResponse)
def should_i_be_tested(request: Request, fields: SubmittedFields) -> HTMLResponse:
    """The questionnaire; once answered, the guideline answer, why, and a printable summary."""
    ev = _evaluate(request, fields)
    return render(request, "should_test.html", status_code=422 if ev.errors else 200, **ev.context())


@router.api_route("/public/should-i-be-tested.pdf", methods=["GET", "POST"], dependencies=BUDGETED,
                  response_model=None)
def should_i_be_tested_pdf(request: Request, fields: SubmittedFields) -> Response:
    """The one-page summary as a PDF, made in memory from the answers in the request."""
    ev = _evaluate(request, fields)
    if ev.answers is None or ev.result is None:
        return render(request, "should_test.html", status_code=422 if ev.errors else 200, **ev.context())
    from aatd.web.public.summary_pdf import testing_summary_pdf

    pdf = testing_summary_pdf(ev.answers, ev.result, statements())
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": 'attachment; filename="aatd-should-i-be-tested.pdf"'})
