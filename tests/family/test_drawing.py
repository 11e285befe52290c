"""The pedigree drawing: valid SVG, standard layout rules, and no overlaps in random families."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.errors import PedigreeError
from aatd.family.drawing import (
    LEGEND_KEYS,
    SIZE,
    WORDS,
    fit_row,
    layout,
    legend_entries,
    legend_keys,
    legend_markers,
    member_status,
    pedigree_drawings,
    pedigree_svg,
    row_orders,
)
from aatd.family.inference import allele_model, infer
from aatd.family.pedigree import Member, Pedigree, Sex, build_pedigree, pedigree_from_json
from aatd.genetics.genotypes import Genotype

DATA = Path(__file__).parents[1] / "data" / "pedigrees"
DOCS = Path(__file__).parents[2] / "docs" / "img"
SVG = "{http://www.w3.org/2000/svg}"
TEXT_WIDTH = 7.0  # px per character of the 12 px sans-serif labels (a little above the real average)


def members_of(svg: str) -> dict[str, tuple[ET.Element, list[str]]]:
    """Each member group's symbol and label lines, by member id."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "member":
            symbol = next(e for e in g if e.get("class") == "symbol")
            out[str(g.get("data-member"))] = (symbol, [t.text or "" for t in g.iter(f"{SVG}text")
                                                           if t.get("class") == "label"])
    return out


