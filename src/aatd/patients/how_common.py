"""How common AATD is, country by country, in plain words ("about 1 person in 2,500 has ZZ").

The numbers are the Hardy-Weinberg genotype frequencies of :func:`aatd.genetics.describe_prevalence`
(the cited country table, the same function as ``aatd prevalence`` and ``GET /api/v1/prevalence``);
this module only words them for the public "How common is AATD?" answer. Every sentence follows the
survey behind it: a gene the survey did not find is said to be not found (never "1 in infinity"), a gene it
did not count is said to be not known (a survey that published only Z), and a value that is only a ceiling (the survey
pooled it with other rare genes) is said to be "at most".
"""

from __future__ import annotations

import math
from typing import TypedDict

from aatd.genetics.answers import PrevalenceAnswer, describe_prevalence
from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.levels import genotype_severity
from aatd.knowledge import CountryFrequencies, knowledge
from aatd.knowledge.places import place_name
from aatd.patients.i18n import format_number, gettext, gettext_noop
from aatd.patients.punnett import SEVERITY_LABELS
from aatd.provenance import Provenance, provenance

REGIONS = (gettext_noop("Central America and Caribbean"), gettext_noop("Central Asia"), gettext_noop("Central Europe"),
           gettext_noop("Eastern Asia"), gettext_noop("North America"), gettext_noop("Northern Africa"),
           gettext_noop("Northern Europe"), gettext_noop("South America"), gettext_noop("Southeastern Europe"),
           gettext_noop("Southern Asia"), gettext_noop("Southern Europe"), gettext_noop("Southwestern Europe"),
           gettext_noop("Western Africa"), gettext_noop("Western Asia"), gettext_noop("Western Europe"),
           gettext_noop("Eastern Europe"), gettext_noop("Eastern Africa"), gettext_noop("Southern Africa"),
           gettext_noop("Middle Africa"), gettext_noop("Oceania"), gettext_noop("South-eastern Asia"))
"""The regions of the country table, marked for translation (a region missing here shows in English)."""
SEVERE_TYPES = ("ZZ", "SZ")
"""The two types of the table of every country (both severe in ``genotype_classes.csv``)."""


class OneIn(TypedDict):
    """How many people there are for each person with one type: ``1 in people``."""

    genotype: str
    people: int | None
    """Rounded to two significant figures; ``None`` when the survey found none of the genes it needs."""
    words: str
    """``about 1 in 2,500``, ``at most about 1 in 47,000`` or ``not found in the survey``."""
    short: str
    """The number for a table column headed "1 in": ``2,500``, ``47,000 or more`` or ``none found``."""
    ceiling: bool
    """The survey gave only an upper limit for a gene this type needs, so ``people`` is a lower limit."""


class CountryHowCommon(TypedDict):
    """One country's row: its severe types and its survey."""

    country: str
    name: str
    """The country as written in the answer's language (``country`` is the key, always English)."""
    region: str
    region_name: str
    """The region in the answer's language."""
    types: list[OneIn]
    sample_size: int | None
    survey_people: str
    """The sample size written for the page (``1,116``; empty when the survey did not give it)."""
    source: str


class HowCommonAnswer(TypedDict):
    """The public answer: sentences for the chosen country, and every country's row."""

    country: str | None
    sentences: list[str]
    source: str | None
    countries: list[CountryHowCommon]
    note: str
    provenance: Provenance


def _grouped(n: int, language: str) -> str:
    """``25,000`` in English; ``25.000`` in Spanish, as the rest of the Spanish pages write numbers."""
    return format_number(n, language, ",")


def _two_figures(x: float) -> int:
    """``x`` rounded to two significant figures (2,487 -> 2,500): a survey cannot say more."""
    digits = max(0, math.floor(math.log10(x)) - 1)
    return int(round(x / 10 ** digits) * 10 ** digits)


def _needs(genotype: str) -> tuple[str, ...]:
    return tuple(sorted(set(genotype) - {"M"}))


def one_in(answer: PrevalenceAnswer, genotype: str, language: str = "en") -> OneIn:
    """``1 in N`` people with ``genotype`` (e.g. ``ZZ``, ``SZ``, ``MZ``) in a country's answer, in words."""
    row = answer["genotypes"].get(genotype)
    frequency = row["frequency"] if row is not None else 0.0
    ceilings = set(answer.get("upper_bounds", []))
    if set(answer.get("unreported_alleles", [])) & set(_needs(genotype)):
        return OneIn(genotype=genotype, people=None, words=gettext("not given by the survey", language),
                     short=gettext("not known", language), ceiling=False)
    if frequency <= 0:
        return OneIn(genotype=genotype, people=None, words=gettext("not found in the survey", language),
                     short=gettext("none found", language), ceiling=False)
    people = _two_figures(1 / frequency)
    n = _grouped(people, language)
    if ceilings & set(_needs(genotype)):
        return OneIn(genotype=genotype, people=people, words=gettext("at most about 1 in %(n)s", language) % {"n": n},
                     short=gettext("%(n)s or more", language) % {"n": n}, ceiling=True)
    return OneIn(genotype=genotype, people=people, words=gettext("about 1 in %(n)s", language) % {"n": n}, short=n,
                 ceiling=False)


