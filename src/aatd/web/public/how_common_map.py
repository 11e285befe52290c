"""The map on the public "How common is AATD?" answer: how many people there are for each person with ZZ,
country by country, in bands (the words and numbers are :func:`aatd.patients.how_common.how_common`'s)."""

from __future__ import annotations

from functools import cache

from aatd.knowledge import data_version
from aatd.knowledge.places import place_codes
from aatd.patients.how_common import CountryHowCommon, how_common
from aatd.patients.i18n import gettext, gettext_noop
from aatd.web.public.world_map import NO_DATA, Band, map_codes, world_map_svg

ZZ_BANDS = ((5_000, "#99000d", gettext_noop("1 in fewer than 5,000")),
            (20_000, "#de2d26", gettext_noop("1 in 5,000 to 20,000")),
            (100_000, "#fb6a4a", gettext_noop("1 in 20,000 to 100,000")),
            (None, "#fcae91", gettext_noop("1 in more than 100,000")))
"""Upper limit of "1 in N" people with ZZ (exclusive), colour and legend words, most common first."""
NONE_FOUND = ("#fee5d9", gettext_noop("none found in the survey"))
CEILING = ("#9e9ac8", gettext_noop("only an upper limit is known"))


def _band(row: CountryHowCommon) -> tuple[str, str]:
    zz = row["types"][0]
    if zz["ceiling"]:
        return CEILING
    people = zz["people"]
    if people is None:
        return NONE_FOUND
    for limit, colour, label in ZZ_BANDS:
        if limit is None or people < limit:
            return colour, label
    raise AssertionError("the last band has no limit")


def _tip(row: CountryHowCommon, language: str) -> str:
    return gettext("%(country)s: ZZ %(zz)s", language) % {"country": row["name"], "zz": row["types"][0]["words"]}


def zz_bands(language: str) -> list[Band]:
    """The legend of the map, in ``language``."""
    bands = [Band(colour, gettext(label, language)) for _, colour, label in ZZ_BANDS]
    return [*bands, Band(NONE_FOUND[0], gettext(NONE_FOUND[1], language)),
            Band(CEILING[0], gettext(CEILING[1], language)), Band(NO_DATA, gettext("no survey", language))]


def too_small_for_the_map() -> list[str]:
    """Places of the country table the 1:110m map cannot show (named under the map instead)."""
    codes, drawn = place_codes(), map_codes()
    return sorted(name for name, code in codes.items() if code not in drawn)


@cache
def _zz_map(language: str, version: str) -> str:
    codes = place_codes()
    fills = {codes[row["country"]]: (_band(row)[0], _tip(row, language))
             for row in how_common(None, language)["countries"]}
    return world_map_svg(
        fills, [], title=gettext("How many people for each person with ZZ, by country", language),
        description=gettext("A world map. Each country with a survey is coloured by how many people there are for "
                            "each person with two Z genes (ZZ). The table on the page gives every number.", language))


def zz_map(language: str) -> str:
    """The SVG map in ``language``, without its legend (the page shows it; cached per language and release)."""
    return _zz_map(language, data_version())
