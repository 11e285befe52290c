"""Draw a pedigree as SVG in standard nomenclature (Bennett et al. 2008, PMID 18792771).

Squares are males, circles females, diamonds unknown sex; a slash marks a deceased
member; an arrow points at the proband; a double line joins a consanguineous couple;
monozygotic twins hang from one point joined by a bar. Fill shows what was tested:
black for a severe genotype, grey for another genotype or IEF result, light grey for
a partial result (a serum level, or one allele known), white for not tested. Under
each symbol: the id and the genotype, or the two most probable genotypes. A legend
explains the symbols.

Layout (:func:`layout`):

1. **Generations.** Founders start at the top; a child sits one generation below the
   lower of its parents, and a founder who married in joins their partner's
   generation, so every generation is one row.
2. **Order in a row** (:func:`row_orders`). Sibships are ordered by where their parents
   stand in the rows above; siblings keep their birth order as given, except that a
   sibling who marries into the sibship on the left (right) moves to the left (right)
   end, so the couple stands side by side. Partners who married in stand beside their
   partner: a male partner on the left, a female one on the right (a second partner on
   the other side).
3. **Positions.** Alternating passes centre each couple over its children and each
   sibship under its parents' marriage line; after every pass, each row is re-solved by
   isotonic regression (pool-adjacent-violators) for the positions closest to those
   targets that keep the row's order and a minimum distance between neighbours. That
   distance is wide enough for both symbols and their labels, so symbols and labels never
   overlap, whatever the family.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape  # quote=True by default: & < > " ' all escaped, safe in text and attributes
from itertools import pairwise

from aatd.family.inference import PedigreeResult
from aatd.family.pedigree import CarrierEvidence, Member, Pedigree, Sex
from aatd.genetics.levels import Severity, genotype_severity

SIZE = 36
STEP_X = 90
"""Smallest distance between the centres of two neighbours in a row."""
STEP_Y = 170
MARGIN = 60
CHAR_WIDTH = 7.5
"""A generous estimate of the width of one character at the drawing's 12 px font."""
LABEL_GAP = 14
PASSES = 4
FILLS = {"severe": "black", "genotyped": "#9a9a9a", "partial": "#dcdcdc", "untested": "white"}
_SEVERE = (Severity.SEVERE, Severity.ABSENT)

Couple = tuple[str | None, str | None]


def generations(pedigree: Pedigree) -> dict[str, int]:
    """Generation number of each member (0 at the top); founders join their spouse's generation."""
    gen: dict[str, int] = {}
    for m in pedigree.members:  # parents first
        gen[m.id] = 1 + max(gen[p] for p in (m.father, m.mother) if p) if not m.is_founder else 0
    for _ in range(len(pedigree)):
        changed = False
        for m in pedigree.members:
            if m.father and m.mother:
                level = max(gen[m.father], gen[m.mother])
                for p in (m.father, m.mother):
                    if pedigree[p].is_founder and gen[p] < level:
                        gen[p], changed = level, True
                if gen[m.id] <= level:
                    gen[m.id], changed = level + 1, True
        if not changed:
            break
    return gen


def partners(pedigree: Pedigree) -> dict[str, list[str]]:
    """The partners of each member (people they have a child with), in the order of their first child."""
    out: dict[str, list[str]] = {m.id: [] for m in pedigree.members}
    for m in pedigree.members:
        if m.father and m.mother:
            for a, b in ((m.father, m.mother), (m.mother, m.father)):
                if b not in out[a]:
                    out[a].append(b)
    return out


def sibships(pedigree: Pedigree) -> dict[Couple, list[str]]:
    """Children of each couple (or single recorded parent), in birth order as given."""
    out: dict[Couple, list[str]] = {}
    for m in pedigree.members:
        if not m.is_founder:
            out.setdefault((m.father, m.mother), []).append(m.id)
    return out


# --- order within each row ------------------------------------------------------------------------------------------


