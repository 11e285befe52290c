"""The translation layer: catalogs, fallback to English, Jinja2 integration."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.patients import i18n

LOCALE = i18n.locale_directory()
POT = LOCALE / "messages.pot"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "messages.po"


def read(path: Path) -> dict[object, object]:
    with open(path, "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_locale__extraction_config_lives_in_the_package() -> None:
    config = (LOCALE / "babel.cfg").read_text()
    assert "[python: **.py]" in config
    assert "jinja2.ext.i18n" in config


def test_english_catalog__translates_every_message_of_the_template() -> None:
    template, english = read(POT), read(EN_PO)
    assert template
    assert set(english) == set(template)
    assert all(english[key] for key in template)


def _extract_from_source() -> set[object]:
    """Every message marked in the code and templates today, extracted as `docs/i18n.md` says."""
    from babel.messages.extract import extract_from_dir

    root = Path(i18n.__file__).resolve().parents[1]
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "gettext_noop": None, "pgettext": ((1, "c"), 2)}
    found: set[object] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options, keywords
    ):
        key = message if isinstance(message, str) else tuple(m for m in message if m)
        found.add(key)
    return found


def test_template__holds_every_message_marked_in_the_source() -> None:
    missing = {m for m in _extract_from_source() if m not in read(POT)}
    example = sorted(map(str, missing))[:5]
    assert not missing, f"run the extraction in docs/i18n.md; missing from messages.pot: {example}"


@pytest.mark.parametrize("language", [lang for lang in i18n.available_languages() if lang != "en"])
def test_every_language__translates_every_message_of_the_template(language: str) -> None:
    path = LOCALE / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    def translated(m: Message) -> bool:
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        return bool(m.id) and not m.fuzzy and all(forms)

    done = {m.id for m in catalog if translated(m)}
    missing = set(read(POT)) - done
    assert not missing, f"{language}: {len(missing)} untranslated or fuzzy, e.g. {sorted(map(str, missing))[:3]}"
    compiled = i18n.translations(language)
    for message in catalog:
        if isinstance(message.id, str) and message.id:
            assert compiled.gettext(message.id) == message.string


def test_english_catalog__contains_the_patient_side_messages() -> None:
    english = read(EN_PO)
    assert "Each child has a %(chance)s chance of being %(genotype)s: %(label)s." in english
    assert ("%(n)d child", "%(n)d children") in english


def test_english_catalog__compiled_mo_matches_po() -> None:
    catalog = i18n.translations("en")
    for key, value in read(EN_PO).items():
        if isinstance(key, str):
            assert catalog.gettext(key) == value


def test_write_english_catalog__reproduces_the_shipped_catalog(tmp_path: Path) -> None:
    count = i18n.write_english_catalog(POT, tmp_path)
    assert count == len(read(POT))
    assert read(tmp_path / "en" / "LC_MESSAGES" / "messages.po") == read(EN_PO)
    i18n.translations.cache_clear()


def test_available_languages__english_first() -> None:
    assert i18n.available_languages()[0] == "en"


@pytest.mark.parametrize(("code", "expected"), [
    (None, "en"), ("en", "en"), ("en-GB", "en"), ("EN_us", "en"), ("xx", "en"), ("pt-BR", "en"),
])
def test_resolve_language__falls_back_to_english(code: str | None, expected: str) -> None:
    assert i18n.resolve_language(code) == expected


@pytest.mark.parametrize(("code", "normalised"), [("pt-br", "pt_BR"), ("EN", "en"), ("zh-Hant", "zh_Hant")])
def test_normalise_language__canonical_form(code: str, normalised: str) -> None:
    assert i18n.normalise_language(code) == normalised


@pytest.mark.parametrize("code", ["", "e", "english language", "en;q=1", "12"])
def test_normalise_language__bad_code_raises_input_error(code: str) -> None:
    with pytest.raises(InputError, match="language"):
        i18n.normalise_language(code)


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"), ("", "en"), ("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "en"), ("de", "en"), ("*", "en"),
    ("en-US,en;q=0.9", "en"), ("garbage;;;", "en"),
])
def test_negotiate__picks_an_available_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_gettext__unknown_language_gives_english() -> None:
    message = "Ask a question"
    assert i18n.gettext(message, "fr") == i18n.gettext(message, "en") == message


def test_gettext__message_not_in_catalog_is_returned_unchanged() -> None:
    assert i18n.gettext("A message nobody wrote", "en") == "A message nobody wrote"


@pytest.mark.parametrize(("n", "expected"), [(1, "%(n)d child"), (2, "%(n)d children"), (0, "%(n)d children")])
def test_ngettext__english_plural_forms(n: int, expected: str) -> None:
    assert i18n.ngettext("%(n)d child", "%(n)d children", n, "en") == expected


def test_pgettext__falls_back_to_message() -> None:
    assert i18n.pgettext("button", "Search", "en") == "Search"


def test_install_jinja2__trans_tags_and_functions_render() -> None:
    env = jinja2.Environment(autoescape=True)
    i18n.install_jinja2(env, "fr")
    template = env.from_string(
        "{% trans %}Ask a question{% endtrans %}|{{ _('Home') }}|"
        "{{ ngettext('%(num)d child', '%(num)d children', 3) }}|{{ _('Age: %(age)s', age='<b>') }}"
    )
    assert template.render() == "Ask a question|Home|3 children|Age: &lt;b&gt;"


def test_gettext_noop__returns_message() -> None:
    assert i18n.gettext_noop("usual AAT level") == "usual AAT level"


@given(st.integers(min_value=0, max_value=9999), st.sampled_from(["0.0", "0"]))
def test_format_number__spanish_writes_what_babel_writes(tenths: int, pattern: str) -> None:
    """The digits are Python's, the symbols CLDR's: Babel's own formatting of the same value agrees."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    value = Decimal(tenths) / 10 if pattern == "0.0" else Decimal(tenths)
    spec = ".1f" if pattern == "0.0" else ".0f"
    assert i18n.format_number(float(value), "es", spec) == format_decimal(value, pattern, locale="es")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.sampled_from(["", "g", ".1f", ".0f", ",", ",.2f"]))
def test_format_number__english_is_exactly_the_f_string(value: float, spec: str) -> None:
    assert i18n.format_number(value, "en", spec) == format(value, spec)
    spanish = i18n.format_number(value, "es", spec)
    assert spanish.replace(".", "").replace(",", "") == format(value, spec).replace(".", "").replace(",", "")


def test_localise_number__swaps_decimal_and_group_symbols_for_spanish() -> None:
    assert i18n.localise_number("25,000", "es") == "25.000"
    assert i18n.localise_number("1,234.5", "es") == "1.234,5"
    assert i18n.localise_number("<0.1%", "es") == "<0,1%"
    assert i18n.localise_number("1,234.5", "en") == "1,234.5"
    assert i18n.localise_number("1,234.5", "xx") == "1,234.5"  # no catalog: English
