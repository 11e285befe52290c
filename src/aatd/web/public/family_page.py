"""The "Our family" page: each child's chances from the parents' types, then a small family tree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from aatd.errors import InputError
from aatd.patients.punnett import describe_family_chances
from aatd.web.budget import BUDGETED
from aatd.web.public.family_tree import DEFAULT_COUNTRY, MAX_ROWS, default_rows, family_report, read_rows
from aatd.web.public.rendering import Fields, SubmittedFields, field_errors, render, safe

router = APIRouter()


def countries() -> list[str]:
    """Countries with allele frequencies in the knowledge tables."""
    from aatd.knowledge import knowledge

    return sorted(c.country for c in knowledge().countries.values())


def chances(parent1: str, parent2: str) -> dict[str, Any]:
    """Each child's chances, from the Punnett square of :mod:`aatd.patients.punnett`."""
    out: dict[str, Any] = describe_family_chances(parent1, parent2)
    out["svg_markup"] = safe(str(out.get("svg", "")))
    return out


def _punnett(fields: Fields) -> tuple[dict[str, Any] | None, dict[str, str]]:
    if "punnett" not in fields:
        return None, {}
    try:
        return chances(fields.get("p1", "").strip(), fields.get("p2", "").strip()), {}
    except InputError as exc:
        return None, field_errors(exc, {"parent1": "p1", "father": "p1", "parent2": "p2", "mother": "p2",
                                        "genotype": "p1"})


@router.api_route("/public/our-family", methods=["GET", "POST"], dependencies=BUDGETED, response_class=HTMLResponse)
def our_family(request: Request, fields: SubmittedFields) -> HTMLResponse:
    """Punnett square from the parents' types; the family tree with each relative's chances."""
    square, errors = _punnett(fields)
    tree_submitted = "tree" in fields
    rows = read_rows(fields) if tree_submitted else default_rows(fields.get("p1", ""), fields.get("p2", ""))
    country = fields.get("country", DEFAULT_COUNTRY)
    report = None
    if tree_submitted:
        report, tree_errors = family_report(rows, country)
        errors |= tree_errors
    return render(request, "our_family.html", fields=fields, square=square, rows=rows, report=report,
                  errors=errors, country=country, countries=countries(), max_rows=MAX_ROWS,
                  status_code=422 if errors else 200)
