"""Draw a pedigree as SVG in standard nomenclature (Bennett et al. 2008, PMID 18792771).

Squares are males, circles females, diamonds unknown sex; a slash marks a deceased
member; an arrow with "P" points at the proband; a double line joins a consanguineous
couple (partners who share an ancestor in the drawing); twins hang from one point
(monozygotic twins with a bar between them, dizygotic without); square brackets mark an
adoption (a dashed line of descent for a child adopted in); a child with one recorded
parent hangs from a couple with an unknown partner (a small "?" diamond).

Shading follows the affected-status convention, not "was tested" (see :func:`member_status`):
a severe genotype (ZZ, Z/Null, Null/Null and every genotype the knowledge tables class as
severe or absent) is filled; a carrier of a deficiency allele who is not severely deficient
(MZ, MS...), including an obligate carrier the family proves, has a dot in the centre;
everyone else is unfilled. An asterisk marks a member with a recorded test. Each member group
carries ``data-member`` (id), ``data-status`` (``affected``, ``carrier``, ``unaffected``,
``unknown``) and ``data-number`` (``II-3``). Generations are numbered I, II, III at the left
and members 1, 2, 3 from the left within each generation. Under each symbol: the id and the
genotype, or the most probable genotype with its probability. A legend explains the symbols.

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
from dataclasses import replace
from html import escape  # quote=True by default: & < > " ' all escaped, safe in text and attributes
from itertools import pairwise
from textwrap import wrap

from aatd.family.inference import PedigreeResult
from aatd.family.pedigree import CarrierEvidence, Member, Pedigree, Sex, build_pedigree
from aatd.genetics.alleles import get_allele, is_deficiency_allele
from aatd.genetics.genotypes import Genotype
from aatd.genetics.levels import Severity, genotype_severity
from aatd.limits import check_time_budget

SIZE = 36
STEP_X = 90
"""Smallest distance between the centres of two neighbours in a row."""
STEP_Y = 170
MARGIN = 60
CHAR_WIDTH = 7.5
"""A generous estimate of the width of one character at the drawing's 12 px font."""
MIN_WIDTH = 720
"""The narrowest drawing with a legend and footnotes (px): room for the English footnotes on one line each."""
FOOTNOTE_CHAR_WIDTH = 6.5
"""The width of one character of the footnotes (grey 12 px text), as the legend estimates it."""
LABEL_GAP = 14
PASSES = 4
FILLS = {"affected": "black", "carrier": "white", "unaffected": "white", "unknown": "white"}
STATUSES = ("affected", "carrier", "unaffected", "unknown")
CERTAIN = 1 - 1e-6
"""A probability the family makes certain (up to rounding): an untested member whose posterior
probability of carrying a deficiency allele reaches this is an obligate carrier (or obligately
affected). It is a property of exact inference, not a clinical cut-off."""
PLACEHOLDER = "\0"
"""Prefix of the unknown partners the drawing adds (ids of real members never hold control characters)."""
PLACEHOLDER_SIZE = 22
LEGEND_KEYS = ("male", "female", "sex_unknown", "severe", "carrier", "unfilled", "tested", "deceased", "proband",
               "consanguinity", "mz_twins", "dz_twins", "adopted", "partner_not_recorded")
