"""The start page and the Learn pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from aatd.errors import InputError
from aatd.patients import learn
from aatd.web.public.rendering import choose_language, render, safe, settings_of
from aatd.web.public.rendering import gettext as _

router = APIRouter()


@router.get("/public", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Who the pages are for and a link to each part."""
    return render(request, "home.html")


@router.get("/public/learn", response_class=HTMLResponse)
def learn_index(request: Request) -> HTMLResponse:
    """The list of Learn pages in reading order."""
    return render(request, "learn_index.html", pages=learn.list_pages(choose_language(request)))


@router.get("/public/learn/{slug}", response_class=HTMLResponse)
def learn_page(request: Request, slug: str) -> HTMLResponse:
    """One Learn page with its diagrams and sources."""
    try:
        page: dict[str, Any] = learn.page_dict(slug, choose_language(request))
    except InputError:
        return render(request, "not_found.html", status_code=404,
                      message=_("There is no Learn page with this address."))
    pages = learn.list_pages(choose_language(request))
    slugs = [p["slug"] for p in pages]
    i = slugs.index(slug) if slug in slugs else -1
    page["diagrams"] = [{**d, "markup": safe(d["svg"])} for d in page["diagrams"]]
    return render(request, "learn_page.html", page=page, body=safe(str(page["html"])),
                  previous=pages[i - 1] if i > 0 else None,
                  next=pages[i + 1] if 0 <= i < len(pages) - 1 else None)


def _country_label(code: str) -> str:
    names = {"US": _("United States"), "CA": _("Canada"), "GB": _("United Kingdom"), "IE": _("Ireland"),
             "ES": _("Spain"), "EU": _("Europe")}
    return names.get(code, code)


@router.get("/public/find-care", response_class=HTMLResponse)
def find_care(request: Request) -> HTMLResponse:
    """Specialist centres, patient groups and helplines: the deployer's country first, each with its check date."""
    from aatd.patients.crisis import crisis_line
    from aatd.patients.find_care import places_for

    lang = choose_language(request)
    settings = settings_of(request)
    groups = places_for(settings.country, settings.places())
    line = crisis_line(settings.country)
    kinds = {"helpline": _("Helpline"), "patient organisation": _("Patient group"),
             "specialist network": _("Specialist network"), "registry": _("Research registry")}
    return render(request, "find_care.html", contact_in_main=True, here=[p.as_dict(lang) for p in groups["here"]],
                  elsewhere=[p.as_dict(lang) for p in groups["elsewhere"]], kind_labels=kinds,
                  country_label=_country_label, crisis_line=line.as_dict() if line else None)
