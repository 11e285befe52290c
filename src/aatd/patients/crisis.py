"""Distress and self-harm wording in a search, and the crisis line to show first.

Two cited tables drive this module:

- ``data/crisis_phrases.csv``: one row per warning sign (NIMH, *Warning Signs of Suicide*,
  2022; Spanish wording checked against US-government Spanish guidance), with a regular
  expression over the normalised query (lower case, accents removed, punctuation as
  spaces, so "don't" reads "don t") and the example phrases the tests check one by one.
  Every language's patterns are checked whatever the page language: a person may type in
  either.
- ``data/crisis_lines.csv``: per country, the crisis line, its text number, web address
  and the emergency number, each with the page it was checked on and the date.

:func:`crisis_response` returns the message to show *before anything else* (and never a
spelling suggestion) when a query matches. Nothing typed is stored. Pure core: no HTTP.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aatd.errors import InputError
from aatd.patients.i18n import gettext
from aatd.patients.text import normalise

DEFAULT_COUNTRY = "US"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PHRASE_COLUMNS = ("id", "language", "sign", "pattern", "examples", "source_name", "source_url", "checked")
_LINE_COLUMNS = ("country", "country_name", "crisis_service", "crisis_phone", "crisis_text", "crisis_url",
                 "emergency_phone", "languages", "source_url", "emergency_source_url", "checked")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class CrisisSign:
    """One warning sign: the pattern that finds it in a query, with examples and its source."""

    id: str
    language: str
    sign: str
    pattern: re.Pattern[str]
    examples: tuple[str, ...]
    source_name: str
    source_url: str
    checked: str


@dataclass(frozen=True, slots=True)
class CrisisLine:
    """A country's crisis line and emergency number, with where and when they were checked."""

    country: str
    country_name: str
    service: str
    phone: str
    text: str
    url: str
    emergency_phone: str
    languages: str
    source_url: str
    checked: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready fields; ``tel`` is the phone number as a ``tel:`` link target."""
        return {"country": self.country, "country_name": self.country_name, "service": self.service,
                "phone": self.phone, "tel": "tel:" + re.sub(r"[^\d+]", "", self.phone), "text": self.text,
                "url": self.url, "emergency_phone": self.emergency_phone,
                "emergency_tel": "tel:" + re.sub(r"[^\d+]", "", self.emergency_phone.split(" or ")[0]),
                "languages": self.languages, "source_url": self.source_url, "checked": self.checked}


def normalised_text(text: str) -> str:
    """The query as the patterns see it: lower-case words without accents, joined by single spaces."""
    return " ".join(_WORD.findall(normalise(text)))


def _rows(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    text = resources.files("aatd").joinpath("data", name).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    for i, row in enumerate(rows, start=2):
        missing = [c for c in columns if not (row.get(c) or "").strip()
                   and c not in ("crisis_text", "emergency_source_url")]
        if missing:
            raise InputError(f"{name}, line {i}", sorted(row), "a row with " + ", ".join(missing))
        if not _DATE.match(row["checked"]):
            raise InputError(f"{name}, line {i}: checked", row["checked"], "a date written YYYY-MM-DD")
    return rows


@cache
def crisis_signs() -> tuple[CrisisSign, ...]:
    """Every warning sign of ``crisis_phrases.csv`` (validated: each pattern compiles and finds its examples)."""
    out = []
    for row in _rows("crisis_phrases.csv", _PHRASE_COLUMNS):
        try:
            pattern = re.compile(row["pattern"])
        except re.error as exc:
            raise InputError(f"crisis_phrases.csv: {row['id']}.pattern", row["pattern"],
                             f"a regular expression ({exc})") from None
        sign = CrisisSign(row["id"], row["language"], row["sign"], pattern,
                          tuple(e.strip() for e in row["examples"].split("|") if e.strip()),
                          row["source_name"], row["source_url"], row["checked"])
        unmatched = [e for e in sign.examples if not pattern.search(normalised_text(e))]
        if unmatched:
            raise InputError(f"crisis_phrases.csv: {sign.id}.examples", unmatched, "examples the pattern finds")
        out.append(sign)
    return tuple(out)


@cache
def crisis_lines() -> dict[str, CrisisLine]:
    """Country code -> crisis line, from ``crisis_lines.csv``."""
    return {row["country"]: CrisisLine(row["country"], row["country_name"], row["crisis_service"],
                                       row["crisis_phone"], row["crisis_text"], row["crisis_url"],
                                       row["emergency_phone"], row["languages"], row["source_url"],
                                       row["checked"])
            for row in _rows("crisis_lines.csv", _LINE_COLUMNS)}


def matching_signs(query: str) -> list[str]:
    """Ids of the warning signs ``query`` shows (any language); empty when none."""
    text = normalised_text(query)
    return [s.id for s in crisis_signs() if s.pattern.search(text)]


def crisis_line(country: str | None) -> CrisisLine | None:
    """The crisis line of ``country`` (ISO code such as ``US``), or ``None`` when the table has none."""
    return crisis_lines().get((country or DEFAULT_COUNTRY).strip().upper())


def crisis_response(query: str, *, language: str = "en", country: str | None = None) -> dict[str, object] | None:
    """The crisis message when ``query`` shows a warning sign, else ``None``.

    ``{"signs", "message", "call", "emergency", "line"}``: ``line`` is the country's
    crisis line (``None`` when the country is not in the table: the message then points
    to the local emergency number only).
    """
    signs = matching_signs(query)
    if not signs:
        return None
    line = crisis_line(country)
    message = gettext("You matter, and you do not have to face this alone. If you are thinking about "
                      "hurting yourself or ending your life, please talk to someone now.", language)
    if line is None:
        call = gettext("Call your local emergency number, or a crisis line in your country, now.", language)
        emergency = ""
    else:
        call = gettext("Call %(service)s on %(phone)s. It is free and open day and night.", language) % {
            "service": line.service, "phone": line.phone}
        if line.text:
            call += " " + gettext("You can also send a text message to %(text)s.", language) % {"text": line.text}
        emergency = gettext("If you are in danger right now, call %(emergency)s.", language) % {
            "emergency": line.emergency_phone}
    return {"signs": signs, "message": message, "call": call, "emergency": emergency,
            "line": line.as_dict() if line else None}
