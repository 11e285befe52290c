"""Population genotype frequencies under Hardy-Weinberg equilibrium.

With allele frequencies p_i, a homozygote i/i has frequency p_i^2 and a heterozygote
i/j has 2 p_i p_j. Country frequencies of PI*S and PI*Z come from the world surveys in
``allele_frequencies.csv``; the rest of the alleles are taken as M.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations_with_replacement

from aatd.errors import InputError
from aatd.genetics.alleles import get_allele
from aatd.genetics.genotypes import Genotype
from aatd.genetics.inheritance import GenotypeDistribution, sort_distribution
from aatd.knowledge import AncestryFrequencies, CountryFrequencies, knowledge
from aatd.limits import POPULATION

_SUM_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class GenotypeCount:
    """Expected frequency and count of one genotype in a population."""

    frequency: float
    count: float


def allele_frequencies(s: float, z: float, field_s: str = "s", field_z: str = "z") -> dict[str, float]:
    """``{"M": 1 - s - z, "S": s, "Z": z}`` after checking each lies in [0, 1]."""
    for field, value in ((field_s, s), (field_z, z)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(field, value, "a frequency between 0 and 1")
        if not 0.0 <= value <= 1.0:
            raise InputError(field, value, "a frequency between 0 and 1",
                             hint="per-1000 figures must be divided by 1000")
    if s + z > 1.0 + _SUM_TOLERANCE:
        raise InputError(f"{field_s}+{field_z}", s + z, "S and Z frequencies summing to at most 1")
    return {"M": max(0.0, 1.0 - s - z), "S": float(s), "Z": float(z)}


def validate_frequencies(freqs: Mapping[str, float], field: str = "allele_frequencies") -> dict[str, float]:
    """Check explicit allele frequencies (names resolved, each in [0, 1], summing to 1)."""
    out: dict[str, float] = {}
    for name, value in freqs.items():
        allele = get_allele(name, f"{field}.{name}").allele
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise InputError(f"{field}.{name}", value, "a frequency between 0 and 1")
        out[allele] = out.get(allele, 0.0) + float(value)
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(field, dict(freqs), "allele frequencies summing to 1", hint=f"they sum to {total:g}")
    return out


def hardy_weinberg(freqs: Mapping[str, float]) -> GenotypeDistribution:
    """Genotype frequencies from allele frequencies (zero-frequency alleles are dropped)."""
    alleles = [(get_allele(a).allele, p) for a, p in freqs.items() if p > 0]
    dist: GenotypeDistribution = {}
    for (a, pa), (b, pb) in combinations_with_replacement(alleles, 2):
        dist[Genotype.of(a, b)] = pa * pb * (1 if a == b else 2)
    return sort_distribution(dist)


PEOPLE_EXPECTED = f"a whole number of people from 1 to {POPULATION:,}"

_PEOPLE_TEXT_CHARACTERS = len(f"{POPULATION}") + 8
"""Characters of a population typed as text: the limit's digits with room for spaces and leading zeros. Longer
text is refused before :func:`int` reads it (Python refuses over 4,300 digits with an exception of its own)."""


def whole_people(value: object, field: str = "population", minimum: int = 1) -> int:
    """``value`` as a number of people: a whole number from ``minimum`` to :data:`~aatd.limits.POPULATION`.

    Accepts an integer, a float with no fraction (``1e6`` from Python) or text of digits (``"250000"``, the
    command line and the query string). ``0.5``, ``0``, negatives, ``1e999``, NaN and ``True`` are refused:
    half a person is no population, and a count printed from it would be a sentence untrue of the input.
    """
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) <= _PEOPLE_TEXT_CHARACTERS and value.strip().isascii() \
            and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not minimum <= number <= POPULATION:
        expected = PEOPLE_EXPECTED if minimum == 1 else f"a whole number of people from {minimum} to {POPULATION:,}"
        raise InputError(field, value, expected)
    return number


def expected_counts(freqs: Mapping[str, float], population: int) -> dict[Genotype, GenotypeCount]:
    """Expected frequency and number of people of each genotype in ``population`` people (a whole number
    from 0, for frequencies alone, to :data:`~aatd.limits.POPULATION`)."""
    people = whole_people(population, minimum=0)
    return {g: GenotypeCount(f, f * people) for g, f in hardy_weinberg(freqs).items()}


def country(name: str) -> CountryFrequencies:
    """The PI*S / PI*Z record of a country (case-insensitive), with suggestions on a miss."""
    countries = knowledge().countries
    record = countries.get(name.strip().lower())
    if record is None:
        names = sorted(c.country for c in countries.values())
        import difflib  # only for a mistyped country: not loaded on every import

        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else ""
        raise InputError("country", name, "a country in the table: " + ", ".join(names), hint=hint)
    return record


def ancestry(name: str) -> AncestryFrequencies:
    """The PI*S / PI*Z record of a genetic ancestry group (case-insensitive, by name or alias)."""
    groups = knowledge().ancestries
    record = groups.get(name.strip().lower())
    if record is None:
        names = sorted({g.group for g in groups.values()})
        import difflib  # only for a mistyped group: not loaded on every import

        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else ""
        raise InputError("ancestry", name, "an ancestry group in the table: " + ", ".join(names), hint=hint)
    return record


def ancestry_allele_frequencies(name: str) -> dict[str, float]:
    """The allele frequencies an ancestry group's dataset reports: M/S/Z, or only Z where S was not reported.

    Where S is missing no M frequency is given either (M would silently absorb the unknown S).
    """
    record = ancestry(name)
    if record.s is None:
        return {"Z": record.z}
    return allele_frequencies(record.s, record.z)


def carrier_frequency(allele_frequency: float) -> float:
    """Share of people with at least one copy of an allele, 1 - (1 - p)^2 (Hardy-Weinberg; exact for one allele
    whatever the frequencies of the others)."""
    return 1.0 - (1.0 - allele_frequency) ** 2


def country_allele_frequencies(name: str) -> dict[str, float]:
    """M/S/Z allele frequencies of a country: the full distribution family priors and level priors need.

    A country whose survey published only Z is refused (:class:`InputError` on ``country``): taking S as 0 would
    silently put every S carrier among the M.
    """
    record = country(name)
    if record.s is None:
        raise InputError("country", name, "a country whose survey published both S and Z frequencies",
                         hint=f"S frequency not published for {record.country}; give explicit frequencies")
    return allele_frequencies(record.s, record.z)


def country_reported_frequencies(name: str) -> dict[str, float]:
    """The allele frequencies a country's survey reports: M/S/Z, or only Z where S was not published.

    Where S is missing no M frequency is given either (M would silently absorb the unpublished S), as for
    :func:`ancestry_allele_frequencies`.
    """
    record = country(name)
    if record.s is None:
        return {"Z": record.z}
    return allele_frequencies(record.s, record.z)


def countries_with_full_distribution() -> list[str]:
    """Names of the countries whose survey gives S and Z (those a family or level prior can use), sorted."""
    return sorted(c.country for c in knowledge().countries.values() if c.s is not None)


def country_population(name: str) -> int | None:
    """The population (people) the survey used for ``name``, if given.

    The table gives millions with up to six decimals, i.e. whole people; ``259.196422 * 1e6`` is
    ``259196421.99999997`` in binary floating point, so the product is rounded to the person it names.
    """
    millions = country(name).population_millions
    return None if millions is None else round(millions * 1_000_000)
