"""Draw a pedigree as SVG in standard nomenclature (Bennett et al. 2008, PMID 18792771).

Squares are males, circles females, diamonds unknown sex; a slash marks a deceased
member; an arrow points at the proband; a double line joins a consanguineous couple;
monozygotic twins hang from one point joined by a bar. Members with a genotype or IEF
result are filled (black for a severe genotype, grey otherwise); untested members are
white. Under each symbol: the id and the genotype, or the two most probable genotypes.

The layout is by generation (a founder sits in the generation of their spouse) with
children ordered under their parents; it is meant for family-sized pedigrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

from aatd.levels import Severity, genotype_severity
from aatd.pedigree import Member, Pedigree, Sex
from aatd.pedigree_inference import PedigreeResult

SIZE = 36
STEP_X = 120
STEP_Y = 150
MARGIN = 60
_SEVERE = (Severity.SEVERE, Severity.ABSENT)


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


def layout(pedigree: Pedigree) -> dict[str, tuple[float, float]]:
    """Centre (x, y) of each member's symbol."""
    gen = generations(pedigree)
    spouses: dict[str, list[str]] = {}
    for m in pedigree.members:
        if m.father and m.mother:
            for a, b in ((m.father, m.mother), (m.mother, m.father)):
                if b not in spouses.setdefault(a, []):
                    spouses[a].append(b)
    x_of: dict[str, float] = {}
    for level in range(max(gen.values()) + 1):
        row = [m for m in pedigree.members if gen[m.id] == level]

        def parents_x(member_id: str) -> float:
            m = pedigree[member_id]
            xs = [x_of[p] for p in (m.father, m.mother) if p in x_of]
            return sum(xs) / len(xs) if xs else 0.0

        def key(m: Member, level: int = level) -> tuple[float, float, int]:
            # among siblings, those marrying someone placed further right go last (spouses side by side)
            partner = [parents_x(s) for s in spouses.get(m.id, []) if gen[s] == level and not pedigree[s].is_founder]
            own = parents_x(m.id)
            return (own, max(partner, default=own), pedigree.index[m.id])

        placed: list[str] = []
        for m in sorted((m for m in row if not (m.is_founder and _married_in(m.id, spouses, pedigree))), key=key):
            if m.id not in placed:
                placed.append(m.id)
            placed += [s for s in spouses.get(m.id, []) if s not in placed and gen[s] == level]
        placed += [m.id for m in row if m.id not in placed]
        for k, member_id in enumerate(placed):
            x_of[member_id] = MARGIN + k * STEP_X
    return {m.id: (x_of[m.id], MARGIN + gen[m.id] * STEP_Y) for m in pedigree.members}


def _married_in(member_id: str, spouses: Mapping[str, list[str]], pedigree: Pedigree) -> bool:
    """A founder whose spouse has parents in the pedigree (drawn beside that spouse)."""
    return any(not pedigree[s].is_founder for s in spouses.get(member_id, []))


def _symbol(m: Member, x: float, y: float, fill: str) -> str:
    h = SIZE / 2
    style = f'fill="{fill}" stroke="black" stroke-width="2"'
    if m.sex is Sex.MALE:
        shape = f'<rect x="{x - h}" y="{y - h}" width="{SIZE}" height="{SIZE}" {style}/>'
    elif m.sex is Sex.FEMALE:
        shape = f'<circle cx="{x}" cy="{y}" r="{h}" {style}/>'
    else:
        shape = f'<polygon points="{x},{y - h} {x + h},{y} {x},{y + h} {x - h},{y}" {style}/>'
    extra = ""
    if m.deceased:
        extra += f'<line class="deceased" x1="{x - h - 6}" y1="{y + h + 6}" x2="{x + h + 6}" y2="{y - h - 6}" ' \
                 'stroke="black" stroke-width="2"/>'
    if m.proband:
        extra += (f'<line class="proband" x1="{x - h - 26}" y1="{y + h + 16}" x2="{x - h - 4}" y2="{y + h - 2}" '
                  'stroke="black" stroke-width="2" marker-end="url(#arrow)"/>')
    return f'<g class="member" id="member-{escape(m.id)}">{shape}{extra}</g>'


def _label(m: Member, result: PedigreeResult | None) -> list[str]:
    """Lines under the symbol: the genotype, or the two most probable genotypes."""
    if m.genotype is not None:
        return [m.genotype.canonical]
    lines = [f"IEF {m.phenotype.canonical}"] if m.phenotype else []
    if result is not None:
        dist = result.distribution(m.id)
        top = sorted(dist.items(), key=lambda kv: -kv[1])[:2]
        lines += [f"{g.canonical} {p:.0%}" for g, p in top if p >= 0.005]
    return lines