def box(symbol: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a rect, circle or diamond."""
    if symbol.tag == f"{SVG}rect":
        x, y, w = (float(symbol.get(k, "0")) for k in ("x", "y", "width"))
        return x, y, x + w, y + w
    if symbol.tag == f"{SVG}circle":
        cx, cy, r = (float(symbol.get(k, "0")) for k in ("cx", "cy", "r"))
        return cx - r, cy - r, cx + r, cy + r
    points = [tuple(map(float, p.split(","))) for p in str(symbol.get("points")).split()]
    return min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points)


@pytest.mark.parametrize("name", ["sibling-of-zz", "mz-x-sz", "consanguineous"])
def test_docs_drawings__valid_svg_with_every_member(name: str) -> None:
    doc = json.loads((DATA / f"{name.replace('-', '_')}.json").read_text())
    drawn = members_of((DOCS / f"pedigree-{name}.svg").read_text())
    assert set(drawn) == {m["id"] for m in doc["members"]}
    for member_id, (symbol, lines) in drawn.items():
        assert symbol.tag in {f"{SVG}rect", f"{SVG}circle", f"{SVG}polygon"} and lines[0] == member_id


def test_layout__children_centred_under_partners_side_by_side_generations_aligned() -> None:
    ped = pedigree_from_json(json.loads((DATA / "consanguineous.json").read_text()))
    pos = layout(ped)
    for f, m in {(x.father, x.mother) for x in ped.members if x.father and x.mother}:
        kids = [x.id for x in ped.members if (x.father, x.mother) == (f, m)]
        middle = (min(pos[k][0] for k in kids) + max(pos[k][0] for k in kids)) / 2
        assert middle == pytest.approx((pos[f][0] + pos[m][0]) / 2, abs=1)
    same_row = {(x.father, x.mother) for x in ped.members if x.father and x.mother}
    for f, m in same_row:
        assert pos[f][1] == pos[m][1]
        between = [x for x in ped.ids if pos[x][1] == pos[f][1] and min(pos[f][0], pos[m][0]) < pos[x][0]
                   < max(pos[f][0], pos[m][0])]
        assert between == [] or (f, m) == ("a", "aw") or (f, m) == ("bh", "b")  # siblings' spouses stand beside them
    assert pos["c1"][0] < pos["c2"][0] and pos["a"][1] == pos["b"][1] == pos["aw"][1]


def test_layout__siblings_in_birth_order_and_partner_beside() -> None:
    ped = build_pedigree([Member("f", Sex.MALE), Member("m", Sex.FEMALE), *(
        Member(k, Sex.FEMALE if k in "ce" else Sex.MALE, "f", "m") for k in "dcbea"), Member("w", Sex.FEMALE),
        Member("g", Sex.MALE, "b", "w")])
    pos = layout(ped)
    xs = [pos[k][0] for k in "dcbea"]
    assert xs == sorted(xs)  # birth order as given, not alphabetical
    assert pos["w"][0] > pos["b"][0] and not any(pos["b"][0] < pos[k][0] < pos["w"][0] for k in "dcea")
    assert pos["g"][0] == pytest.approx((pos["b"][0] + pos["w"][0]) / 2)


def test_fit_row__keeps_order_and_gaps_closest_to_targets() -> None:
    assert fit_row([0, 0, 0], [10, 10]) == [-10, 0, 10]
    xs = fit_row([0.0, 100.0, 5.0], [10.0, 10.0])
    assert xs[1] - xs[0] >= 10 and xs[2] - xs[1] >= 10 and xs[0] == pytest.approx(0.0)


@st.composite
def families(draw: st.DrawFn) -> Pedigree:
    """Up to 30 members with parents drawn from earlier ones, some genotyped, some with long ids."""
    n = draw(st.integers(1, 30))
    members: list[Member] = []
    for i in range(n):
        sex = draw(st.sampled_from([Sex.MALE, Sex.FEMALE, Sex.UNKNOWN]))
        males = [m.id for m in members if m.sex is Sex.MALE]
        females = [m.id for m in members if m.sex is Sex.FEMALE]
        father = draw(st.none() | st.sampled_from(males)) if males else None
        mother = draw(st.none() | st.sampled_from(females)) if females else None
        name = draw(st.sampled_from(["", "-long-name", "-x"]))
        genotype = draw(st.none() | st.sampled_from([Genotype.of("M", "Z"), Genotype.of("Z", "Null")]))
        members.append(Member(f"m{i}{name}", sex, father, mother, deceased=draw(st.booleans()), genotype=genotype,
                              proband=i == 0))
    return build_pedigree(members)


@settings(max_examples=60)
@given(families())
def test_pedigree_svg__no_overlapping_symbols_or_labels(ped: Pedigree) -> None:
    drawn = members_of(pedigree_svg(ped))
    assert set(drawn) == set(ped.ids)
    boxes = []
    for symbol, lines in drawn.values():
        left, top, right, bottom = box(symbol)
        assert len(lines) >= 1
        half = max(len(line) for line in lines) * TEXT_WIDTH / 2
        centre = (left + right) / 2
        boxes.append((min(left, centre - half), top, max(right, centre + half), bottom + 16 + 14 * (len(lines) + 1)))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def statuses_of(svg: str) -> dict[str, str]:
    return {str(g.get("data-member")): str(g.get("data-status")) for g in ET.fromstring(svg).iter(f"{SVG}g")
            if g.get("class") == "member"}


def test_pedigree_svg__fills_by_affected_status_with_carrier_dots() -> None:
    ped = pedigree_from_json({"members": [{"id": "a", "sex": "male", "genotype": "ZZ"},
                                          {"id": "b", "sex": "female", "genotype": "MZ"},
                                          {"id": "c", "father": "a", "mother": "b", "carries": "Z"},
                                          {"id": "d", "father": "a", "mother": "b"},
                                          {"id": "e", "sex": "male", "genotype": "MM"}]})
    result = infer(ped, allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}))
    svg = pedigree_svg(ped, result)
    drawn = members_of(svg)
    assert {k: s.get("fill") for k, (s, _) in drawn.items()} == {"a": "black", "b": "white", "c": "white",
                                                                 "d": "white", "e": "white"}
    # d: child of ZZ x MZ is an obligate carrier (at least one Z from the father), drawn with a dot
    assert statuses_of(svg) == {"a": "affected", "b": "carrier", "c": "carrier", "d": "carrier", "e": "unaffected"}
    dots = {str(g.get("data-member")) for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "member"
            and g.find(f"{SVG}circle[@class='carrier-dot']") is not None}
    assert dots == {"b", "c", "d"}
    assert drawn["c"][1][1] == "carries Z" and SIZE == 36


@pytest.mark.parametrize(("genotype", "status"), [("ZZ", "affected"), ("Z/Null", "affected"),
                                                  ("Null/Null", "affected"), ("MZ", "carrier"), ("SZ", "affected"),
                                                  ("MS", "carrier"), ("MM", "unaffected")])
def test_member_status__genotypes(genotype: str, status: str) -> None:
    ped = pedigree_from_json({"members": [{"id": "x", "sex": "female", "genotype": genotype}]})
    assert member_status(ped["x"], None) == status


def test_pedigree_svg__numbers_generations_twins_adoption_unknown_partner_and_escaping() -> None:
    ped = pedigree_from_json({"members": [
        {"id": "gf", "sex": "male"}, {"id": "gm", "sex": "female"},
        {"id": "s1", "sex": "male", "father": "gf", "mother": "gm", "mz_twin": "s2"},
        {"id": "s2", "sex": "male", "father": "gf", "mother": "gm"},
        {"id": "d1", "sex": "female", "father": "gf", "mother": "gm", "dz_twin": "d2"},
        {"id": "d2", "sex": "male", "father": "gf", "mother": "gm", "dz_twin": "d1"},
        {"id": "a<b>&\"c", "sex": "female", "father": "gf", "mother": "gm", "adopted": "in"},
        {"id": "w", "sex": "female", "partner": "s1"},
        {"id": "k", "sex": "female", "mother": "d1", "proband": True, "genotype": "ZZ"}]})
    svg = pedigree_svg(ped, infer(ped, allele_model(ped, country="USA")))
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "member"]
    number = {str(g.get("data-member")): str(g.get("data-number")) for g in groups}
    assert number["gf"].startswith("I-") and number["s1"].startswith("II-") and number["k"].startswith("III-")
    assert sorted(number.values()) == sorted({*number.values()})  # unique
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "generation"] == ["I", "II", "III"]
    assert len(root.findall(f".//{SVG}line[@class='mz-twins']")) == 1  # s1-s2 only, not the DZ pair
    assert sum(g.find(f"{SVG}path[@class='adopted']") is not None for g in groups) == 1
    assert len(root.findall(f".//{SVG}line[@class='adopted-in']")) == 1
    assert len(root.findall(f".//{SVG}g[@class='unknown-partner']")) == 1  # k's father is not recorded
    assert any(t.text == "P" for t in root.iter(f"{SVG}text"))
    assert 'a&lt;b&gt;&amp;&quot;c' in svg and "<b>" not in svg
    assert statuses_of(svg)["d1"] == "carrier"  # obligate: mother of a ZZ child


def test_row_orders__partners_who_married_in_stand_outside_so_twins_stay_side_by_side() -> None:
    ped = pedigree_from_json({"members": [
        {"id": "gf", "sex": "male"}, {"id": "gm", "sex": "female"},
        {"id": "t1", "sex": "male", "father": "gf", "mother": "gm", "mz_twin": "t2"},
        {"id": "t2", "sex": "male", "father": "gf", "mother": "gm"},
        {"id": "w1", "sex": "female"}, {"id": "w2", "sex": "female"},
        {"id": "c1", "sex": "male", "father": "t1", "mother": "w1"},
        {"id": "c2", "sex": "female", "father": "t2", "mother": "w2"}]})
    rows = row_orders(ped)
    assert rows[1] == ["w1", "t1", "t2", "w2"]
    assert rows[2] == ["c1", "c2"]


def test_page_drawing__the_same_drawing_without_its_legend_which_the_page_shows_as_text() -> None:
    ped = pedigree_from_json(json.loads((DATA / "consanguineous.json").read_text()))
    full, page = pedigree_drawings(ped, title="Family")
    assert full == pedigree_svg(ped, title="Family")  # the CLI, the PDF and the download keep the legend
    legend = next(g for g in ET.fromstring(full).iter(f"{SVG}g") if g.get("class") == "legend")
    words = [t.text for t in legend.iter(f"{SVG}text") if t.get("x") == "20"]  # the markers hold "*" and "?"
    assert words == [text for _, text in legend_entries()]
    assert '<g class="legend">' not in page
    assert {k: lines for k, (_, lines) in members_of(page).items()} == {
        k: lines for k, (_, lines) in members_of(full).items()}
    assert float(ET.fromstring(page).get("height", "0")) < float(ET.fromstring(full).get("height", "0"))
    for marker, _ in legend_entries():  # each marker is a small SVG of its own
        assert ET.fromstring(marker).get("width") == "28"


def _texts_and_titles(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [e.text or "" for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}title")]


def test_page_drawing__in_a_page_s_own_words_keeps_no_english_word_of_the_drawing() -> None:
    ped = pedigree_from_json({"members": [
        {"id": "gf", "sex": "male"}, {"id": "gm", "sex": "female", "genotype": "MZ"},
        {"id": "d", "sex": "female", "father": "gf", "mother": "gm"},
        {"id": "k", "sex": "unknown", "mother": "d", "genotype": "ZZ"}]})  # k's father is not recorded
    result = infer(ped, allele_model(ped, country="USA"))
    words = {key: f"<palabra {n}> y otra" for n, key in enumerate(WORDS)}
    full, page = pedigree_drawings(ped, result, title="Nuestro árbol", words=words)
    shown = "\n".join(_texts_and_titles(full))
    for key, english in WORDS.items():
        assert english not in shown, key
    for key in ("carrier", "affected", "unknown", "partner_not_recorded", "footnote_labels", "footnote_support",
                *(f"legend_{k}" for k in LEGEND_KEYS)):
        assert words[key] in shown, key  # escaped in the markup, read back as text
    assert "&lt;palabra 1&gt;" in full and "<palabra 1>" not in full
    assert "Nuestro árbol" in _texts_and_titles(page)
    # the English drawing is unchanged by the words of another call (no state kept)
    assert pedigree_svg(ped, result) == pedigree_drawings(ped, result)[0]


def test_page_drawing__without_footnotes_can_be_as_wide_as_the_family_a_long_footnote_wraps() -> None:
    ped = pedigree_from_json({"members": [{"id": "a", "sex": "male"}, {"id": "b", "sex": "female"},
                                          {"id": "c", "sex": "female", "father": "a", "mother": "b"}]})
    _, english = pedigree_drawings(ped)
    assert float(ET.fromstring(english).get("width", "0")) == 720  # room for the English footnotes
    full, bare = pedigree_drawings(ped, page_footnotes=False, page_min_width=0)
    assert full == pedigree_svg(ped)  # the drawing with the legend keeps its footnotes and width
    root = ET.fromstring(bare)
    assert float(root.get("width", "0")) < 390  # a family of three fits a phone at its own size
    assert not [t for t in root.iter(f"{SVG}text") if t.get("fill") == "#444" and t.get("x") == "10"]
    symbols = [float(e.get("x", e.get("cx", "0"))) for g in root.iter(f"{SVG}g") if g.get("class") == "member"
               for e in g if e.get("class") == "symbol"]
    assert max(symbols) + SIZE < float(root.get("width", "0"))
    long_note = "palabra " * 60
    _, wrapped = pedigree_drawings(ped, words={"footnote_labels": long_note})
    notes = [t.text or "" for t in ET.fromstring(wrapped).iter(f"{SVG}text") if t.get("x") == "10"]
    assert " ".join(notes[:-1]).split() == long_note.split()  # every word kept, over several lines
    assert all(len(line) * 6.5 <= 720 - 20 for line in notes)
    heights = [float(ET.fromstring(d).get("height", "0")) for d in (english, wrapped)]
    assert heights[1] == heights[0] + 16 * (len(notes) - 2)


def test_legend_keys__only_the_symbols_the_drawing_shows() -> None:
    four = pedigree_from_json({"members": [
        {"id": "Mum", "sex": "female", "genotype": "MZ"}, {"id": "Dad", "sex": "male", "genotype": "MZ"},
        {"id": "Anna", "sex": "female", "father": "Dad", "mother": "Mum", "genotype": "ZZ"},
        {"id": "Ben", "sex": "male", "father": "Dad", "mother": "Mum"}]})
    result = infer(four, allele_model(four, country="USA"))
    assert legend_keys(four, result) == ["male", "female", "severe", "carrier", "unfilled", "tested"]
    consanguineous = pedigree_from_json(json.loads((DATA / "consanguineous.json").read_text()))
    keys = legend_keys(consanguineous)
    assert {"deceased", "proband", "consanguinity", "mz_twins"} <= set(keys)
    assert {"dz_twins", "adopted", "partner_not_recorded", "sex_unknown"}.isdisjoint(keys)
    assert keys == [k for k in LEGEND_KEYS if k in keys]
    # each marker is the one the drawing's own legend draws
    assert [m for _, m in legend_markers()] == [m for m, _ in legend_entries()]


@st.composite
def linked_families(draw: st.DrawFn) -> Pedigree:
    """Up to 40 members: loops, partners recorded without children, monozygotic and dizygotic twins."""
    n = draw(st.integers(1, 40))
    members: list[Member] = []
    for i in range(n):
        sex = draw(st.sampled_from([Sex.MALE, Sex.FEMALE, Sex.UNKNOWN]))
        males = [m.id for m in members if m.sex is Sex.MALE]
        females = [m.id for m in members if m.sex is Sex.FEMALE]
        father = draw(st.none() | st.sampled_from(males)) if males else None
        mother = draw(st.none() | st.sampled_from(females)) if females else None
        others = [m.id for m in members if m.partner is None]
        partner = draw(st.none() | st.sampled_from(others)) if others and draw(st.integers(0, 5)) == 0 else None
        genotype = draw(st.none() | st.sampled_from([Genotype.of("M", "Z"), Genotype.of("Z", "Z")]))
        members.append(Member(f"m{i}", sex, father, mother, partner=partner, genotype=genotype, proband=i == 0))
        if father and mother and draw(st.integers(0, 5)) == 0:
            kind = draw(st.sampled_from(["mz_twin", "dz_twin"]))
            members.append(Member(f"t{i}", sex, father, mother, **{kind: f"m{i}"}))  # type: ignore[arg-type]
    return build_pedigree(members)


@settings(max_examples=120, deadline=None)
@given(linked_families(), st.booleans())
def test_pedigree_svg__is_byte_for_byte_the_reference_drawing(ped: Pedigree, with_result: bool) -> None:
    """The ninth wave's layout (families looked up by row) draws exactly what the full-scan layout drew."""
    from . import _drawing_before_w9 as before

    result = None
    if with_result:
        try:
            result = infer(ped, allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}))
        except PedigreeError:
            return
    assert pedigree_svg(ped, result, title="t") == before.pedigree_svg(ped, result, title="t")


