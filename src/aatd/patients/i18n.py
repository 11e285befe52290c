"""The translation layer: gettext catalogs compiled with Babel, with English as fallback.

Catalogs live in ``aatd/locale/<lang>/LC_MESSAGES/messages.po`` (compiled to ``.mo``);
the template is ``aatd/locale/messages.pot`` and the extraction settings are in
``aatd/locale/babel.cfg``. :func:`translations` returns the catalog for a language code
(``"pt-BR"``, ``"pt_BR"`` and ``"pt"`` are tried in turn), falling back to English and
then to the untranslated text. :func:`install_jinja2` wires a catalog into a Jinja2
environment (``jinja2.ext.i18n``). See ``docs/i18n.md`` for how to add a language.
"""

from __future__ import annotations

import gettext as _gettext
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from aatd.errors import InputError

DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


class _Environment(Protocol):
    """The part of ``jinja2.Environment`` (with ``jinja2.ext.i18n``) this module uses."""

    def add_extension(self, extension: str) -> None: ...  # pragma: no cover - protocol

    def install_gettext_translations(
        self, translations: _gettext.NullTranslations, newstyle: bool | None = None
    ) -> None: ...  # pragma: no cover - protocol


def locale_directory() -> Path:
    """The folder holding ``<lang>/LC_MESSAGES/messages.mo``."""
    return Path(str(resources.files("aatd").joinpath("locale")))


@cache
def available_languages() -> tuple[str, ...]:
    """Languages with a compiled catalog, English first.

    Read once per process: the catalogs ship with the package, and every public page asks (looking
    through the folder each time was file-system work on the web server's event loop)."""
    root = locale_directory()
    found = sorted(p.parent.parent.name for p in root.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return tuple(dict.fromkeys([DEFAULT_LANGUAGE, *found]))


def normalise_language(code: str) -> str:
    """``"pt-br"`` -> ``"pt_BR"``; raises :class:`InputError` for something that is not a code."""
    if not isinstance(code, str) or not _CODE.match(code.strip()):
        raise InputError("language", code, "a language code such as 'en', 'fr' or 'pt-BR'")
    parts = re.split(r"[-_]", code.strip())
    return "_".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def resolve_language(code: str | None) -> str:
    """The best available language for ``code`` (``None`` or unknown -> English)."""
    if code is None:
        return DEFAULT_LANGUAGE
    wanted = normalise_language(code)
    available = available_languages()
    for candidate in (wanted, wanted.split("_")[0]):
        if candidate in available:
            return candidate
    return DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The best available language for an HTTP ``Accept-Language`` header value."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        code, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if code and code != "*" and _CODE.match(code):
            ranked.append((-quality, position, code))
    for _, _, code in sorted(ranked):
        language = resolve_language(code)
        if language != DEFAULT_LANGUAGE or normalise_language(code).startswith(DEFAULT_LANGUAGE):
            return language
    return DEFAULT_LANGUAGE


@cache
def translations(language: str | None = DEFAULT_LANGUAGE) -> _gettext.NullTranslations:
    """The catalog for ``language`` with English (then the source text) as fallback."""
    lang = resolve_language(language)
    english = _gettext.translation(DOMAIN, str(locale_directory()), languages=[DEFAULT_LANGUAGE], fallback=True)
    if lang == DEFAULT_LANGUAGE:
        return english
    catalog = _gettext.translation(DOMAIN, str(locale_directory()), languages=[lang], fallback=True)
    catalog.add_fallback(english)
    return catalog


def gettext(message: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """``message`` translated into ``language`` (English if there is no translation)."""
    return translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int, language: str | None = DEFAULT_LANGUAGE) -> str:
    """The singular or plural form for ``n``, translated into ``language``."""
    return translations(language).ngettext(singular, plural, n)


def pgettext(context: str, message: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """``message`` in ``context`` (for words that translate differently by use)."""
    return translations(language).pgettext(context, message)


def format_number(value: float, language: str | None = DEFAULT_LANGUAGE, spec: str = "") -> str:
    """``value`` as ``format(value, spec)`` writes it, with the decimal and group symbols of ``language``.

    ``format_number(2.34, "es", ".1f")`` -> ``"2,3"``; ``format_number(25000, "es", ",")`` -> ``"25.000"``.
    Python rounds (so every language shows the same digits, and English is exactly what an f-string
    gives); only the symbols change, taken from the CLDR data of Babel (:func:`number_symbols`).
    """
    return localise_number(format(value, spec), language)


def localise_number(text: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """A number written the Python way (``"1,234.5"``) with ``language``'s symbols (``"1.234,5"`` in Spanish).

    Also used on numbers inside the core's English messages that a page repeats (``"12.5 pack-years"``).
    English, and any language without a catalog, is returned unchanged."""
    lang = resolve_language(language)
    if lang == DEFAULT_LANGUAGE:
        return text
    decimal, group = number_symbols(lang)
    return text.translate({ord("."): decimal, ord(","): group})


@cache
def number_symbols(language: str) -> tuple[str, str]:
    """The decimal and group symbols of ``language`` (``(",", ".")`` in Spanish), from Babel's CLDR data."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_decimal_symbol(language), get_group_symbol(language)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


def install_jinja2(environment: _Environment, language: str | None = DEFAULT_LANGUAGE) -> None:
    """Enable ``{% trans %}``, ``_()``, ``gettext()`` and ``ngettext()`` in a Jinja2 environment.

    Uses ``jinja2.ext.i18n`` with new-style gettext (``{{ _("Hello %(name)s", name=n) }}``).
    For one environment per request language, call this on an ``environment.overlay()``.
    """
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_translations(translations(language), newstyle=True)


def write_english_catalog(pot_path: Path | None = None, locale_dir: Path | None = None) -> int:
    """Regenerate the English catalog from ``messages.pot`` (msgstr = msgid) and compile it.

    English is the source language, so its catalog is complete by construction. Needs
    Babel (the ``web`` extra). Returns the number of messages written.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    root = locale_dir or locale_directory()
    with open(pot_path or root / f"{DOMAIN}.pot", "rb") as handle:
        catalog = read_po(handle, locale=DEFAULT_LANGUAGE)
    count = 0
    for message in catalog:
        if message.id:
            message.string = tuple(message.id) if isinstance(message.id, tuple) else message.id
            message.flags.discard("fuzzy")
            count += 1
    folder = root / DEFAULT_LANGUAGE / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{DOMAIN}.po", "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    with open(folder / f"{DOMAIN}.mo", "wb") as handle:
        write_mo(handle, catalog)
    translations.cache_clear()
    return count