def _fill(m: Member, result: PedigreeResult | None) -> str:
    if not m.genotyped:
        return "white"
    if m.genotype is not None:
        severe = genotype_severity(m.genotype) in _SEVERE
    else:
        severe = result is not None and result.p_severe(m.id) > 0.5
    return "black" if severe else "#9a9a9a"


def _lines(pedigree: Pedigree, pos: Mapping[str, tuple[float, float]]) -> list[str]:
    out: list[str] = []
    consanguineous = set(pedigree.consanguineous_couples())
    sibships: dict[tuple[str, str], list[Member]] = {}
    for m in pedigree.members:
        if m.father and m.mother:
            sibships.setdefault((m.father, m.mother), []).append(m)
    twin_of = {mid: g for g in pedigree.twin_groups() for mid in g}
    for (f, mo), kids in sibships.items():
        (xf, yf), (xm, ym) = pos[f], pos[mo]
        y = max(yf, ym)
        out.append(f'<line class="couple" x1="{xf}" y1="{yf}" x2="{xm}" y2="{ym}" stroke="black" stroke-width="2"/>')
        if (f, mo) in consanguineous:
            out.append(f'<line class="consanguinity" x1="{xf}" y1="{yf + 5}" x2="{xm}" y2="{ym + 5}" '
                       'stroke="black" stroke-width="2"/>')
        mid_x = (xf + xm) / 2
        bar_y = y + STEP_Y / 2 - 10
        out.append(f'<line x1="{mid_x}" y1="{y + (7 if (f, mo) in consanguineous else 0)}" x2="{mid_x}" '
                   f'y2="{bar_y}" stroke="black" stroke-width="2"/>')
        xs = [pos[k.id][0] for k in kids]
        out.append(f'<line class="sibship" x1="{min([*xs, mid_x])}" y1="{bar_y}" x2="{max([*xs, mid_x])}" '
                   f'y2="{bar_y}" stroke="black" stroke-width="2"/>')
        done: set[str] = set()
        for k in kids:
            if k.id in done:
                continue
            group = [pedigree[t] for t in twin_of.get(k.id, (k.id,))]
            done |= {t.id for t in group}
            top_x = sum(pos[t.id][0] for t in group) / len(group)
            for t in group:
                tx, ty = pos[t.id]
                out.append(f'<line x1="{top_x}" y1="{bar_y}" x2="{tx}" y2="{ty - SIZE / 2}" stroke="black" '
                           'stroke-width="2"/>')
            if len(group) > 1:
                ys = bar_y + (pos[group[0].id][1] - SIZE / 2 - bar_y) / 2
                xs_twin = [top_x + (pos[t.id][0] - top_x) / 2 for t in group]
                out.append(f'<line class="mz-twins" x1="{min(xs_twin)}" y1="{ys}" x2="{max(xs_twin)}" y2="{ys}" '
                           'stroke="black" stroke-width="2"/>')
    return out


def pedigree_svg(pedigree: Pedigree, result: PedigreeResult | None = None, title: str = "") -> str:
    """The pedigree as a standalone SVG document (text)."""
    pos = layout(pedigree)
    width = max(max(x for x, _ in pos.values()) + MARGIN + 60, 640)
    height = max(y for _, y in pos.values()) + MARGIN + 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f"<title>{escape(title or 'Pedigree')}</title>",
             '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="black"/></marker></defs>',
             '<rect width="100%" height="100%" fill="white"/>']
    parts += _lines(pedigree, pos)
    for m in pedigree.members:
        x, y = pos[m.id]
        parts.append(_symbol(m, x, y, _fill(m, result)))
        parts.append(f'<text x="{x}" y="{y + SIZE / 2 + 16}" text-anchor="middle" font-weight="bold">'
                     f"{escape(m.id)}</text>")
        for k, line in enumerate(_label(m, result)):
            parts.append(f'<text x="{x}" y="{y + SIZE / 2 + 31 + 14 * k}" text-anchor="middle">{escape(line)}</text>')
    parts.append(f'<text x="10" y="{height - 30}" fill="#444">Filled: genotyped (black: severe genotype); '
                 "white: not tested. Labels: genotype, or the most probable genotypes.</text>")
    parts.append(f'<text x="10" y="{height - 14}" fill="#444">aatd supports, and does not replace, clinical '
                 "judgement.</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
