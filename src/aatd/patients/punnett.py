"""Punnett squares: each child's chances from the parents' genotypes, as data, words and SVG.

The square crosses the two alleles of one parent with the two of the other; each of the
four cells has probability 1/4. The per-genotype totals come from
:func:`aatd.genetics.inheritance.offspring_distribution` (the square agrees with it by
construction, and the tests check it), and each genotype's severity class from
:func:`aatd.genetics.levels.genotype_severity`. The SVG has a ``<title>`` and ``<desc>``, and shows
every cell's genotype and severity in words with a fill pattern, so it does not rely on
colour alone. Captions go through the translation layer (:mod:`aatd.patients.i18n`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from xml.sax.saxutils import escape

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, parse_genotype
from aatd.genetics.inheritance import offspring_distribution
from aatd.genetics.levels import Severity, genotype_severity
from aatd.knowledge.places import place_name
from aatd.patients.i18n import format_number, gettext, gettext_noop, localise_number, ngettext
from aatd.provenance import provenance

CELL = 150
HEADER = 110

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.NORMAL: gettext_noop("usual AAT level"),
    Severity.INTERMEDIATE: gettext_noop("mildly low AAT level"),
    Severity.SEVERE: gettext_noop("severely low AAT level"),
    Severity.ABSENT: gettext_noop("no AAT in the blood"),
}
"""Plain words for each severity class (translated at use)."""

_STYLE: dict[Severity, tuple[str, str]] = {
    Severity.NORMAL: ("#dff3e4", "none"),
    Severity.INTERMEDIATE: ("#fde9c9", "hatch"),
    Severity.SEVERE: ("#f6c9c9", "cross"),
    Severity.ABSENT: ("#d9d9d9", "dots"),
}
"""Fill colour and pattern per severity: pattern and text carry the meaning, colour helps."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One square of the Punnett square."""

    from_parent1: str
    from_parent2: str
    genotype: Genotype
    severity: Severity

    def as_dict(self, language: str) -> dict[str, object]:
        return {"from_parent1": self.from_parent1, "from_parent2": self.from_parent2,
                "genotype": self.genotype.canonical, "probability": 0.25, "severity": self.severity.value,
                "severity_label": gettext(SEVERITY_LABELS[self.severity], language)}


def _parent(genotype: Genotype | str, field: str) -> Genotype:
    return genotype if isinstance(genotype, Genotype) else parse_genotype(genotype, field)


def punnett_cells(parent1: Genotype | str, parent2: Genotype | str) -> tuple[tuple[Cell, Cell], tuple[Cell, Cell]]:
    """The 2 x 2 cells: rows are parent 1's alleles, columns parent 2's."""
    p1, p2 = _parent(parent1, "parent1"), _parent(parent2, "parent2")

    def cell(a: str, b: str) -> Cell:
        g = Genotype.of(a, b)
        return Cell(a, b, g, genotype_severity(g))

    return ((cell(p1.first, p2.first), cell(p1.first, p2.second)),
            (cell(p1.second, p2.first), cell(p1.second, p2.second)))


def chance_in_words(probability: float, language: str = "en") -> str:
    """``0.25`` -> "1 in 4"; ``0.5`` -> "1 in 2"; ``1`` -> "every child"; ``0`` -> "no child"."""
    if not 0.0 <= probability <= 1.0:
        raise InputError("probability", probability, "a number from 0 to 1")
    fraction = Fraction(probability).limit_denominator(16)
    if fraction == 1:
        return gettext("every child", language)
    if fraction == 0:
        return gettext("no child", language)
    return gettext("%(n)d in %(d)d", language) % {"n": fraction.numerator, "d": fraction.denominator}


def _caption(genotype: Genotype, probability: float, severity: Severity, language: str) -> str:
    chance = chance_in_words(probability, language)
    label = gettext(SEVERITY_LABELS[severity], language)
    if probability >= 1.0:
        return gettext("Every child will be %(genotype)s: %(label)s.", language) % {
            "genotype": genotype.canonical, "label": label}
    return gettext("Each child has a %(chance)s chance of being %(genotype)s: %(label)s.", language) % {
        "chance": chance, "genotype": genotype.canonical, "label": label}


def outcomes(parent1: Genotype | str, parent2: Genotype | str, language: str = "en") -> list[dict[str, object]]:
    """Each possible child genotype with its probability, severity and a plain caption."""
    p1, p2 = _parent(parent1, "parent1"), _parent(parent2, "parent2")
    out = []
    for genotype, probability in offspring_distribution(p1, p2).items():
        severity = genotype_severity(genotype)
        out.append({
            "genotype": genotype.canonical, "probability": probability,
            "chance": chance_in_words(probability, language), "severity": severity.value,
            "severity_label": gettext(SEVERITY_LABELS[severity], language),
            "caption": _caption(genotype, probability, severity, language),
        })
    return out