def test_pedigree_svg__of_a_long_line_of_descent_is_the_reference_drawing() -> None:
    """A 150-generation chain with a partner in each generation and a sibling every tenth."""
    rows = [Member("g0", Sex.MALE, genotype=Genotype.of("Z", "Z")), Member("w0", Sex.FEMALE)]
    for i in range(1, 150):
        rows += [Member(f"g{i}", Sex.MALE, f"g{i - 1}", f"w{i - 1}"), Member(f"w{i}", Sex.FEMALE)]
        if i % 10 == 0:
            rows.append(Member(f"s{i}", Sex.FEMALE, f"g{i - 1}", f"w{i - 1}"))
    from . import _drawing_before_w9 as before

    ped = build_pedigree(rows)
    assert pedigree_svg(ped, title="c") == before.pedigree_svg(ped, title="c")


@settings(max_examples=50, deadline=None)
@given(linked_families())
def test_related__equals_intersecting_the_two_ancestries(ped: Pedigree) -> None:
    """The walk that stops with the shorter line answers as the intersection of both full ancestor sets."""
    from aatd.family.drawing import related

    for a in ped.ids:
        for b in ped.ids:
            assert related(ped, a, b) == bool((ped.ancestors(a) | {a}) & (ped.ancestors(b) | {b})), (a, b)
