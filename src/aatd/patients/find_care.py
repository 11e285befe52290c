"""Where to find care: specialist centres, patient organisations and helplines, from a cited table.

The default table is ``data/find_care.csv``: one row per place, with the country it serves
(``EU`` for Europe-wide networks), what it offers in plain words (``offers``, and optional
``offers_<lang>`` columns such as ``offers_es``), the page the details were
checked on (``source_url``) and the date (``checked``). A web address or phone number is only
given where that page showed it. A deployer replaces the table for their country with their
own file of the same columns (``AATD_FIND_CARE_FILE``), and chooses the country with
``AATD_COUNTRY``. Pure core: no HTTP.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from aatd.errors import InputError
from aatd.patients.i18n import gettext, gettext_noop

COLUMNS = ("id", "name", "country", "kind", "url", "phone", "offers", "languages", "source_url", "checked", "notes")
REQUIRED = ("id", "name", "country", "kind", "offers", "source_url", "checked")
KINDS = ("helpline", "patient organisation", "specialist network", "registry")
MAX_ROWS = 500
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LINK = ("https://", "http://")
SPOKEN = (gettext_noop("English"), gettext_noop("Spanish"), gettext_noop("French"), gettext_noop("interpreters"),
          gettext_noop("Spanish (press 2)"), gettext_noop("phone interpreting"), gettext_noop("sign-language video"))
"""The words of the ``languages`` columns (find-care and crisis-line tables), marked for translation."""


def spoken_languages(cell: str, language: str) -> str:
    """A ``languages`` cell (``"English; Spanish (press 2)"``) in ``language``, part by part.

    A person reading in Spanish must read "Español (marque 2)", not the table's English. A part
    missing from :data:`SPOKEN` is shown as written (tests keep the shipped tables covered).
    """
    return "; ".join(gettext(part.strip(), language) for part in cell.split(";") if part.strip())


REGIONS = {"EU": frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
                            "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})}
"""Region codes used in the table and the countries they serve."""


@dataclass(frozen=True, slots=True)
class CarePlace:
    """One specialist centre, network, patient organisation, registry or helpline."""

    id: str
    name: str
    country: str
    kind: str
    url: str
    phone: str
    offers: str
    languages: str
    source_url: str
    checked: str
    notes: str
    translated_offers: tuple[tuple[str, str], ...] = ()
    """``(language, text)`` from optional ``offers_<lang>`` columns (for example ``offers_es``)."""

    def offers_in(self, language: str) -> str:
        """What the place offers, in ``language`` when the table has it, else in English."""
        return dict(self.translated_offers).get(language.split("_")[0], self.offers)

    def serves(self, country: str) -> bool:
        """Whether this place serves people in ``country`` (directly or through its region)."""
        return self.country == country or country in REGIONS.get(self.country, frozenset())

    def as_dict(self, language: str = "en") -> dict[str, str]:
        """JSON-ready fields in ``language``; ``tel`` is a ``tel:`` link target when there is a phone number."""
        digits = re.sub(r"[^\d+]", "", self.phone.split("(")[-1]) if self.phone else ""
        return {"id": self.id, "name": self.name, "country": self.country, "kind": self.kind, "url": self.url,
                "phone": self.phone, "tel": f"tel:{digits}" if digits else "", "offers": self.offers_in(language),
                "languages": self.languages, "source_url": self.source_url, "checked": self.checked,
                "notes": self.notes}


def _place(row: dict[str, str], where: str) -> CarePlace:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    missing = [c for c in REQUIRED if not values[c]]
    if missing:
        raise InputError(where, sorted(k for k in row if k), "a row with " + ", ".join(missing))
    if values["kind"] not in KINDS:
        raise InputError(f"{where}: kind", values["kind"], "one of " + ", ".join(KINDS))
    if not (_COUNTRY.match(values["country"]) or values["country"] in REGIONS):
        raise InputError(f"{where}: country", values["country"], "a two-letter country code such as US, or EU")
    if not _DATE.match(values["checked"]):
        raise InputError(f"{where}: checked", values["checked"], "the date the entry was checked, YYYY-MM-DD")
    for name in ("url", "source_url"):
        if values[name] and not values[name].startswith(_LINK):
            raise InputError(f"{where}: {name}", values[name], "a web address starting with https:// or http://")
    translated = tuple((k.removeprefix("offers_"), (v or "").strip()) for k, v in row.items()
                       if k and k.startswith("offers_") and (v or "").strip())
    return CarePlace(**values, translated_offers=translated)


def parse_find_care(text: str, name: str = "find_care.csv") -> tuple[CarePlace, ...]:
    """The places in a find-care CSV ``text`` (validated; at most :data:`MAX_ROWS` rows)."""
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    absent = [c for c in REQUIRED if c not in header]
    if absent:
        raise InputError(f"{name}: header", ",".join(header), "the columns " + ", ".join(COLUMNS))
    places = []
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise InputError(name, f"more than {MAX_ROWS} rows", f"at most {MAX_ROWS} places")
        places.append(_place(row, f"{name}, line {line}"))
    ids = [p.id for p in places]
    if len(set(ids)) != len(ids):
        raise InputError(f"{name}: id", sorted({i for i in ids if ids.count(i) > 1}), "unique ids")
    return tuple(places)


@cache
def default_places() -> tuple[CarePlace, ...]:
    """The packaged table ``data/find_care.csv``."""
    return parse_find_care(resources.files("aatd").joinpath("data", "find_care.csv").read_text(encoding="utf-8"))


def load_places(path: str | Path | None = None) -> tuple[CarePlace, ...]:
    """The deployer's table at ``path``, or the packaged one when ``path`` is empty."""
    if not path:
        return default_places()
    file = Path(path)
    if not file.is_file():
        raise InputError("AATD_FIND_CARE_FILE", str(path), "the path of a CSV file with the find-care columns")
    return parse_find_care(file.read_text(encoding="utf-8"), file.name)


def places_for(country: str, places: tuple[CarePlace, ...] | None = None) -> dict[str, list[CarePlace]]:
    """``{"here": [...], "elsewhere": [...]}``: places serving ``country`` first, then the rest."""
    table = default_places() if places is None else places
    code = country.strip().upper()
    here = [p for p in table if p.serves(code)]
    return {"here": here, "elsewhere": [p for p in table if not p.serves(code)]}


def helpline_for(country: str, places: tuple[CarePlace, ...] | None = None) -> CarePlace | None:
    """The contact shown in the helpline block by default: a helpline serving ``country``, else a
    patient organisation serving it (with a phone number first), else ``None``."""
    here = places_for(country, places)["here"]
    ranked = sorted(here, key=lambda p: (p.kind != "helpline", p.kind != "patient organisation", not p.phone))
    best = ranked[0] if ranked else None
    return best if best is not None and best.kind in ("helpline", "patient organisation") else None