def _summary(p1: Genotype, p2: Genotype, language: str) -> str:
    severe = sum(p for g, p in offspring_distribution(p1, p2).items()
                 if genotype_severity(g) in (Severity.SEVERE, Severity.ABSENT))
    if severe == 0:
        return gettext("No child of these parents can have a severe form of AATD.", language)
    return gettext("Each child has a %(chance)s chance of a severe form of AATD.", language) % {
        "chance": chance_in_words(severe, language)}


def _patterns() -> str:
    return (
        '<defs>'
        '<pattern id="pq-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="8" height="8" fill="#fde9c9"/><line x1="0" y1="0" x2="0" y2="8" stroke="#b36b00" '
        'stroke-width="2"/></pattern>'
        '<pattern id="pq-cross" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#f6c9c9"/><path d="M0 0 L8 8 M8 0 L0 8" stroke="#9b1c1c" '
        'stroke-width="1.5"/></pattern>'
        '<pattern id="pq-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#d9d9d9"/><circle cx="4" cy="4" r="1.6" fill="#333333"/></pattern>'
        '</defs>'
    )


def _fill(severity: Severity) -> str:
    colour, pattern = _STYLE[severity]
    return colour if pattern == "none" else f"url(#pq-{pattern})"


def _cell_svg(cell: Cell, x: int, y: int, language: str) -> str:
    label = gettext(SEVERITY_LABELS[cell.severity], language)
    words = label.split()
    half = (len(words) + 1) // 2
    lines = [" ".join(words[:half]), " ".join(words[half:])]
    cx = x + CELL // 2
    return (
        f'<g><rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{_fill(cell.severity)}" '
        f'stroke="#333333" stroke-width="2"/>'
        f'<rect x="{x + 15}" y="{y + 28}" width="{CELL - 30}" height="{CELL - 50}" rx="8" fill="#ffffff" '
        f'fill-opacity="0.85"/>'
        f'<text x="{cx}" y="{y + 62}" font-size="26" font-weight="bold">{escape(cell.genotype.canonical)}</text>'
        f'<text x="{cx}" y="{y + 88}" font-size="14">{escape(lines[0])}</text>'
        f'<text x="{cx}" y="{y + 106}" font-size="14">{escape(lines[1])}</text>'
        f'<text x="{cx}" y="{y + 124}" font-size="13">{escape(chance_in_words(0.25, language))}</text></g>'
    )


def punnett_svg(parent1: Genotype | str, parent2: Genotype | str, language: str = "en") -> str:
    """An accessible SVG Punnett square (title, description, words and patterns in every cell)."""
    p1, p2 = _parent(parent1, "parent1"), _parent(parent2, "parent2")
    cells = punnett_cells(p1, p2)
    rows = outcomes(p1, p2, language)
    title = gettext("Chances for each child of a %(p1)s parent and a %(p2)s parent", language) % {
        "p1": p1.canonical, "p2": p2.canonical}
    desc = " ".join([*(str(r["caption"]) for r in rows), _summary(p1, p2, language)])
    size = HEADER + 2 * CELL
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size + 10} {size + 10}" width="{size + 10}" '
        f'height="{size + 10}" role="img" aria-labelledby="pq-title pq-desc">',
        f'<title id="pq-title">{escape(title)}</title>', f'<desc id="pq-desc">{escape(desc)}</desc>', _patterns(),
        f'<rect width="{size + 10}" height="{size + 10}" fill="#ffffff"/>',
        '<g font-family="sans-serif" fill="#111111" text-anchor="middle">',
    ]
    for j, allele in enumerate((p2.first, p2.second)):
        x = HEADER + j * CELL + CELL // 2
        parts.append(f'<text x="{x}" y="{HEADER - 40}" font-size="14">{escape(gettext("Parent 2", language))}</text>'
                     f'<text x="{x}" y="{HEADER - 14}" font-size="22" font-weight="bold">{escape(allele)}</text>')
    for i, allele in enumerate((p1.first, p1.second)):
        y = HEADER + i * CELL + CELL // 2
        parts.append(f'<text x="{HEADER // 2}" y="{y - 14}" font-size="14">{escape(gettext("Parent 1", language))}'
                     f'</text><text x="{HEADER // 2}" y="{y + 14}" font-size="22" font-weight="bold">'
                     f'{escape(allele)}</text>')
        parts += [_cell_svg(cell, HEADER + j * CELL, HEADER + i * CELL, language) for j, cell in enumerate(cells[i])]
    parts.append("</g></svg>")
    return "".join(parts)


