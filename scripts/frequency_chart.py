"""Draw PI*S and PI*Z per 1000 by country, with 95% CIs, from the country table (docs/img/allele-frequencies.svg),
and world maps of each (docs/img/allele-map-z.svg, docs/img/allele-map-s.svg).

    python scripts/frequency_chart.py          # rewrite the SVGs
    python scripts/frequency_chart.py --check  # exit 1 if an SVG is stale (run by the tests)

A dot chart rather than a map: the stored corpora hold no country outlines, and a chart keeps
each survey's interval visible. Countries are grouped by region; hollow dots are values
derived here from a paper's counts (the table's ``basis`` column).
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

from aatd.knowledge import CountryFrequencies, knowledge
from aatd.knowledge.places import place_codes
from aatd.web.public.world_map import NO_DATA, Band, map_codes, world_map_svg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "allele-frequencies.svg"
ROW, TOP, LEFT, PANEL, GAP = 18, 54, 190, 300, 40
SCALE_MAX = {"S": 140.0, "Z": 60.0}
TICKS = {"S": (0, 20, 40, 60, 80, 100, 120, 140), "Z": (0, 10, 20, 30, 40, 50, 60)}
COLOUR = {"S": "#1f6fb4", "Z": "#b4451f"}
MAP_BANDS = {  # upper limit per 1000 (exclusive) and colour, most frequent first
    "Z": ((None, "#99000d"), (20.0, "#de2d26"), (10.0, "#fb6a4a"), (5.0, "#fcae91"), (2.0, "#fee5d9")),
    "S": ((None, "#08519c"), (100.0, "#3182bd"), (50.0, "#6baed6"), (20.0, "#bdd7e7"), (5.0, "#eff3ff")),
}
NOT_FOUND, CEILING, NOT_PUBLISHED = "#ffffff", "#9e9ac8", "#f0e442"
MAPS = {allele: ROOT / "docs" / "img" / f"allele-map-{allele.lower()}.svg" for allele in ("Z", "S")}


def rows() -> list[CountryFrequencies]:
    return sorted(knowledge().countries.values(), key=lambda c: (c.region, c.country))


def _x(allele: str, per_1000: float) -> float:
    start = LEFT if allele == "S" else LEFT + PANEL + GAP
    return start + PANEL * min(per_1000, SCALE_MAX[allele]) / SCALE_MAX[allele]


def render() -> str:
    countries = rows()
    height = TOP + ROW * len(countries) + 40
    width = LEFT + 2 * PANEL + GAP + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           '<title>PI*S and PI*Z allele frequencies per 1000 by country, with 95% confidence intervals</title>',
           f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">PI*S and PI*Z per 1000 (95% CI); '
           'hollow = derived from counts; \u2264 = only a ceiling</text>']
    for allele in ("S", "Z"):
        base = _x(allele, 0)
        out.append(f'<text x="{base}" y="36" font-weight="bold" fill="{COLOUR[allele]}">PI*{allele} per 1000</text>')
        for tick in TICKS[allele]:
            x = _x(allele, tick)
            out.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 34}" stroke="#ddd"/>')
            out.append(f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{tick}</text>')
    region = None
    for i, c in enumerate(countries):
        y = TOP + ROW * i
        if c.region != region:
            region = c.region
            out.append(f'<line x1="8" y1="{y - ROW / 2:.1f}" x2="{width - 10}" y2="{y - ROW / 2:.1f}" stroke="#bbb"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{escape(c.country)}</text>')
        for allele, point, ci in (("S", c.s, c.s_ci), ("Z", c.z, c.z_ci)):
            colour = COLOUR[allele]
            if point is None:  # a Z-only survey: said in words, never drawn as 0
                out.append(f'<text x="{_x(allele, 0) + 4:.1f}" y="{y + 4}" fill="#555" font-style="italic">'
                           'not published</text>')
                continue
            if ci is not None:
                out.append(f'<line x1="{_x(allele, ci[0] * 1000):.1f}" y1="{y}" x2="{_x(allele, ci[1] * 1000):.1f}" '
                           f'y2="{y}" stroke="{colour}" stroke-width="1.5"/>')
            fill = "white" if c.basis == "derived" else colour
            ceiling = allele in c.upper_bounds
            x = _x(allele, point * 1000)
            if ceiling:
                out.append(f'<text x="{x - 5:.1f}" y="{y - 4}" text-anchor="end" font-weight="bold" fill="{colour}" '
                           'stroke="white" stroke-width="3" paint-order="stroke">\u2264</text>')
            out.append(f'<circle cx="{x:.1f}" cy="{y}" r="3.5" fill="{fill}" '
                       f'stroke="{colour}" stroke-width="1.5"><title>{escape(c.country)}: {allele} '
                       f'{"at most " if ceiling else ""}{point * 1000:.3g} per 1000</title></circle>')
    out.append(f'<text x="8" y="{height - 4}" fill="#555">Source: src/aatd/data/allele_frequencies.csv '
               '(each row cites its survey); regions as in the table.</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _map_bands(allele: str) -> list[tuple[float, float | None, str, str]]:
    """(low, high, colour, words) per band, from the rarest up."""
    limits = MAP_BANDS[allele]
    out = []
    for (high, colour), (low, _) in zip(limits, [*limits[1:], (0.0, "")], strict=True):
        words = f"{low:g} to under {high:g} per 1000" if high is not None else f"{low:g} per 1000 or more"
        out.append((low or 0.0, high, colour, words if low else f"under {high:g} per 1000 (not 0)"))
    return out[::-1]


def _map_fill(allele: str, c: CountryFrequencies) -> tuple[str, str]:
    frequency = c.z if allele == "Z" else c.s
    if frequency is None:
        return NOT_PUBLISHED, f"{c.country}: {allele} not published by the survey read (Z only)"
    value = frequency * 1000
    if allele in c.upper_bounds:
        return CEILING, f"{c.country}: {allele} at most {value:.3g} per 1000"
    if value == 0:
        return NOT_FOUND, f"{c.country}: {allele} not found in the survey"
    colour = next(colour for low, high, colour, _ in _map_bands(allele)
                  if low <= value and (high is None or value < high))
    return colour, f"{c.country}: {allele} {value:.3g} per 1000"


def render_map(allele: str) -> str:
    """The world map of PI*``allele`` per 1000 (legend inside the SVG)."""
    codes, drawn = place_codes(), map_codes()
    fills = {codes[c.country]: _map_fill(allele, c) for c in rows()}
    bands = [Band(colour, words) for _, _, colour, words in _map_bands(allele)]
    bands += [Band(NOT_FOUND, "not found in the survey"), Band(CEILING, "only a ceiling (pooled with rare alleles)")]
    if any((c.z if allele == "Z" else c.s) is None for c in rows()):
        bands.append(Band(NOT_PUBLISHED, "not published (the survey read gives Z only)"))
    bands.append(Band(NO_DATA, "no survey in the table"))
    small = sorted(c.country for c in rows() if codes[c.country] not in drawn)
    return world_map_svg(fills, bands, title=f"PI*{allele} allele frequency per 1000 by country",
                         description=f"World map of the PI*{allele} column of allele_frequencies.csv.",
                         too_small=small, too_small_label="Too small for this map:") + "\n"


def main(check: bool) -> int:
    outputs = {OUT: render(), **{path: render_map(allele) for allele, path in MAPS.items()}}
    stale = [path for path, new in outputs.items() if not path.exists() or path.read_text(encoding="utf-8") != new]
    if check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python scripts/frequency_chart.py")
        return 1 if stale else 0
    for path, new in outputs.items():
        path.write_text(new, encoding="utf-8")
        print(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