"""The legend's entries, in the order it lists them."""
WORDS: Mapping[str, str] = {
    "affected": "severe genotype (affected)", "carrier": "carrier of a deficiency allele",
    "unaffected": "no deficiency allele found", "unknown": "not known",
    "partner_not_recorded": "partner not recorded",
    "footnote_labels": "Labels: generation and number, name, then the genotype, or the most likely genotype and "
                       "its chance.",
    "footnote_support": "aatd supports, and does not replace, clinical judgement.",
    "legend_male": "male", "legend_female": "female", "legend_sex_unknown": "sex unknown",
    "legend_severe": "severe genotype (ZZ, Z/Null...)",
    "legend_carrier": "carrier (MZ, MS...), obligate carriers included",
    "legend_unfilled": "unfilled: no deficiency found, or not known", "legend_tested": "test result recorded",
    "legend_deceased": "deceased", "legend_proband": "P proband", "legend_consanguinity": "consanguineous couple",
    "legend_mz_twins": "identical (MZ) twins", "legend_dz_twins": "fraternal (DZ) twins",
    "legend_adopted": "adopted (dashed line: adopted in)", "legend_partner_not_recorded": "partner not recorded",
}
"""The drawing's English words, by key: member statuses (their ``<title>``), the unknown partner, the
footnotes and the legend. :func:`pedigree_drawings` takes a page's own words for any of them."""
_SEVERE = (Severity.SEVERE, Severity.ABSENT)
_ROMAN = (("M", 1000), ("CM", 900), ("D", 500), ("CD", 400), ("C", 100), ("XC", 90), ("L", 50), ("XL", 40),
          ("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1))

Couple = tuple[str | None, str | None]


def roman(n: int) -> str:
    """Generation numeral: 1 -> I, 4 -> IV."""
    out = ""
    for numeral, value in _ROMAN:
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _deficient_alleles(genotype: Genotype) -> int:
    return sum(is_deficiency_allele(get_allele(a)) for a in (genotype.first, genotype.second))


def member_status(m: Member, result: PedigreeResult | None) -> str:
    """``affected``, ``carrier``, ``unaffected`` or ``unknown``: what the symbol's shading says.

    A genotype decides by itself: severe or absent class (knowledge tables) -> affected; any
    deficiency allele otherwise -> carrier; none -> unaffected. An IEF phenotype or a partial
    test is read through the family's posterior (most likely class). Without a test, only what
    the family makes certain is shown: an obligate carrier, or a member certain to be severe
    (a monozygotic twin of a ZZ member); everyone else is ``unknown``.
    """
    if m.genotype is not None:
        if genotype_severity(m.genotype) in _SEVERE:
            return "affected"
        return "carrier" if _deficient_alleles(m.genotype) else "unaffected"
    if result is None or m.id not in result.pedigree:
        return "carrier" if isinstance(m.phenotype, CarrierEvidence) else "unknown"
    dist = result.distribution(m.id)
    severe = sum(p for g, p in dist.items() if genotype_severity(g) in _SEVERE)
    deficient = sum(p for g, p in dist.items() if _deficient_alleles(g))
    if m.phenotype is not None:
        return "affected" if severe > 0.5 else "carrier" if deficient > 0.5 else "unaffected"
    if severe >= CERTAIN:
        return "affected"
    return "carrier" if deficient >= CERTAIN else "unknown"


def with_unknown_partners(pedigree: Pedigree) -> tuple[Pedigree, frozenset[str]]:
    """The pedigree with an unknown partner added for each parent of a child with one recorded parent.

    Returns the drawn pedigree and the ids of the added partners (``PLACEHOLDER`` + a number),
    each placed right after the known parent so the layout keeps the given order.
    """
    added: dict[str, str] = {}
    members: list[Member] = []
    for m in pedigree.members:
        if (m.father is None) == (m.mother is None):
            members.append(m)
            continue
        known = m.father or m.mother
        assert known is not None
        if known not in added:
            added[known] = f"{PLACEHOLDER}{len(added) + 1}"
        members.append(replace(m, mother=added[known]) if m.father else replace(m, father=added[known]))
    if not added:
        return pedigree, frozenset()
    out: list[Member] = []
    for m in members:
        out.append(m)
        if m.id in added:
            out.append(Member(added[m.id], Sex.FEMALE if m.sex is Sex.MALE else Sex.MALE))
    return build_pedigree(out), frozenset(added.values())


def generations(pedigree: Pedigree) -> dict[str, int]:
    """Generation number of each member (0 at the top); founders join their partner's generation."""
    gen: dict[str, int] = {}
    for m in pedigree.members:  # parents first
        gen[m.id] = 1 + max(gen[p] for p in (m.father, m.mother) if p) if not m.is_founder else 0
    links = [(m.partner, m.id) for m in pedigree.members if m.partner is not None]
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
        for a, b in links:
            for x, y in ((a, b), (b, a)):
                if pedigree[x].is_founder and not pedigree.children(x) and gen[x] < gen[y]:
                    gen[x], changed = gen[y], True
        if not changed:
            break
    return gen


def partners(pedigree: Pedigree) -> dict[str, list[str]]:
    """The partners of each member: people they have a child with (in the order of the first child), then
    partners recorded without a child."""
    out: dict[str, list[str]] = {m.id: [] for m in pedigree.members}
    pairs = [(m.father, m.mother) for m in pedigree.members if m.father and m.mother]
    pairs += [(m.id, m.partner) for m in pedigree.members if m.partner is not None]
    for first, second in pairs:
        assert first is not None and second is not None
        for a, b in ((first, second), (second, first)):
            if b not in out[a]:
                out[a].append(b)
    return out


def couples_without_children(pedigree: Pedigree) -> list[tuple[str, str]]:
    """Partners recorded as such who have no child together in the pedigree (each pair once)."""
    with_children = {frozenset((m.father, m.mother)) for m in pedigree.members if m.father and m.mother}
    out: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    for m in pedigree.members:
        if m.partner is None:
            continue
        pair = frozenset((m.id, m.partner))
        if pair not in with_children and pair not in seen:
            seen.add(pair)
            out.append((m.id, m.partner))
    return out


def related(pedigree: Pedigree, a: str, b: str) -> bool:
    """True when ``a`` and ``b`` share an ancestor in the pedigree (or one descends from the other).

    Both lines are walked up in step, so the walk stops with the shorter one: when one side's
    ancestors are all known, the other side is walked only down to the earliest of them in the
    pedigree's parents-first order (older members cannot be among them, nor can their ancestors).
    A partner who married in then costs a step or two, not a walk up their partner's whole line.
    """
    seen = ({a}, {b})
    if a == b:
        return True
    queues: tuple[list[str], list[str]] = ([a], [b])
    floor = -1
    while queues[0] or queues[1]:
        for side in (0, 1):
            if not queues[side]:
                continue
            member = pedigree[queues[side].pop()]
            for parent in (member.father, member.mother):
                if parent is None or parent in seen[side] or pedigree.index[parent] < floor:
                    continue
                if parent in seen[1 - side]:
                    return True
                seen[side].add(parent)
                queues[side].append(parent)
        if floor < 0 and not (queues[0] and queues[1]):
            done = 0 if not queues[0] else 1
            floor = min(pedigree.index[x] for x in seen[done])
    return False


def twin_sets(pedigree: Pedigree) -> dict[str, tuple[str, ...]]:
    """Each twin's set of co-twins (monozygotic and dizygotic links together), in pedigree order."""
    root = {m.id: m.id for m in pedigree.members}

    def find(x: str) -> str:
        while root[x] != x:
            x = root[x]
        return x

    for m in pedigree.members:
        for twin in (m.mz_twin, m.dz_twin):
            if twin is not None and find(m.id) != find(twin):
                root[find(m.id)] = find(twin)
    groups: dict[str, list[str]] = {}
    for m in pedigree.members:
        groups.setdefault(find(m.id), []).append(m.id)
    return {x: tuple(g) for g in groups.values() if len(g) > 1 for x in g}


def sibships(pedigree: Pedigree) -> dict[Couple, list[str]]:
    """Children of each couple (or single recorded parent), in birth order as given, twins side by side."""
    twins = twin_sets(pedigree)
    out: dict[Couple, list[str]] = {}
    for m in pedigree.members:
        if not m.is_founder:
            kids = out.setdefault((m.father, m.mother), [])
            if m.id in kids:
                continue
            kids += [t for t in twins.get(m.id, (m.id,)) if t not in kids]
    return out


# --- order within each row ------------------------------------------------------------------------------------------


def row_orders(pedigree: Pedigree) -> list[list[str]]:
    """Members of each generation, left to right."""
    gen = generations(pedigree)
    mates = partners(pedigree)
    families = sibships(pedigree)
    sibs = {kid: kids for kids in families.values() for kid in kids}
    members_of: dict[int, list[str]] = {}
    for m in pedigree.members:
        members_of.setdefault(gen[m.id], []).append(m.id)
    groups_of: dict[int, list[tuple[Couple, list[str]]]] = {}
    for couple, kids in families.items():
        groups_of.setdefault(gen[kids[0]], []).append((couple, kids))
    place: dict[str, int] = {}
    rows: list[list[str]] = []
    for level in range(max(gen.values()) + 1):
        check_time_budget("pedigree drawing (rows)")
        row = _with_partners(_ordered_sibships(groups_of.get(level, []), mates, place), members_of.get(level, []),
                             mates, pedigree, sibs)
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


def _with_partners(row: list[str], in_row: list[str], mates: Mapping[str, list[str]], pedigree: Pedigree,
                   sibs: Mapping[str, list[str]]) -> list[str]:
    """Add the rest of the row: partners beside their partner, then anyone left (each with their partners).

    A partner who married in stands on the outer side of their partner's sibship (so siblings and
    twins stay side by side); in the middle of a sibship, a male's partner stands on his right."""
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
                k = out.index(x)
                left_sib = any(y in sibs.get(x, ()) for y in out[:k])
                right_sib = any(y in sibs.get(x, ()) for y in out[k + 1:])
                if n == 0 and left_sib != right_sib:
                    right = left_sib
                out.insert(out.index(x) + (1 if right else 0), partner)
                placed.add(partner)
                queue.append(partner)
    return out


# --- positions ------------------------------------------------------------------------------------------------------


def label_lines(m: Member, result: PedigreeResult | None) -> list[str]:
    """Lines under the symbol: the id, then the genotype, or the test and the most probable genotype."""
    if m.id.startswith(PLACEHOLDER):
        return []
    if m.genotype is not None:
        return [m.id, m.genotype.canonical]
    lines = [m.id]
    if isinstance(m.phenotype, CarrierEvidence):
        lines.append(m.phenotype.canonical)
    elif m.phenotype is not None:
        lines.append(f"IEF {m.phenotype.canonical}")
    if result is not None and m.id in result.pedigree:
        top = max(result.distribution(m.id).items(), key=lambda kv: kv[1])
        lines.append(f"{top[0].canonical} {top[1]:.0%}")
    return lines


def member_width(lines: Sequence[str]) -> float:
    """Width taken by a member: the symbol or the longest label line, whichever is wider."""
    return max([SIZE + 20.0, *(len(line) * CHAR_WIDTH for line in lines)])


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
    below, above = _families_by_row(rows, sibships(pedigree))
    for n in range(2 * PASSES + 1):
        down = n % 2 == 0  # start and end with children under their parents
        order = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for r in order:
            check_time_budget("pedigree drawing (layout)")
            targets = _down_targets(rows[r], below[r], x) if down else _up_targets(rows[r], above[r], x)
            x.update(zip(rows[r], fit_row(_fill_partners(rows[r], targets, gaps[r], x), gaps[r]), strict=True))
    shift = MARGIN - min(x[m] - width[m] / 2 for m in x)
    gen = {member: r for r, row in enumerate(rows) for member in row}
    return {m.id: (round(x[m.id] + shift, 1), MARGIN + gen[m.id] * STEP_Y) for m in pedigree.members}


def _families_by_row(rows: Sequence[Sequence[str]], families: Mapping[Couple, list[str]]
                     ) -> tuple[list[list[tuple[Couple, list[str]]]], list[list[tuple[Couple, list[str]]]]]:
    """For each row, the sibships standing in it and the sibships with a parent in it (in ``families`` order).

    Each pass of :func:`layout` then visits only a row's own families, not every family of the
    pedigree for every row (which made a long line of descent quadratic); the order, and so every
    sum of positions, is the one of the full scan.
    """
    rows_of: dict[str, set[int]] = {}  # a member in a loop through a partnership can stand in two rows
    for r, row in enumerate(rows):
        for member in row:
            rows_of.setdefault(member, set()).add(r)
    below: list[list[tuple[Couple, list[str]]]] = [[] for _ in rows]
    above: list[list[tuple[Couple, list[str]]]] = [[] for _ in rows]
    for couple, kids in families.items():
        for r in rows_of.get(kids[0], ()):
            below[r].append((couple, kids))
        for r in set().union(*(rows_of.get(p, ()) for p in couple if p is not None)):
            above[r].append((couple, kids))
    return below, above


def _down_targets(row: Sequence[str], families: Sequence[tuple[Couple, list[str]]], x: Mapping[str, float]
                  ) -> dict[str, float]:
    """Each sibship (with whoever stands between its members) centred under its parents' marriage line."""
    place = {member: k for k, member in enumerate(row)}
    targets: dict[str, list[float]] = {}
    for couple, kids in families:
        if kids[0] not in place:
            continue
        centre = _mean([x[p] for p in couple if p is not None])
        lo, hi = min(place[k] for k in kids), max(place[k] for k in kids)
        middle = (x[row[lo]] + x[row[hi]]) / 2
        for k in range(lo, hi + 1):
            targets.setdefault(row[k], []).append(centre + x[row[k]] - middle)
    return {member: _mean(ts) for member, ts in targets.items()}


def _up_targets(row: Sequence[str], families: Sequence[tuple[Couple, list[str]]], x: Mapping[str, float]
                ) -> dict[str, float]:
    """Each parent placed so that the marriage line's midpoint is over the middle of the children."""
    in_row = set(row)
    targets: dict[str, list[float]] = {}
    for couple, kids in families:
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


def _dot(x: float, y: float, size: float = SIZE) -> str:
    return f'<circle class="carrier-dot" cx="{x:g}" cy="{y:g}" r="{size / 8:g}" fill="black"/>'


def _deceased(x: float, y: float, h: float) -> str:
    return (f'<line class="deceased" x1="{x - h - 6:g}" y1="{y + h + 6:g}" x2="{x + h + 6:g}" y2="{y - h - 6:g}" '
            'stroke="black" stroke-width="2"/>')


def _arrow(x: float, y: float, h: float) -> str:
    return (f'<line class="proband" x1="{x - h - 22:g}" y1="{y + h + 12:g}" x2="{x - h - 4:g}" y2="{y + h - 2:g}" '
            'stroke="black" stroke-width="2" marker-end="url(#arrow)"/>'
            f'<text class="proband-p" x="{x - h - 30:g}" y="{y + h + 22:g}" font-weight="bold">P</text>')


def _brackets(x: float, y: float, h: float) -> str:
    """Square brackets around a symbol: adopted (in or out)."""
    b, t, w = h + 8, h + 6, 5
    left = f"M{x - b + w:g},{y - t:g} H{x - b:g} V{y + t:g} H{x - b + w:g}"
    right = f"M{x + b - w:g},{y - t:g} H{x + b:g} V{y + t:g} H{x + b - w:g}"
    return f'<path class="adopted" d="{left} {right}" fill="none" stroke="black" stroke-width="2"/>'


def _member(m: Member, x: float, y: float, status: str, lines: Sequence[str], number: str,
            words: Mapping[str, str] = WORDS) -> str:
    """The member's group: symbol, carrier dot, brackets, deceased slash, proband arrow, number and labels.

    The element id comes from the member's number (``member-II-3``), never from user text;
    the member's own id is kept, escaped with quotes, in ``data-member``. Its ``<title>`` says the status in
    ``words`` (:data:`WORDS` keys)."""
    tested = m.has_evidence
    name = f"{number} {m.id}: {words[status]}" + (f", {lines[1]}" if len(lines) > 1 else "")
    parts = [f"<title>{escape(name)}</title>", _shape(m.sex, x, y, SIZE, FILLS[status], ' class="symbol"')]
    if status == "carrier":
        parts.append(_dot(x, y))
    if m.adopted is not None:
        parts.append(_brackets(x, y, SIZE / 2))
    if m.deceased:
        parts.append(_deceased(x, y, SIZE / 2))
    if m.proband:
        parts.append(_arrow(x, y, SIZE / 2))
    if tested:
        parts.append(f'<text class="tested" x="{x + SIZE / 2 + 4:g}" y="{y - SIZE / 2 + 8:g}">*</text>')
    parts.append(f'<text class="number" x="{x:g}" y="{y + SIZE / 2 + 16:g}" text-anchor="middle" '
                 f'fill="#444" font-size="11">{escape(number)}</text>')
    for k, line in enumerate(lines, start=1):
        weight = ' font-weight="bold"' if k == 1 else ""
        parts.append(f'<text class="label" x="{x:g}" y="{y + SIZE / 2 + 16 + 14 * k:g}" text-anchor="middle"{weight}>'
                     f"{escape(line)}</text>")
    return (f'<g class="member" id="member-{escape(number)}" data-member="{escape(m.id)}" data-status="{status}" '
            f'data-number="{escape(number)}">{"".join(parts)}</g>')


def _unknown_partner(x: float, y: float, words: Mapping[str, str] = WORDS) -> str:
    """A small diamond with "?": the unrecorded other parent of a child with one recorded parent."""
    diamond = _shape(Sex.UNKNOWN, x, y, PLACEHOLDER_SIZE, "white")
    return (f'<g class="unknown-partner"><title>{escape(words["partner_not_recorded"])}</title>{diamond}'
            f'<text x="{x:g}" y="{y + 4:g}" text-anchor="middle">?</text></g>')


def describe_status(status: str) -> str:
    """Words for a ``data-status`` value."""
    return WORDS[status]


def fill_of(m: Member, result: PedigreeResult | None) -> str:
    """Black for an affected member (severe genotype); white otherwise (carriers get a dot)."""
    return FILLS[member_status(m, result)]


def _line(x1: float, y1: float, x2: float, y2: float, cls: str = "", extra: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<line{attr} x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="black" stroke-width="2"{extra}/>'


def _lines(pedigree: Pedigree, pos: Mapping[str, tuple[float, float]], bottom: Mapping[str, float]) -> list[str]:
    """Marriage lines, descent lines, sibship bars and twin bars."""
    out: list[str] = []
    twins = twin_sets(pedigree)
    for couple, kids in sibships(pedigree).items():
        bar_y = min(pos[k][1] for k in kids) - SIZE / 2 - 24
        top_x, top_y = _couple_lines(pedigree, couple, pos, bottom, out)
        out.append(_line(top_x, top_y, top_x, bar_y))
        done: set[str] = set()
        xs = [top_x]
        for kid in kids:
            if kid not in done:
                group = twins.get(kid, (kid,))
                done |= set(group)
                xs.append(_mean([pos[t][0] for t in group]))
                out += _descent(pedigree, group, pos, bar_y)
        out.append(_line(min(xs), bar_y, max(xs), bar_y, "sibship"))
    for a, b in couples_without_children(pedigree):
        _couple_lines(pedigree, (a, b), pos, bottom, out)
    return out


def _couple_lines(pedigree: Pedigree, couple: Couple, pos: Mapping[str, tuple[float, float]],
                  bottom: Mapping[str, float], out: list[str]) -> tuple[float, float]:
    """Draw a marriage line (double when the partners are related); return where the descent line starts."""
    father, mother = couple
    if father is None or mother is None:
        parent = father or mother
        assert parent is not None
        return pos[parent][0], bottom[parent] + 4
    (xf, yf), (xm, ym) = pos[father], pos[mother]
    (left, left_id), (right, right_id) = sorted((((xf, yf), father), ((xm, ym), mother)))
    start = left[0] + (PLACEHOLDER_SIZE if left_id.startswith(PLACEHOLDER) else SIZE) / 2
    end = right[0] - (PLACEHOLDER_SIZE if right_id.startswith(PLACEHOLDER) else SIZE) / 2
    out.append(_line(start, left[1], end, right[1], "couple"))
    if related(pedigree, father, mother):
        out.append(_line(start, left[1] + 5, end, right[1] + 5, "consanguinity"))
        return (xf + xm) / 2, (yf + ym) / 2 + 5
    return (xf + xm) / 2, (yf + ym) / 2


def _descent(pedigree: Pedigree, group: Sequence[str], pos: Mapping[str, tuple[float, float]],
             bar_y: float) -> list[str]:
    """Lines from the sibship bar to one child, or to twins from one point (a bar between monozygotic twins).

    A child adopted in hangs from a dashed line."""
    top_x = _mean([pos[t][0] for t in group])
    out = []
    for t in group:
        dashed = pedigree[t].adopted == "in"
        out.append(_line(top_x, bar_y, pos[t][0], pos[t][1] - SIZE / 2, "adopted-in" if dashed else "",
                         ' stroke-dasharray="6,4"' if dashed else ""))
    ys = bar_y + (pos[group[0]][1] - SIZE / 2 - bar_y) / 2
    pairs = {frozenset((a, b)) for a in group if (b := pedigree[a].mz_twin) is not None and b in group}
    for a, b in (sorted(pair) for pair in pairs):
        if a != b:
            xa, xb = top_x + (pos[a][0] - top_x) / 2, top_x + (pos[b][0] - top_x) / 2
            out.append(_line(min(xa, xb), ys, max(xa, xb), ys, "mz-twins"))
    return out


LEGEND_ROW = 26


def _twin_marker(bar: bool) -> str:
    out = _line(0, -8, -7, 6) + _line(0, -8, 7, 6)
    return out + (_line(-3.5, -1, 3.5, -1) if bar else "")


def _legend_markers() -> dict[str, str]:
    """The marker of each legend entry (SVG at the origin), by its key in :data:`LEGEND_KEYS`."""
    white = "white"
    box = _shape(Sex.MALE, 0, 0, 14, white)
    return {
        "male": box, "female": _shape(Sex.FEMALE, 0, 0, 14, white), "sex_unknown": _shape(Sex.UNKNOWN, 0, 0, 14, white),
        "severe": _shape(Sex.MALE, 0, 0, 14, FILLS["affected"]), "carrier": box + _dot(0, 0, 14), "unfilled": box,
        "tested": '<text x="-4" y="5" font-weight="bold">*</text>', "deceased": box + _deceased(0, 0, 7),
        "proband": '<line x1="-10" y1="8" x2="-1" y2="-1" stroke="black" stroke-width="2" marker-end="url(#arrow)"/>',
        "consanguinity": _line(-8, -3, 8, -3) + _line(-8, 2, 8, 2),
        "mz_twins": _twin_marker(True), "dz_twins": _twin_marker(False),
        "adopted": _shape(Sex.MALE, 0, 0, 12, white) + _brackets(0, 0, 6),
        "partner_not_recorded": _shape(Sex.UNKNOWN, 0, 0, 14, white)
        + '<text x="0" y="4" text-anchor="middle" font-size="10">?</text>',
    }


def _legend_items(words: Mapping[str, str] = WORDS) -> list[tuple[str, str]]:
    """(marker SVG at the origin, text) of each legend entry."""
    markers = _legend_markers()
    return [(markers[key], words[f"legend_{key}"]) for key in LEGEND_KEYS]


def _legend(top: float, width: float, words: Mapping[str, str] = WORDS) -> tuple[list[str], float]:
    """The legend, flowing in rows across ``width``; returns its SVG and height."""
    out = ['<g class="legend">']
    x, y = 20.0, top
    for marker, text in _legend_items(words):
        span = 24 + len(text) * 6.5
        if x + span > width - 10 and x > 20:
            x, y = 20.0, y + LEGEND_ROW
        out.append(f'<g transform="translate({x:g},{y:g})">{marker}<text x="20" y="4">{escape(text)}</text></g>')
        x += span + 22
    out.append("</g>")
    return out, y - top + LEGEND_ROW


def legend_keys(pedigree: Pedigree, result: PedigreeResult | None = None) -> list[str]:
    """The keys of the legend entries a drawing of ``pedigree`` shows (in :data:`LEGEND_KEYS` order).

    A page that lists the legend as text under the drawing lists only these, so a family of four is not
    explained twins, adoption and deceased symbols it does not have."""
    drawn, placeholders = with_unknown_partners(pedigree)
    real = [m for m in drawn.members if m.id not in placeholders]
    statuses = {member_status(m, result) for m in real}
    shown = {"male": any(m.sex is Sex.MALE for m in real), "female": any(m.sex is Sex.FEMALE for m in real),
             "sex_unknown": any(m.sex is Sex.UNKNOWN for m in real), "severe": "affected" in statuses,
             "carrier": "carrier" in statuses, "unfilled": bool(statuses & {"unaffected", "unknown"}),
             "tested": any(m.has_evidence for m in real), "deceased": any(m.deceased for m in real),
             "proband": any(m.proband for m in real),
             "consanguinity": any(a is not None and b is not None and related(drawn, a, b)
                                  for a, b in [*sibships(drawn), *couples_without_children(drawn)]),
             "mz_twins": any(m.mz_twin is not None for m in real), "dz_twins": any(m.dz_twin is not None for m in real),
             "adopted": any(m.adopted is not None for m in real), "partner_not_recorded": bool(placeholders)}
    return [key for key in LEGEND_KEYS if shown[key]]


def numbers(pos: Mapping[str, tuple[float, float]], placeholders: frozenset[str] = frozenset()) -> dict[str, str]:
    """Individual numbers in standard form: generation numeral and place from the left (``II-3``)."""
    rows = sorted({y for m, (_, y) in pos.items() if m not in placeholders})
    out: dict[str, str] = {}
    for r, y in enumerate(rows, start=1):
        in_row = sorted((x, m) for m, (x, yy) in pos.items() if yy == y and m not in placeholders)
        out.update({m: f"{roman(r)}-{k}" for k, (_, m) in enumerate(in_row, start=1)})
    return out


def pedigree_svg(pedigree: Pedigree, result: PedigreeResult | None = None, title: str = "") -> str:
    """The pedigree as a standalone SVG document (text): the same drawing in the CLI, the PDF and the pages."""
    return pedigree_drawings(pedigree, result, title)[0]


def pedigree_drawings(pedigree: Pedigree, result: PedigreeResult | None = None, title: str = "",
                      words: Mapping[str, str] | None = None, *, page_footnotes: bool = True,
                      page_min_width: float = MIN_WIDTH) -> tuple[str, str]:
    """The drawing with its legend (:func:`pedigree_svg`) and the same drawing without it, from one layout.

    A page shows the second with :func:`legend_entries` as text under it, so that on a phone, where the
    drawing scrolls sideways, the legend wraps to the screen instead of being cut off at its right side.
    With ``page_footnotes=False`` the second leaves out the two footnotes too (a page writes them as text,
    which wraps), and ``page_min_width`` (px) is its narrowest width: ``0`` makes it as wide as the family,
    so a small family fits a phone at its own size. The first keeps both, and at least :data:`MIN_WIDTH`.
    ``words`` replaces any of the English :data:`WORDS` (statuses in each member's title, the legend, the
    footnotes): a page in another language passes its own, so no text in its drawing stays English. Names,
    genotypes, percentages and the generation numerals are the same in every language.
    """
    said = {**WORDS, **(words or {})}
    drawn, placeholders = with_unknown_partners(pedigree)
    pos = layout(drawn, result)
    check_time_budget("pedigree drawing (symbols)")
    lines = {m.id: label_lines(m, result) for m in drawn.members}
    bottom = {m: pos[m][1] + SIZE / 2 + 16 + 14 * len(lines[m]) + 4 for m in pos}
    for m in placeholders:
        bottom[m] = pos[m][1] + PLACEHOLDER_SIZE / 2
    content_width = max(x + member_width(lines[m]) / 2 for m, (x, _) in pos.items()) + MARGIN
    width = max(content_width, MIN_WIDTH)
    number = numbers(pos, placeholders)
    body = [f"<title>{escape(title or 'Pedigree')}</title>",
            '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto">'
            '<path d="M0,0 L8,4 L0,8 z" fill="black"/></marker></defs>',
            '<rect width="100%" height="100%" fill="white"/>']
    for r, y in enumerate(sorted({y for _, y in pos.values()}), start=1):
        body.append(f'<text class="generation" x="14" y="{y + 5:g}" font-weight="bold">{roman(r)}</text>')
    body += _lines(drawn, pos, bottom)
    body += [_unknown_partner(*pos[m], said) for m in sorted(placeholders)]
    body += [_member(m, *pos[m.id], member_status(m, result), lines[m.id], number[m.id], said)
             for m in drawn.members if m.id not in placeholders]
    legend, legend_height = _legend(max(bottom.values()) + 30, width, said)
    with_legend = _document(body + legend, width, max(bottom.values()) + 30 + legend_height + 40, said)
    page_words = said if page_footnotes else {**said, "footnote_labels": "", "footnote_support": ""}
    page = _document(body, max(content_width, page_min_width), max(bottom.values()) + 30 + 40, page_words)
    return with_legend, page


def _document(body: list[str], width: float, height: float, words: Mapping[str, str] = WORDS) -> str:
    """The SVG document of ``body`` with the two footnotes at its foot (an empty one is left out).

    A footnote longer than the drawing is wide (a translation may be) wraps onto more lines, which
    make the drawing taller; the English footnotes fit the narrowest drawing on one line each."""
    per_line = max(int((width - 20) / FOOTNOTE_CHAR_WIDTH), 20)
    notes = [*wrap(words["footnote_labels"], per_line), *wrap(words["footnote_support"], per_line)]
    height += 16 * (len(notes) - 2)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
             f'viewBox="0 0 {width:g} {height:g}" font-family="sans-serif" font-size="12">', *body]
    parts += [f'<text x="10" y="{height - 10 - 16 * (len(notes) - 1 - k):g}" fill="#444">{escape(line)}</text>'
              for k, line in enumerate(notes)]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _marker_svg(marker: str) -> str:
    """A legend marker as a small standalone SVG (28 x 28 px) for a page's text legend."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28" viewBox="-14 -14 28 28" '
            f'aria-hidden="true" font-family="sans-serif" font-size="12">{marker}</svg>')


def legend_entries() -> list[tuple[str, str]]:
    """The legend as (marker, words): each marker a small standalone SVG (28 x 28 px) for a page's text legend."""
    return [(_marker_svg(marker), text) for marker, text in _legend_items()]


def legend_markers(keys: Sequence[str] = LEGEND_KEYS) -> list[tuple[str, str]]:
    """(key, marker) of the legend entries ``keys``, each marker a small standalone SVG drawn as in the drawing.

    A page words each entry itself (in its language and reading level) next to the marker."""
    markers = _legend_markers()
    return [(key, _marker_svg(markers[key])) for key in keys]
