"""The UN M49 code and the Spanish name of each place in the allele-frequency table (``places.csv``).

The three-digit code (the same as ISO 3166-1 numeric for countries) is how other data name a place:
the UN World Population Prospects files the life tables are copied from, and the Natural Earth
shapes of the world map. One table, so the life-table script and the map cannot disagree. The
English name is the key everywhere (CLI, API, forms); :func:`place_name` gives the name to show.
"""

from __future__ import annotations

from functools import cache

from aatd.errors import DataError
from aatd.knowledge import knowledge, read_table

PLACES = "places.csv"


@cache
def place_codes() -> dict[str, str]:
    """``{country name as in the allele table: three-digit M49 code}``, checked against the allele table."""
    return {name: code for name, (code, _) in _places().items()}


def place_name(country: str, language: str = "en") -> str:
    """How ``country`` (a key of the allele table) is written in ``language`` (the key itself in English or
    for a place without a name in that language)."""
    found = _places().get(country)
    return found[1] if found is not None and language == "es" and found[1] else country


@cache
def _places() -> dict[str, tuple[str, str]]:
    places: dict[str, tuple[str, str]] = {}
    sources = knowledge().sources
    for row in read_table(PLACES, ("country", "un_m49", "name_es", "source")):
        code = row.required("un_m49")
        if len(code) != 3 or not code.isdigit():
            raise DataError(PLACES, row.line, f"un_m49 {code!r} is not a three-digit code")
        if row.required("source") not in sources:
            raise DataError(PLACES, row.line, f"source {row.text('source')!r} is not in sources.csv")
        places[row.required("country")] = (code, row.text("name_es"))
    missing = sorted(c.country for c in knowledge().countries.values() if c.country not in places)
    if missing:
        raise DataError(PLACES, 1, f"no M49 code for {', '.join(missing)} (every allele-table place needs one)")
    return places
