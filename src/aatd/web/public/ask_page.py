"""The "Ask a question" page: search over the question-and-answer knowledge base.

Safety first: when the words show distress or thoughts of self-harm, the crisis message and
the crisis line of the deployer's country come before anything else (and nothing is
"corrected"); urgent symptoms keep the emergency box.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from aatd.errors import InputError
from aatd.limits import LABEL, check_text
from aatd.patients import questions
from aatd.patients.how_common import how_common
from aatd.web.budget import BUDGETED
from aatd.web.public.how_common_map import too_small_for_the_map, zz_bands, zz_map
from aatd.web.public.rendering import (
    SubmittedFields,
    choose_language,
    country_options,
    current_language,
    describe_error,
    render,
    safe,
    settings_of,
)
from aatd.web.public.rendering import gettext as _
from aatd.web.public.world_map import HEIGHT

router = APIRouter()
RESULTS = 8
COUNTRY_PANELS = frozenset({"how-common"})
"""Questions whose answer ends with "How common is it where you live?" (a country picker and every country)."""


def askers() -> list[tuple[str, str]]:
    """The choices of "Who is the question about?" (translated at call time)."""
    return [("", _("Work it out from my words")), ("me", _("Me")), ("child", _("My child")),
            ("partner", _("My partner")), ("parent", _("My mother or father")),
            ("sibling", _("My brother or sister")), ("relative", _("Another relative"))]


def category_label(code: str) -> str:
    """A category code of the knowledge base in plain words."""
    labels = {"basics": _("The basics"), "living-with": _("Living with AATD"), "inheritance": _("Genes and families"),
              "results": _("Test results"), "family": _("Family"), "testing": _("Testing"), "lungs": _("Lungs"),
              "work": _("Work and money"), "liver": _("Liver"), "skin": _("Skin"), "treatment": _("Treatment"),
              "pregnancy": _("Pregnancy"), "travel": _("Travel and oxygen"), "support": _("Support"),
              "infections": _("Infections, COVID-19 and vaccines"), "getting-care": _("Getting care")}
    return labels.get(code, code.replace("-", " ").capitalize())


def _search(query: str, asker: str, country: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        found: dict[str, Any] = questions.search_questions(query, limit=RESULTS, language=current_language(),
                                                           asker=asker or None, country=country)
    except InputError as exc:
        return None, {"q" if exc.field != "asker" else "asker": describe_error(exc)}
    for r in found["results"]:
        r["snippet_markup"] = safe(str(r.get("snippet_html", "")))  # escaped by the engine, <mark> added
    return found, {}


def _browse() -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for q in questions.list_questions(language=current_language()):
        groups.setdefault(category_label(str(q["category"])), []).append(dict(q))
    return list(groups.items())


@router.api_route("/public/ask", methods=["GET", "POST"], dependencies=BUDGETED, response_class=HTMLResponse)
def ask(request: Request, fields: SubmittedFields) -> HTMLResponse:
    """The search box; crisis help first when needed; results with snippets, related questions and sources."""
    query = fields.get("q", "").strip()
    asker = fields.get("asker", "").strip()
    country = settings_of(request).country
    found, errors = _search(query, asker, country) if query or "q" in fields else (None, {})
    return render(request, "ask.html", query=query, asker=asker, askers=askers(), found=found, errors=errors,
                  browse=_browse() if found is None else [], contact_in_main=True,
                  status_code=422 if errors else 200)


@router.get("/public/ask/how-common/map.svg", response_class=Response)
def how_common_map(request: Request) -> Response:
    """The world map of the "How common is AATD?" answer (SVG, in the page's language; cached by browsers)."""
    return Response(zz_map(choose_language(request)), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/public/ask/{question_id}", response_class=HTMLResponse)
def question(request: Request, question_id: str, country: str = "") -> HTMLResponse:
    """One question with its full answer, sources and related questions; for "How common is AATD?" also
    how common it is in the chosen country (``?country=``) and in every country of the table."""
    lang = choose_language(request)
    try:
        entry = questions.get_question(question_id, language=lang)
    except InputError:
        return render(request, "not_found.html", status_code=404, message=_("There is no question with this address."))
    entry["find_care"] = questions.mentions_care(questions.load_entry(question_id, lang))
    panel, errors = _country_panel(question_id, country.strip(), lang)
    options = [("", _("Choose a country")), *country_options(row["country"] for row in panel["countries"])] \
        if panel else []
    return render(request, "question.html", entry=entry, contact_in_main=True, panel=panel, errors=errors,
                  country=country.strip(), country_options=options, map_bands=zz_bands(lang),
                  too_small=too_small_for_the_map(), map_height=round(HEIGHT), status_code=422 if errors else 200)


def _country_panel(question_id: str, country: str, language: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    if question_id not in COUNTRY_PANELS:
        return None, {}
    try:
        check_text("country", country, LABEL)
        return dict(how_common(country or None, language)), {}
    except InputError as exc:
        return dict(how_common(None, language)), {"country": describe_error(exc)}