def row_orders(pedigree: Pedigree) -> list[list[str]]:
    """Members of each generation, left to right."""
    gen = generations(pedigree)
    mates = partners(pedigree)
    place: dict[str, int] = {}
    rows: list[list[str]] = []
    for level in range(max(gen.values()) + 1):
        in_row = [m.id for m in pedigree.members if gen[m.id] == level]
        groups = [(couple, kids) for couple, kids in sibships(pedigree).items() if gen[kids[0]] == level]
        row = _with_partners(_ordered_sibships(groups, mates, place), in_row, mates, pedigree)
        place.update({x: k for k, x in enumerate(row)})
        rows.append(row)
    return rows


def _ordered_sibships(groups: list[tuple[Couple, list[str]]], mates: Mapping[str, list[str]],
                      place: Mapping[str, int]) -> list[str]:
    """Sibships by the mean place of their parents; a sibling marrying into another sibship moves toward it."""
    def parents_place(group: tuple[Couple, list[str]]) -> float:
        return _mean([place[p] for p in group[0] if p is not None and p in place])

    ordered = [kids for _, kids in sorted(groups, key=parents_place)]
    group_of = {kid: k for k, kids in enumerate(ordered) for kid in kids}
    out: list[str] = []
    for k, kids in enumerate(ordered):
        def side(kid: str, k: int = k) -> int:
            others = [group_of[p] for p in mates[kid] if p in group_of]
            return -1 if any(g < k for g in others) else (1 if any(g > k for g in others) else 0)
        out += sorted(kids, key=side)  # stable: birth order otherwise
    return out


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _with_partners(row: list[str], in_row: list[str], mates: Mapping[str, list[str]], pedigree: Pedigree) -> list[str]:
    """Add the rest of the row: partners beside their partner, then anyone left (each with their partners)."""
    wanted = set(in_row)
    out = list(row)
    placed = set(row)
    for start in [*row, *in_row]:
        if start not in placed:
            out.append(start)
            placed.add(start)
        queue = [start]
        while queue:
            x = queue.pop(0)
            for n, partner in enumerate(p for p in mates[x] if p in wanted and p not in placed):
                right = (pedigree[x].sex is not Sex.FEMALE) == (n % 2 == 0)
                out.insert(out.index(x) + (1 if right else 0), partner)
                placed.add(partner)
                queue.append(partner)
    return out


# --- positions ------------------------------------------------------------------------------------------------------


def label_lines(m: Member, result: PedigreeResult | None) -> list[str]:
    """Lines under the symbol: the id, then the genotype or the two most probable genotypes."""
    if m.genotype is not None:
        return [m.id, m.genotype.canonical]
    lines = [m.id]
    if isinstance(m.phenotype, CarrierEvidence):
        lines.append(m.phenotype.canonical)
    elif m.phenotype is not None:
        lines.append(f"IEF {m.phenotype.canonical}")
    if result is not None:
        dist = result.distribution(m.id)
        top = sorted(dist.items(), key=lambda kv: -kv[1])[:2]
        lines += [f"{g.canonical} {p:.0%}" for g, p in top if p >= 0.005]
    return lines


def member_width(lines: Sequence[str]) -> float:
    """Width taken by a member: the symbol or the longest label line, whichever is wider."""
    return max(SIZE + 20.0, *(len(line) * CHAR_WIDTH for line in lines))


def _gaps(row: Sequence[str], width: Mapping[str, float]) -> list[float]:
    """Smallest distances between neighbours: both half-widths plus a margin, never less than ``STEP_X``."""
    return [max(STEP_X, (width[a] + width[b]) / 2 + LABEL_GAP) for a, b in pairwise(row)]


