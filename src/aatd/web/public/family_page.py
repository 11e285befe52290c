"""The "Our family" page: each child's chances from the parents' types, then a small family tree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from aatd.errors import InputError
from aatd.patients.punnett import describe_family_chances, describe_untested_partner_chances
from aatd.web.budget import BUDGETED, Caller, EngineCaller
from aatd.web.public import engines
from aatd.web.public.family_tree import (
    DEFAULT_COUNTRY,
    MAX_ROWS,
    Row,
    default_rows,
    document,
    drawing_words,
    read_rows,
    report_of,
    row_errors,
    tree_title,
)
from aatd.web.public.rendering import (
    Fields,
    SubmittedFields,
    country_options,
    current_language,
    field_errors,
    render,
    safe,
)
from aatd.web.public.rendering import gettext as _
from aatd.web.public.take_to_doctor import DoctorSheet, pdf_response_headers, sheet_pdf

router = APIRouter()


def countries() -> list[tuple[str, str]]:
    """Countries with allele frequencies in the knowledge tables, as (value, label) pairs in the page's language."""
    from aatd.genetics.prevalence import countries_with_full_distribution

    return country_options(countries_with_full_distribution())  # a survey without S cannot give the family's chances


def chances(parent1: str, parent2: str) -> dict[str, Any]:
    """Each child's chances, from the Punnett square of :mod:`aatd.patients.punnett`."""
    out: dict[str, Any] = describe_family_chances(parent1, parent2, language=current_language())
    out["svg_markup"] = safe(str(out.get("svg", "")))
    return out


def _punnett(fields: Fields) -> tuple[dict[str, Any] | None, dict[str, str]]:
    if "punnett" not in fields:
        return None, {}
    p1, p2 = fields.get("p1", "").strip(), fields.get("p2", "").strip()
    try:
        if p1 and not p2:
            untested: dict[str, Any] = describe_untested_partner_chances(
                p1, fields.get("p2_country", DEFAULT_COUNTRY), language=current_language())
            return untested, {}
        return chances(p1, p2), {}
    except InputError as exc:
        return None, field_errors(exc, {"parent1": "p1", "father": "p1", "parent2": "p2", "mother": "p2",
                                        "genotype": "p1", "country": "p2_country"})


def visible_rows(rows: list[Any], add: bool) -> list[Any]:
    """The relatives typed so far, then one empty row (two after "Add a relative"), at most ``MAX_ROWS``."""
    filled = [r for r in rows if r.name]
    empty = [r for r in rows if not r.name]
    return (filled + empty[: 2 if add else 1])[:MAX_ROWS]


async def tree_report(rows: list[Row], country: str, caller: Caller) -> tuple[dict[str, Any] | None,
                                                                               dict[str, str]]:
    """Each relative's chances and who to offer a test, or field errors.

    The family is analysed and drawn in an engine process (:class:`aatd.web.budget.EnginePool`)."""
    try:
        doc, used = document(rows, country)
    except InputError as exc:
        return None, row_errors(exc, [i for i, row in enumerate(rows) if row.name])
    if not used:
        return None, {"m0_name": _("Please enter at least one relative's name.")}
    try:
        answer, svg, keys = await caller.run(engines.family_tree, doc, tree_title(), drawing_words())
    except InputError as exc:
        return None, row_errors(exc, used)
    return report_of(rows, used, answer, svg, keys), {}


@router.api_route("/public/our-family", methods=["GET", "POST"], response_class=HTMLResponse)
async def our_family(request: Request, fields: SubmittedFields, caller: EngineCaller) -> HTMLResponse:
    """Punnett square from the parents' types; the family tree with each relative's chances."""
    tree_submitted = "tree" in fields
    rows = read_rows(fields) if tree_submitted else default_rows(fields.get("p1", ""), fields.get("p2", ""))
    country = fields.get("country", DEFAULT_COUNTRY)
    report: dict[str, Any] | None = None
    tree_errors: dict[str, str] = {}
    if tree_submitted and "add_row" not in fields:
        report, tree_errors = await tree_report(rows, country, caller)
    return await run_in_threadpool(_page, request, fields, rows, country, report, tree_errors)


def _page(request: Request, fields: Fields, rows: list[Row], country: str, report: dict[str, Any] | None,
          tree_errors: dict[str, str]) -> HTMLResponse:
    """The page with the Punnett square (small: made here) and the family tree's report."""
    square, errors = _punnett(fields)
    errors |= tree_errors
    return render(request, "our_family.html", fields=fields, square=square, rows=rows, report=report,
                  visible_rows=visible_rows(rows, "add_row" in fields),
                  errors=errors, country=country, countries=countries(), max_rows=MAX_ROWS,
                  status_code=422 if errors else 200)


def family_sheet(square: dict[str, Any]) -> DoctorSheet:
    """The chances for each child as a one-page sheet to take to the doctor or genetic counsellor."""
    from aatd.knowledge import knowledge

    parents = square["parents"]
    source = knowledge().sources.get("sandhaus2016")
    return DoctorSheet(
        title=_("Chances for our children: a summary for our doctor"),
        entered=[(_("First parent's type"), str(parents["parent1"])),
                 (_("Second parent's type"), str(parents["parent2"] or _("not tested")))],
        answer=str(square["summary"]),
        sections=[(_("Each child's chances"), [str(o["caption"]) for o in square["outcomes"]]),
                  (_("Good to know"), [str(square["note"])])],
        questions=[_("Should we see a genetic counsellor?"), _("Should our children be tested, and when?"),
                   _("Should other relatives be offered a test?")],
        sources=[_("Chances from one gene from each parent (Mendel's laws), worked out by aatd."),
                 *([source.citation] if source else [])])


@router.api_route("/public/our-family.pdf", methods=["GET", "POST"], dependencies=BUDGETED, response_model=None)
def our_family_pdf(request: Request, fields: SubmittedFields) -> Response:
    """The chances for each child as a one-page PDF, made in memory from the two types in the request."""
    square, errors = _punnett(fields)
    if square is None:
        return render(request, "our_family.html", fields=fields, square=None, rows=default_rows(), report=None,
                      visible_rows=visible_rows(default_rows(), False),
                      errors=errors or {"p1": _("Please enter your type, for example ZZ.")},
                      country=DEFAULT_COUNTRY, countries=countries(), max_rows=MAX_ROWS, status_code=422)
    return Response(sheet_pdf(family_sheet(square)), media_type="application/pdf",
                    headers=pdf_response_headers("aatd-our-family"))