def _row(record: CountryFrequencies, language: str) -> CountryHowCommon:
    answer = describe_prevalence(country_name=record.country)
    size = answer.get("sample_size")
    return CountryHowCommon(country=record.country, name=place_name(record.country, language), region=record.region,
                            region_name=gettext(record.region, language),
                            types=[one_in(answer, g, language) for g in SEVERE_TYPES],
                            sample_size=size, survey_people=_grouped(size, language) if size else "",
                            source=answer.get("source", ""))


def _survey_sentence(answer: PrevalenceAnswer, language: str) -> str:
    size = answer.get("sample_size")
    if isinstance(size, int):
        return gettext("These numbers are worked out from a survey of %(n)s people. Surveys test only some "
                       "people, so the real numbers may be a bit higher or lower.", language) % {
            "n": _grouped(size, language)}
    return gettext("These numbers are worked out from a survey. Surveys test only some people, so the real "
                   "numbers may be a bit higher or lower.", language)


def _label(genotype: str, language: str) -> str:
    """The genotype's severity in words (``severely low AAT level``), from the core's severity classes."""
    return gettext(SEVERITY_LABELS[genotype_severity(parse_genotype(genotype))], language)


def _z_only_sentences(answer: PrevalenceAnswer, country: str, language: str) -> list[str]:
    """A survey that published only Z: ZZ and the people with one Z gene; SZ and MS are not guessed."""
    zz = one_in(answer, "ZZ", language)
    z = answer["allele_frequencies"]["Z"]
    one_z = 2 * z * (1 - z)  # exactly one Z gene, whatever the other gene is
    words = (gettext("about 1 in %(n)s", language) % {"n": _grouped(_two_figures(1 / one_z), language)}
             if one_z > 0 else gettext("not found in the survey", language))
    return [gettext("In %(country)s, %(zz)s people has two Z genes (ZZ), which means a %(zz_label)s.", language) % {
                "country": country, "zz": zz["words"], "zz_label": _label("ZZ", language)},
            gettext("The survey report does not count the S gene, so we cannot say how common SZ is there.", language),
            gettext("Many more people carry one Z gene: %(z)s.", language) % {"z": words}]


def _type_sentences(answer: PrevalenceAnswer, country: str, language: str) -> list[str]:
    """One sentence per type, each true of the survey: found, not found, not known, or only a ceiling."""
    if "S" in answer.get("unreported_alleles", []):
        return _z_only_sentences(answer, country, language)
    zz, sz, mz, ms = (one_in(answer, g, language) for g in ("ZZ", "SZ", "MZ", "MS"))
    if zz["people"] is None:
        sentences = [gettext("In %(country)s, the survey found no Z gene. So ZZ, which means a %(zz_label)s, is very "
                             "rare there. It can still happen.", language) % {
            "country": country, "zz_label": _label("ZZ", language)}]
        if ms["people"] is None:
            sentences.append(gettext("It found no S gene either.", language))
    else:
        sentences = [gettext("In %(country)s, %(zz)s people has two Z genes (ZZ), which means a %(zz_label)s.",
                             language) % {"country": country, "zz": zz["words"], "zz_label": _label("ZZ", language)}]
        if sz["people"] is not None:
            sentences.append(gettext("And %(sz)s people has one S and one Z gene (SZ), also a %(sz_label)s.",
                                     language) % {"sz": sz["words"], "sz_label": _label("SZ", language)})
        else:
            sentences.append(gettext("The survey found no S gene, so SZ is very rare there too.", language))
        sentences.append(gettext("Many more people carry one Z gene (MZ): %(mz)s.", language) % {"mz": mz["words"]})
    if ms["people"] is not None:
        sentences.append(gettext("One S gene (MS) is carried by %(ms)s people. S alone lowers AAT only a little.",
                                 language) % {"ms": ms["words"]})
    return sentences


def how_common(country_name: str | None = None, language: str = "en") -> HowCommonAnswer:
    """How common the severe types are in ``country_name`` (sentences) and in every country of the table.

    :class:`~aatd.errors.InputError` (field ``country``) for a country not in the table.
    """
    rows = sorted((_row(record, language) for record in knowledge().countries.values()),
                  key=lambda r: (r["region_name"], r["name"]))
    sentences: list[str] = []
    source: str | None = None
    chosen: str | None = None
    if country_name:
        answer = describe_prevalence(country_name=country_name)
        chosen = answer.get("country", country_name)
        sentences = [*_type_sentences(answer, place_name(chosen, language), language),
                     _survey_sentence(answer, language)]
        source = answer.get("source")
    note = gettext("Each number is for a person picked at random. It does not tell you about yourself: only a "
                   "test can do that.", language)
    return HowCommonAnswer(country=chosen, sentences=sentences, source=source, countries=rows, note=note,
                           provenance=provenance(country=chosen or ""))