def describe_family_chances(parent1: Genotype | str, parent2: Genotype | str, *,
                            language: str = "en") -> dict[str, object]:
    """Everything the "Our family" page shows for two parents, JSON-ready.

    ``{"parents", "square": {"parent1_alleles", "parent2_alleles", "cells"}, "outcomes",
    "summary", "note", "svg", "provenance"}``.
    """
    p1, p2 = _parent(parent1, "parent1"), _parent(parent2, "parent2")
    cells = punnett_cells(p1, p2)
    rows = outcomes(p1, p2, language)
    children = ngettext("%(n)d child", "%(n)d children", 4, language) % {"n": 4}
    return {
        "parents": {"parent1": p1.canonical, "parent2": p2.canonical},
        "square": {
            "parent1_alleles": [p1.first, p1.second], "parent2_alleles": [p2.first, p2.second],
            "cells": [[c.as_dict(language) for c in row] for row in cells],
        },
        "outcomes": rows,
        "summary": _summary(p1, p2, language),
        "note": gettext("The square shows %(children)s as an example. The chances are the same for every "
                        "child, however many children there are. Talk to a genetic counsellor about what "
                        "this means for your family.", language) % {"children": children},
        "svg": punnett_svg(p1, p2, language),
        "provenance": provenance(parent1=p1.canonical, parent2=p2.canonical),
    }


def _percent(p: float, language: str) -> str:
    """A chance as a percentage in ``language`` (``6.0%``; ``6,0%`` in Spanish; ``<0.1%`` when tiny)."""
    value = p * 100
    if 0 < value < 0.1:
        return localise_number("<0.1%", language)
    return format_number(value, language, ".1f" if value < 10 else ".0f") + "%"


def _ceiling_note(ceilings: tuple[str, ...], language: str) -> str:
    """A sentence when the country's survey gave only an upper limit for a gene (it pooled rare genes)."""
    if not ceilings:
        return ""
    return " " + gettext("The survey gave only an upper limit for the %(genes)s gene, so chances that need it may "
                         "be lower.", language) % {"genes": " / ".join(ceilings)}


def describe_untested_partner_chances(parent: Genotype | str, country_name: str, *,
                                      language: str = "en") -> dict[str, object]:
    """Each child's chances when one parent's type is known and the other was never tested.

    The untested parent's type is taken from how common the S and Z genes are in
    ``country_name`` (the cited allele-frequency table, Hardy-Weinberg proportions), so the
    chances are for a partner picked at random from that country, not for this person.
    ``{"parents", "country", "partner", "outcomes", "summary", "note", "provenance"}``.
    """
    from aatd.genetics.prevalence import country, country_allele_frequencies, hardy_weinberg

    p1 = _parent(parent, "parent1")
    record = country(country_name)
    partner = hardy_weinberg(country_allele_frequencies(record.country))
    child = offspring_distribution(p1, partner)
    rows = []
    for genotype, probability in child.items():
        severity = genotype_severity(genotype)
        chance, label = _percent(probability, language), gettext(SEVERITY_LABELS[severity], language)
        rows.append({"genotype": genotype.canonical, "probability": probability, "chance": chance,
                     "severity": severity.value, "severity_label": label,
                     "caption": gettext("Each child has about a %(chance)s chance of being %(genotype)s: %(label)s.",
                                        language) % {"chance": chance, "genotype": genotype.canonical,
                                                     "label": label}})
    severe = sum(p for g, p in child.items() if genotype_severity(g) in (Severity.SEVERE, Severity.ABSENT))
    carrier = sum(p for g, p in partner.items() if g.canonical != "MM")
    return {
        "parents": {"parent1": p1.canonical, "parent2": None}, "country": record.country,
        "partner": {"p_carrier": carrier, "carrier_chance": _percent(carrier, language)},
        "outcomes": rows,
        "summary": gettext("Each child has about a %(chance)s chance of a severe form of AATD.", language) % {
            "chance": _percent(severe, language)},
        "note": gettext("The other parent was not tested, so we used how common the S and Z genes are in "
                        "%(country)s: about %(carrier)s of people there carry at least one. A test of the other "
                        "parent gives a surer answer.", language) % {
                            "country": place_name(record.country, language), "carrier": _percent(carrier, language)}
        + _ceiling_note(record.upper_bounds, language),
        "provenance": provenance(parent1=p1.canonical, parent2="untested", country=record.country),
    }
