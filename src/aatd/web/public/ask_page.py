"""The "Ask a question" page: search over the question-and-answer knowledge base."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from aatd.errors import InputError
from aatd.patients import questions
from aatd.web.public.rendering import SubmittedFields, describe_error, render, safe
from aatd.web.public.rendering import gettext as _

router = APIRouter()
RESULTS = 8


def _search(query: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        found: dict[str, Any] = questions.search_questions(query, limit=RESULTS)
    except InputError as exc:
        return None, {"q": describe_error(exc)}
    for r in found["results"]:
        r["snippet_markup"] = safe(str(r.get("snippet_html", "")))  # escaped by the engine, <mark> added
    return found, {}


def _browse() -> list[tuple[str, list[dict[str, Any]]]]:
    from aatd.patients import questions

    groups: dict[str, list[dict[str, Any]]] = {}
    for q in questions.list_questions():
        groups.setdefault(str(q["category"]), []).append(dict(q))
    return list(groups.items())


@router.api_route("/public/ask", methods=["GET", "POST"], response_class=HTMLResponse)
def ask(request: Request, fields: SubmittedFields) -> HTMLResponse:
    """The search box; results with snippets, 'did you mean', related questions and when to see a doctor."""
    query = fields.get("q", "").strip()
    found, errors = _search(query) if query or "q" in fields else (None, {})
    return render(request, "ask.html", query=query, found=found, errors=errors,
                  browse=_browse() if found is None else [], contact_in_main=True,
                  status_code=422 if errors else 200)


@router.get("/public/ask/{question_id}", response_class=HTMLResponse)
def question(request: Request, question_id: str) -> HTMLResponse:
    """One question with its full answer, sources and related questions."""
    try:
        entry = questions.get_question(question_id)
    except InputError:
        return render(request, "not_found.html", status_code=404, message=_("There is no question with this address."))
    return render(request, "question.html", entry=entry, contact_in_main=True)