def fit_row(targets: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Positions closest (least squares) to ``targets`` with ``x[i+1] - x[i] >= gaps[i]`` (pool adjacent violators)."""
    if not targets:
        return []
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [sum of shifted targets, count]
    for t, off in zip(targets, offsets, strict=True):
        blocks.append([t - off, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    shifted = [b[0] / b[1] for b in blocks for _ in range(int(b[1]))]
    return [y + off for y, off in zip(shifted, offsets, strict=True)]


def layout(pedigree: Pedigree, result: PedigreeResult | None = None) -> dict[str, tuple[float, float]]:
    """Centre (x, y) of each member's symbol."""
    rows = row_orders(pedigree)
    width = {m.id: member_width(label_lines(m, result)) for m in pedigree.members}
    gaps = [_gaps(row, width) for row in rows]
    x: dict[str, float] = {}
    for row, row_gaps in zip(rows, gaps, strict=True):
        x.update(zip(row, fit_row([0.0] * len(row), row_gaps), strict=True))
    families = sibships(pedigree)
    for n in range(2 * PASSES + 1):
        down = n % 2 == 0  # start and end with children under their parents
        order = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for r in order:
            targets = _down_targets(rows[r], families, x) if down else _up_targets(rows[r], families, x)
            x.update(zip(rows[r], fit_row(_fill_partners(rows[r], targets, gaps[r], x), gaps[r]), strict=True))
    shift = MARGIN - min(x[m] - width[m] / 2 for m in x)
    gen = {member: r for r, row in enumerate(rows) for member in row}
    return {m.id: (round(x[m.id] + shift, 1), MARGIN + gen[m.id] * STEP_Y) for m in pedigree.members}


def _down_targets(row: Sequence[str], families: Mapping[Couple, list[str]], x: Mapping[str, float]
                  ) -> dict[str, float]:
    """Each sibship (with whoever stands between its members) centred under its parents' marriage line."""
    place = {member: k for k, member in enumerate(row)}
    targets: dict[str, list[float]] = {}
    for couple, kids in families.items():
        if kids[0] not in place:
            continue
        centre = _mean([x[p] for p in couple if p is not None])
        lo, hi = min(place[k] for k in kids), max(place[k] for k in kids)
        middle = (x[row[lo]] + x[row[hi]]) / 2
        for k in range(lo, hi + 1):
            targets.setdefault(row[k], []).append(centre + x[row[k]] - middle)
    return {member: _mean(ts) for member, ts in targets.items()}


def _up_targets(row: Sequence[str], families: Mapping[Couple, list[str]], x: Mapping[str, float]
                ) -> dict[str, float]:
    """Each parent placed so that the marriage line's midpoint is over the middle of the children."""
    in_row = set(row)
    targets: dict[str, list[float]] = {}
    for couple, kids in families.items():
        middle = (min(x[k] for k in kids) + max(x[k] for k in kids)) / 2
        present = [p for p in couple if p is not None]
        mid_now = _mean([x[p] for p in present])
        for p in present:
            if p in in_row:
                targets.setdefault(p, []).append(middle + x[p] - mid_now)
    return {member: _mean(ts) for member, ts in targets.items()}


def _fill_partners(row: Sequence[str], targets: Mapping[str, float], gaps: Sequence[float],
                   x: Mapping[str, float]) -> list[float]:
    """Targets for the whole row: members without one follow their nearest neighbour that has one, else stay."""
    out: list[float | None] = [targets.get(m) for m in row]
    for k in range(len(row)):
        if out[k] is None:
            left = next((j for j in range(k - 1, -1, -1) if row[j] in targets), None)
            right = next((j for j in range(k + 1, len(row)) if row[j] in targets), None)
            near = min((j for j in (left, right) if j is not None), key=lambda j: abs(j - k), default=None)
            out[k] = x[row[k]] if near is None else targets[row[near]] + x[row[k]] - x[row[near]]
    return [t if t is not None else 0.0 for t in out]


# --- drawing --------------------------------------------------------------------------------------------------------


def _shape(sex: Sex, x: float, y: float, size: float, fill: str, extra: str = "") -> str:
    h = size / 2
    style = f'fill="{fill}" stroke="black" stroke-width="2"{extra}'
    if sex is Sex.MALE:
        return f'<rect x="{x - h:g}" y="{y - h:g}" width="{size:g}" height="{size:g}" {style}/>'
    if sex is Sex.FEMALE:
        return f'<circle cx="{x:g}" cy="{y:g}" r="{h:g}" {style}/>'
    return f'<polygon points="{x:g},{y - h:g} {x + h:g},{y:g} {x:g},{y + h:g} {x - h:g},{y:g}" {style}/>'


def _deceased(x: float, y: float, h: float) -> str:
    return (f'<line class="deceased" x1="{x - h - 6:g}" y1="{y + h + 6:g}" x2="{x + h + 6:g}" y2="{y - h - 6:g}" '
            'stroke="black" stroke-width="2"/>')


def _arrow(x: float, y: float, h: float) -> str:
    return (f'<line class="proband" x1="{x - h - 26:g}" y1="{y + h + 16:g}" x2="{x - h - 4:g}" y2="{y + h - 2:g}" '
            'stroke="black" stroke-width="2" marker-end="url(#arrow)"/>')


def _member(index: int, m: Member, x: float, y: float, fill: str, lines: Sequence[str]) -> str:
    """The member's group: symbol, deceased slash, proband arrow and label lines.

    The element id comes from the member's position (``member-3``), never from user text;
    the member's own id is kept, escaped with quotes, in ``data-member``."""
    parts = [_shape(m.sex, x, y, SIZE, fill, ' class="symbol"')]
    if m.deceased:
        parts.append(_deceased(x, y, SIZE / 2))
    if m.proband:
        parts.append(_arrow(x, y, SIZE / 2))
    for k, line in enumerate(lines):
        weight = ' font-weight="bold"' if k == 0 else ""
        parts.append(f'<text class="label" x="{x:g}" y="{y + SIZE / 2 + 16 + 14 * k:g}" text-anchor="middle"{weight}>'
                     f"{escape(line)}</text>")
    return f'<g class="member" id="member-{index}" data-member="{escape(m.id)}">{"".join(parts)}</g>'


def fill_of(m: Member, result: PedigreeResult | None) -> str:
    """Black: severe genotype; grey: another genotype or IEF result; light grey: partial result; white: untested."""
    if m.genotype is not None:
        return FILLS["severe" if genotype_severity(m.genotype) in _SEVERE else "genotyped"]
    if m.genotyped:
        return FILLS["severe" if result is not None and result.p_severe(m.id) > 0.5 else "genotyped"]
    return FILLS["partial" if m.has_evidence else "untested"]


def _line(x1: float, y1: float, x2: float, y2: float, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<line{attr} x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="black" stroke-width="2"/>'


def _lines(pedigree: Pedigree, pos: Mapping[str, tuple[float, float]], bottom: Mapping[str, float]) -> list[str]:
    """Marriage lines, descent lines, sibship bars and twin bars."""
    out: list[str] = []
    consanguineous = set(pedigree.consanguineous_couples())
    twin_of = {mid: g for g in pedigree.twin_groups() for mid in g}
    for couple, kids in sibships(pedigree).items():
        bar_y = min(pos[k][1] for k in kids) - SIZE / 2 - 24
        top_x, top_y = _couple_lines(couple, pos, bottom, consanguineous, out)
        out.append(_line(top_x, top_y, top_x, bar_y))
        xs = [pos[k][0] for k in kids]
        out.append(_line(min([*xs, top_x]), bar_y, max([*xs, top_x]), bar_y, "sibship"))
        done: set[str] = set()
        for kid in kids:
            if kid not in done:
                group = twin_of.get(kid, (kid,))
                done |= set(group)
                out += _descent(group, pos, bar_y)
    return out


def _couple_lines(couple: Couple, pos: Mapping[str, tuple[float, float]], bottom: Mapping[str, float],
                  consanguineous: set[tuple[str, str]], out: list[str]) -> tuple[float, float]:
    """Draw a marriage line (double when consanguineous); return where the descent line starts."""
    father, mother = couple
    if father is None or mother is None:
        parent = father or mother
        assert parent is not None
        return pos[parent][0], bottom[parent] + 4
    (xf, yf), (xm, ym) = pos[father], pos[mother]
    out.append(_line(xf, yf, xm, ym, "couple"))
    if (father, mother) in consanguineous:
        out.append(_line(xf, yf + 5, xm, ym + 5, "consanguinity"))
        return (xf + xm) / 2, (yf + ym) / 2 + 5
    return (xf + xm) / 2, (yf + ym) / 2


def _descent(group: Sequence[str], pos: Mapping[str, tuple[float, float]], bar_y: float) -> list[str]:
    """Lines from the sibship bar to one child, or to monozygotic twins from one point with a bar between them."""
    top_x = _mean([pos[t][0] for t in group])
    out = [_line(top_x, bar_y, pos[t][0], pos[t][1] - SIZE / 2) for t in group]
    if len(group) > 1:
        ys = bar_y + (pos[group[0]][1] - SIZE / 2 - bar_y) / 2
        xs = [top_x + (pos[t][0] - top_x) / 2 for t in group]
        out.append(_line(min(xs), ys, max(xs), ys, "mz-twins"))
    return out


_LEGEND_FILLS = (("severe genotype", FILLS["severe"]), ("other genotype or IEF result", FILLS["genotyped"]),
                 ("level or one allele only", FILLS["partial"]), ("not tested", FILLS["untested"]))
LEGEND_ROW = 24


def _legend_items() -> list[tuple[str, str]]:
    """(marker SVG at the origin, text) of each legend entry."""
    items = [(_shape(Sex.MALE, 0, 0, 14, "white"), "male"), (_shape(Sex.FEMALE, 0, 0, 14, "white"), "female"),
             (_shape(Sex.UNKNOWN, 0, 0, 14, "white"), "sex unknown")]
    items += [(_shape(Sex.UNKNOWN, 0, 0, 14, fill), text) for text, fill in _LEGEND_FILLS]
    items += [(_shape(Sex.UNKNOWN, 0, 0, 14, "white") + _deceased(0, 0, 7), "deceased"),
              (_arrow(12, -6, 7), "proband"), (_line(-8, -3, 8, -3) + _line(-8, 2, 8, 2), "consanguineous couple")]
    return items


def _legend(top: float, width: float) -> tuple[list[str], float]:
    """The legend, flowing in rows across ``width``; returns its SVG and height."""
    out = ['<g class="legend">']
    x, y = 20.0, top
    for marker, text in _legend_items():
        span = 24 + len(text) * 6.5
        if x + span > width - 10 and x > 20:
            x, y = 20.0, y + LEGEND_ROW
        out.append(f'<g transform="translate({x:g},{y:g})">{marker}<text x="14" y="4">{escape(text)}</text></g>')
        x += span + 16
    out.append("</g>")
    return out, y - top + LEGEND_ROW


def pedigree_svg(pedigree: Pedigree, result: PedigreeResult | None = None, title: str = "") -> str:
    """The pedigree as a standalone SVG document (text)."""
    pos = layout(pedigree, result)
    lines = {m.id: label_lines(m, result) for m in pedigree.members}
    bottom = {m: pos[m][1] + SIZE / 2 + 16 + 14 * (len(lines[m]) - 1) + 4 for m in pos}
    width = max(max(x + member_width(lines[m]) / 2 for m, (x, _) in pos.items()) + MARGIN, 720)
    legend, legend_height = _legend(max(bottom.values()) + 30, width)
    height = max(bottom.values()) + 30 + legend_height + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
             f'viewBox="0 0 {width:g} {height:g}" font-family="sans-serif" font-size="12">',
             f"<title>{escape(title or 'Pedigree')}</title>",
             '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="black"/></marker></defs>',
             '<rect width="100%" height="100%" fill="white"/>']
    parts += _lines(pedigree, pos, bottom)
    parts += [_member(k, m, *pos[m.id], fill_of(m, result), lines[m.id]) for k, m in enumerate(pedigree.members)]
    parts += legend
    parts.append(f'<text x="10" y="{height - 26:g}" fill="#444">Labels: id, then the genotype or the most probable '
                 "genotypes.</text>")
    parts.append(f'<text x="10" y="{height - 10:g}" fill="#444">aatd supports, and does not replace, clinical '
                 "judgement.</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
