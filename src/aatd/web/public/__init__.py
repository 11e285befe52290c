"""The public pages for patients and families: no login, nothing typed is stored.

``install(app)`` adds the pages under ``/public`` and their static files under
``/public/static``. Routes never open a database session: answers live only in the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from aatd.web.public.error_page import public_error_page
from aatd.web.public.rendering import PublicSettings, load_public_settings

__all__ = ["PublicSettings", "install", "public_router"]

STATIC = Path(__file__).with_name("static")


def public_router() -> APIRouter:
    """Every public page route (kept out of the OpenAPI document)."""
    from aatd.web.public import ask_page, dna_page, family_page, home, lungs_page, result_page, testing_page

    router = APIRouter(include_in_schema=False)
    for module in (home, testing_page, result_page, family_page, lungs_page, ask_page, dna_page):
        router.include_router(module.router)
    return router


def install(app: FastAPI, environ: Mapping[str, str] | None = None) -> None:
    """Add the public pages to ``app``; the contact block is read from ``environ`` (default ``os.environ``).

    The app factory installs them; calling again only reloads the settings (tests set a contact block).
    """
    installed = hasattr(app.state, "public")
    app.state.public = load_public_settings(environ)
    if installed:
        return
    app.include_router(public_router())
    app.state.public_error_page = public_error_page
    app.mount("/public/static", StaticFiles(directory=str(STATIC)), name="public-static")
