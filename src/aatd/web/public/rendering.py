"""The public pages' Jinja2 environment, settings and the helpers every route shares.

All visible text goes through gettext: templates call ``_()`` (Jinja2's i18n extension with
new-style gettext, so ``_()`` escapes and formats), Python code calls :func:`gettext`. The
translations come from :mod:`aatd.patients.i18n` when it is present, otherwise English is shown as
written (null translations).
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData, ImmutableMultiDict

from aatd.errors import InputError, shown
from aatd.genetics.units import CRP_UNIT_EXPECTED, LEVEL_EXPECTED
from aatd.knowledge.places import place_name
from aatd.limits import NOTE, typed_number
from aatd.patients.find_care import CarePlace, helpline_for, load_places, spoken_languages
from aatd.patients.i18n import format_number, gettext_noop, localise_number
from aatd.provenance import software_version

HERE = Path(__file__).parent
DEFAULT_LANGUAGE = "en"
_LINK_SCHEMES = ("https://", "http://", "tel:", "mailto:")

Fields = ImmutableMultiDict[str, str]


@dataclass(frozen=True, slots=True)
class PublicSettings:
    """Settings of the public pages: the deployer's country, the find-care table and the contact block.

    The contact block ("Talk to someone near you") is on by default: unless the deployer writes
    their own (``AATD_HELPLINE_TEXT``), it shows the helpline or patient organisation that the
    find-care table lists for the country.
    """

    helpline_text: str = ""
    helpline_url: str = ""
    country: str = "US"
    find_care_file: str = ""
    helpline_place: str = ""
    """Id of the find-care entry shown in the contact block (empty when the deployer wrote their own)."""

    @property
    def has_helpline(self) -> bool:
        """Whether the contact block is shown."""
        return bool(self.helpline_text)

    def contact_text(self, language: str) -> str:
        """The contact block in ``language`` (a find-care entry's own translation when it has one)."""
        if not self.helpline_place:
            return self.helpline_text
        place = next((p for p in self.places() if p.id == self.helpline_place), None)
        return _contact_line(place, language) if place else self.helpline_text

    def places(self) -> tuple[CarePlace, ...]:
        """The find-care table in use: the deployer's file, or the packaged one."""
        return load_places(self.find_care_file or None)


def _contact_line(place: CarePlace, language: str) -> str:
    return f"{place.name}" + (f": {place.phone}" if place.phone else "") + f". {place.offers_in(language)}"


def _default_contact(country: str, places: tuple[CarePlace, ...]) -> tuple[str, str, str]:
    place = helpline_for(country, places)
    if place is None:
        return "", "", ""
    return _contact_line(place, DEFAULT_LANGUAGE), (place.as_dict()["tel"] or place.url), place.id


def load_public_settings(environ: Mapping[str, str] | None = None) -> PublicSettings:
    """The public settings from ``environ`` (default ``os.environ``).

    ``AATD_COUNTRY`` (two letters, default ``US``) chooses the crisis line and the find-care
    entries shown first; ``AATD_FIND_CARE_FILE`` replaces the packaged find-care table (same
    columns); ``AATD_HELPLINE_TEXT`` / ``AATD_HELPLINE_URL`` replace the contact block, and
    ``AATD_HELPLINE=off`` hides it. A URL that is not https/http/tel/mailto is refused.
    """
    env = os.environ if environ is None else environ
    country = env.get("AATD_COUNTRY", "US").strip().upper() or "US"
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InputError("AATD_COUNTRY", country, "a two-letter country code such as US, GB, CA, IE or ES")
    find_care_file = env.get("AATD_FIND_CARE_FILE", "").strip()
    places = load_places(find_care_file or None)
    switch = env.get("AATD_HELPLINE", "on").strip().lower()
    if switch not in ("on", "off"):
        raise InputError("AATD_HELPLINE", switch, "on or off")
    text = env.get("AATD_HELPLINE_TEXT", "").strip()
    url = env.get("AATD_HELPLINE_URL", "").strip()
    if url and not url.startswith(_LINK_SCHEMES):
        raise InputError("AATD_HELPLINE_URL", url, "a link starting with https://, http://, tel: or mailto:")
    place_id = ""
    if not text and switch == "on":
        text, url, place_id = _default_contact(country, places)
    if switch == "off":
        text, url = "", ""
    return PublicSettings(helpline_text=text, helpline_url=url, country=country, find_care_file=find_care_file,
                          helpline_place=place_id)


_LANGUAGE: ContextVar[str] = ContextVar("aatd_public_language", default=DEFAULT_LANGUAGE)
LANGUAGE_COOKIE = "aatd_lang"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
"""The languages offered in the switch, each named in its own language."""


def public_languages() -> tuple[str, ...]:
    """Languages with a catalogue that the language switch offers."""
    from aatd.patients.i18n import available_languages

    return tuple(lang for lang in available_languages() if lang in LANGUAGE_NAMES)


def choose_language(request: Request) -> str:
    """The page language: ``?lang=``, then the ``aatd_lang`` cookie, then ``Accept-Language``; English last.

    Also makes it the language of :func:`gettext` for the rest of this request.
    """
    from aatd.patients.i18n import negotiate

    offered = public_languages()
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate and candidate in offered:
            _LANGUAGE.set(candidate)
            return candidate
    try:
        chosen = negotiate(request.headers.get("accept-language"))
    except InputError:
        chosen = DEFAULT_LANGUAGE
    chosen = chosen if chosen in offered else DEFAULT_LANGUAGE
    _LANGUAGE.set(chosen)
    return chosen


def current_language() -> str:
    """The language of the request being handled (English outside a request)."""
    return _LANGUAGE.get()


@cache
def translations(language: str = DEFAULT_LANGUAGE) -> _gettext.NullTranslations:
    """The translations of ``language`` from :mod:`aatd.patients.i18n`, or null translations (English)."""
    from aatd.patients import i18n

    try:
        return i18n.translations(language)
    except Exception:  # a broken catalogue falls back to English rather than failing the page
        return _gettext.NullTranslations()


def decimal(value: float, spec: str = "") -> str:
    """``value`` as ``format(value, spec)`` writes it, with the request language's decimal and group symbols.

    ``decimal(2.34, ".1f")`` is ``2.3`` on an English page and ``2,3`` on a Spanish one (the digits are the
    same in every language: :func:`aatd.patients.i18n.format_number`)."""
    return format_number(value, current_language(), spec)


def gettext(message: str, **values: object) -> str:
    """``message`` in the request's language, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(current_language()).gettext(message)
    return text % values if values else text


@cache
def environment(language: str = DEFAULT_LANGUAGE) -> Environment:
    """The Jinja2 environment of the public templates in ``language``: autoescaping and gettext on."""
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html", "xml"], default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals |= {"version": software_version(), "percent": percent, "language_names": LANGUAGE_NAMES,
                    "decimal": lambda value, spec="": format_number(value, language, spec),
                    "place": lambda country: place_name(str(country), language),
                    "spoken": lambda cell: spoken_languages(str(cell), language)}
    return env


def country_options(countries: Iterable[str]) -> list[tuple[str, str]]:
    """(value, label) pairs for a country list: the value is the table's key (English), the label the name in
    the page's language, in that language's alphabetical order."""
    language = current_language()
    return sorted(((c, place_name(c, language)) for c in countries), key=lambda pair: _collation_key(pair[1]))


def _collation_key(name: str) -> str:
    """Alphabetical order that ignores accents (Canadá between Cabo Verde and Corea del Sur)."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch))


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


def settings_of(request: Request) -> PublicSettings:
    """The public settings installed on the app (defaults when the pages were not installed)."""
    found = getattr(request.app.state, "public", None)
    return found if isinstance(found, PublicSettings) else PublicSettings()


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` in the request's language with the navigation, switch and contact block.

    A ``?lang=`` choice is remembered in a cookie (a preference, not data about the person).
    """
    lang = choose_language(request)
    base = {"request": request, "path": request.url.path, "helpline": settings_of(request), "lang": lang,
            "languages": public_languages(), "query_string": _without_lang(request),
            "switch_fields": switch_fields(request)}
    html = environment(lang).get_template(name).render(base | context)
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def switch_fields(request: Request) -> list[tuple[str, str]]:
    """The fields the language switch posts again on an answer page (empty: the switch is a plain link).

    The public forms post their fields, so that health data is never in an address or a log; an answer
    page is therefore not an address the switch could link to. Instead the switch is a small form that
    posts the same fields to the same page in the other language, and the person sees the same answer
    in that language. A page answering an uploaded file has no such fields (the file is not sent back).
    """
    found = getattr(request.state, "answer_fields", None)
    if request.method != "POST" or not found:
        return []
    items = list(found.multi_items())
    # a value longer than any field accepts (NOTE, the longest text limit) is refused again: it is not copied
    return [] if any(len(value) > NOTE for _, value in items) else items


def _without_lang(request: Request) -> str:
    """The query string without ``lang``, so the switch keeps what the person typed."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return urlencode(pairs)


def safe(html: str) -> Markup:
    """Mark trusted HTML (rendered by aatd's own content loaders, never user input) as safe."""
    return Markup(html)


async def read_fields(request: Request) -> Fields:
    """The submitted fields: the query string of a GET, or the form body of a POST (kept in memory only).

    Also fixes the request's language, so messages made before rendering are translated.
    """
    choose_language(request)
    if request.method == "POST":
        form: FormData = await request.form()
        items = form.multi_items()
        fields: Fields = ImmutableMultiDict([(k, v) for k, v in items if isinstance(v, str)])
        if all(isinstance(v, str) for _, v in items):  # the language switch can post them again (no file)
            request.state.answer_fields = fields
        return fields
    return ImmutableMultiDict(request.query_params.multi_items())


def field_errors(exc: InputError, fields: Mapping[str, str]) -> dict[str, str]:
    """An :class:`InputError` as ``{form field: message}``; ``fields`` maps error-field prefixes to form fields."""
    target = next((form for prefix, form in fields.items() if exc.field.startswith(prefix)), "form")
    return {target: describe_error(exc)}


PLAIN_EXPECTED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"two alleles such as .*"), gettext_noop("a type such as MZ, SZ or ZZ (one letter from each parent)")),
    (re.compile(r"at most (?P<limit>[\d,]+) characters \(got (?P<got>[\d,]+)\)"),
     gettext_noop("at most %(limit)s characters (you entered %(got)s)")),
    (re.compile(re.escape(LEVEL_EXPECTED)),
     gettext_noop("a number, or < and a number if the report says the level was too low to measure")),
    (re.compile(r"pack-years \(or cigarettes per day\) for a former or current smoker"),
     gettext_noop("how much you smoked: pack-years, or cigarettes a day")),
    (re.compile(r"pack-years that fit the years smoked: (?P<pack_years>[\d.]+) pack-years from age (?P<start>[\d.]+) "
                r"to (?P<stop>[\d.]+) would be (?P<per_day>\d+) cigarettes a day; .*"),
     gettext_noop("pack-years that fit the years you smoked (%(pack_years)s pack-years from age %(start)s to "
                  "%(stop)s would be %(per_day)s cigarettes a day), or the age you started smoking")),
    (re.compile(r"pack-years that fit [\d.]+ cigarettes a day: .*|about [\d.]+ pack-years .*"),
     gettext_noop("pack-years that fit the cigarettes a day you smoked")),
    (re.compile(r"the age at quitting for a former smoker"), gettext_noop("the age you stopped smoking")),
    (re.compile(r"female or male|one of female, male"), gettext_noop("female or male")),
    (re.compile(r"never, former or current|one of never, former, current"),
     gettext_noop("never smoked, smoked before, or smoke now")),
    (re.compile(r"a country (?:with a life table|in the table): .*"), gettext_noop("a country from the list")),
    (re.compile(r"a CRP of zero or more, in (?P<unit>mg/d?L)"), gettext_noop("a CRP of zero or more, in %(unit)s")),
    (re.compile(r"a CRP value, or '<' with a limit of at most (?P<limit>[\d.]+) (?P<unit>mg/d?L)"),
     gettext_noop("a CRP number, or < and a number no higher than %(limit)s %(unit)s")),
    (re.compile(re.escape(CRP_UNIT_EXPECTED)), gettext_noop("mg/L or mg/dL, the unit on your report")),
)
"""What the core expects, as the core says it (for the API and the CLI), and how the public pages say it to
a patient, in the page's language. The core's sentence is kept where no pattern matches."""


def plain_expected(expected: str) -> str:
    """The core's ``expected`` in plain words in the page's language (the core's words when no pattern fits)."""
    for pattern, message in PLAIN_EXPECTED:
        match = pattern.fullmatch(expected)
        if match:
            numbers = {name: localise_number(text, current_language()) for name, text in match.groupdict().items()}
            return gettext(message, **numbers)
    return expected


def describe_error(exc: InputError) -> str:
    """A plain message for an :class:`InputError`: what was wrong and what is accepted.

    The value is shown shortened (:func:`aatd.errors.shown`), as the API and the CLI show it: a
    1 MB field gives a one-line message, not a page that repeats it.
    """
    expected = plain_expected(exc.expected)
    if exc.value in (None, ""):
        return gettext("Please enter %(expected)s.", expected=expected)
    return gettext("We could not use %(value)s. Please enter %(expected)s.", value=shown(exc.value),
                   expected=expected)


def number(fields: Fields, name: str, errors: dict[str, str], *, low: float = 0.0,
           high: float = 1e6) -> float | None:
    """Optional number field ``name``: ``None`` when empty; a message in ``errors`` when it is not a number."""
    text = fields.get(name, "").strip()
    if not text:
        return None
    try:
        value = typed_number(name, text)  # "1,200" could be 1.2 or 1200; "1_000", "nan" are not typed numbers
    except InputError:
        errors[name] = gettext("Please enter a number, for example 45.")
        return None
    if not low <= value <= high:
        errors[name] = gettext("Please enter a number from %(low)s to %(high)s.", low=decimal(low, "g"),
                               high=decimal(high, "g"))
        return None
    return value


SubmittedFields = Annotated[Fields, Depends(read_fields)]
"""The submitted fields as a dependency: read on the event loop (I/O), so the route itself can be
a plain ``def`` whose engine work runs in a worker thread, never on the event loop."""
