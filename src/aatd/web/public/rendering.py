"""The public pages' Jinja2 environment, settings and the helpers every route shares.

All visible text goes through gettext: templates call ``_()`` (Jinja2's i18n extension with
new-style gettext, so ``_()`` escapes and formats), Python code calls :func:`gettext`. The
translations come from :mod:`aatd.patients.i18n` when it is present, otherwise English is shown as
written (null translations).
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData, ImmutableMultiDict

from aatd.errors import InputError
from aatd.provenance import software_version

HERE = Path(__file__).parent
DEFAULT_LANGUAGE = "en"
_LINK_SCHEMES = ("https://", "http://", "tel:", "mailto:")

Fields = ImmutableMultiDict[str, str]


@dataclass(frozen=True, slots=True)
class PublicSettings:
    """Settings of the public pages: the optional contact block of a local helpline or clinic."""

    helpline_text: str = ""
    helpline_url: str = ""

    @property
    def has_helpline(self) -> bool:
        """Whether the contact block is shown."""
        return bool(self.helpline_text)


def load_public_settings(environ: Mapping[str, str] | None = None) -> PublicSettings:
    """``AATD_HELPLINE_TEXT`` and ``AATD_HELPLINE_URL`` from ``environ`` (default ``os.environ``).

    Both are empty by default. A URL that is not https/http/tel/mailto is refused.
    """
    env = os.environ if environ is None else environ
    text = env.get("AATD_HELPLINE_TEXT", "").strip()
    url = env.get("AATD_HELPLINE_URL", "").strip()
    if url and not url.startswith(_LINK_SCHEMES):
        raise InputError("AATD_HELPLINE_URL", url, "a link starting with https://, http://, tel: or mailto:")
    return PublicSettings(helpline_text=text, helpline_url=url)


@cache
def translations(language: str = DEFAULT_LANGUAGE) -> _gettext.NullTranslations:
    """The translations of ``language`` from :mod:`aatd.patients.i18n`, or null translations (English)."""
    try:
        from aatd.patients import i18n
    except ImportError:
        return _gettext.NullTranslations()
    getter = getattr(i18n, "translations", None) or getattr(i18n, "get_translations", None)
    if getter is None:
        return _gettext.NullTranslations()
    try:
        found = getter(language)
    except Exception:  # a broken catalogue falls back to English rather than failing the page
        return _gettext.NullTranslations()
    return found if isinstance(found, _gettext.NullTranslations) else _gettext.NullTranslations()


def gettext(message: str, **values: object) -> str:
    """``message`` translated (English for now), with ``%(name)s`` placeholders filled from ``values``."""
    text = translations().gettext(message)
    return text % values if values else text


@cache
def environment() -> Environment:
    """The Jinja2 environment of the public templates: autoescaping and gettext on."""
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html", "xml"], default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(), newstyle=True)  # type: ignore[attr-defined]
    env.globals |= {"version": software_version(), "percent": percent}
    return env


def percent(p: object) -> str:
    """A probability as a rounded percentage for people (``0.25`` -> ``"25%"``; tiny -> ``"<1%"``)."""
    if not isinstance(p, int | float):
        return ""
    value = float(p) * 100
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` with the navigation, the engines present and the contact block."""
    settings: PublicSettings = getattr(request.app.state, "public", PublicSettings())
    base = {"request": request, "path": request.url.path,
            "helpline": settings, "lang": DEFAULT_LANGUAGE}
    html = environment().get_template(name).render(base | context)
    return HTMLResponse(html, status_code=status_code)


def safe(html: str) -> Markup:
    """Mark trusted HTML (rendered by aatd's own content loaders, never user input) as safe."""
    return Markup(html)


async def read_fields(request: Request) -> Fields:
    """The submitted fields: the query string of a GET, or the form body of a POST (kept in memory only)."""
    if request.method == "POST":
        form: FormData = await request.form()
        return ImmutableMultiDict([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    return ImmutableMultiDict(request.query_params.multi_items())


def field_errors(exc: InputError, fields: Mapping[str, str]) -> dict[str, str]:
    """An :class:`InputError` as ``{form field: message}``; ``fields`` maps error-field prefixes to form fields."""
    target = next((form for prefix, form in fields.items() if exc.field.startswith(prefix)), "form")
    return {target: describe_error(exc)}


def describe_error(exc: InputError) -> str:
    """A plain message for an :class:`InputError`: what was wrong and what is accepted."""
    if exc.value in (None, ""):
        return gettext("Please enter %(expected)s.", expected=exc.expected)
    return gettext("We could not use %(value)s. Please enter %(expected)s.", value=repr(exc.value),
                   expected=exc.expected)


def number(fields: Fields, name: str, errors: dict[str, str], *, low: float = 0.0,
           high: float = 1e6) -> float | None:
    """Optional number field ``name``: ``None`` when empty; a message in ``errors`` when it is not a number."""
    text = fields.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = gettext("Please enter a number, for example 45.")
        return None
    if not low <= value <= high:
        errors[name] = gettext("Please enter a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}")
        return None
    return value


SubmittedFields = Annotated[Fields, Depends(read_fields)]
"""The submitted fields as a dependency: read on the event loop (I/O), so the route itself can be
a plain ``def`` whose engine work runs in a worker thread, never on the event loop."""
