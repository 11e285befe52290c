"""Relationship to the proband: labels and degrees on hand-built families, and their symmetry."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.family.answers import pedigree_report
from aatd.family.pedigree import Member, Pedigree, Sex, build_pedigree, pedigree_from_json
from aatd.family.relationships import Relationship, proband_id, relationship, relationships_to

FREQS = {"M": 0.95, "S": 0.03, "Z": 0.02}


def family(*rows: tuple[str, str, str | None, str | None]) -> Pedigree:
    """Members as (id, sex, father, mother); the member called ``p`` is the proband."""
    return build_pedigree([Member(i, Sex(sex), f, m, proband=i == "p") for i, sex, f, m in rows])


def labels(ped: Pedigree) -> dict[str, tuple[str, int | None]]:
    rels = relationships_to(ped, proband_id(ped))
    return {k: (v.label, v.degree) for k, v in rels.items() if v is not None}


def test_nuclear_family() -> None:
    ped = family(("f", "male", None, None), ("m", "female", None, None), ("p", "female", "f", "m"),
                 ("s", "male", "f", "m"))
    assert labels(ped) == {"f": ("parent", 1), "m": ("parent", 1), "p": ("proband", None), "s": ("sibling", 1)}


def test_three_generations_with_partner_and_in_laws() -> None:
    ped = family(("gf", "male", None, None), ("gm", "female", None, None), ("f", "male", "gf", "gm"),
                 ("m", "female", None, None), ("u", "female", "gf", "gm"), ("p", "female", "f", "m"),
                 ("h", "male", None, None), ("k", "male", "h", "p"), ("hm", "female", None, None),
                 ("hs", "male", None, "hm"), ("gk", "female", "k", None), ("n", "male", None, "u"))
    assert labels(ped) == {
        "gf": ("grandparent", 2), "gm": ("grandparent", 2), "f": ("parent", 1), "m": ("parent", 1),
        "u": ("aunt/uncle", 2), "p": ("proband", None), "h": ("partner", None), "k": ("child", 1),
        "hm": ("unrelated", None), "hs": ("unrelated", None), "gk": ("grandchild", 2), "n": ("first cousin", 3),
    }


def test_cousins_nieces_and_great_relations() -> None:
    ped = family(("ggf", "male", None, None), ("ggm", "female", None, None), ("gf", "male", "ggf", "ggm"),
                 ("ga", "female", "ggf", "ggm"), ("gm", "female", None, None), ("a", "male", "gf", "gm"),
                 ("aw", "female", None, None), ("b", "female", "gf", "gm"), ("bh", "male", None, None),
                 ("p", "male", "a", "aw"), ("s", "female", "a", "aw"), ("c", "female", "bh", "b"),
                 ("ni", "male", None, "s"), ("cc", "female", None, "c"), ("gn", "male", "ni", None),
                 ("gac", "male", None, "ga"))
    assert labels(ped) == {
        "ggf": ("great-grandparent", 3), "ggm": ("great-grandparent", 3), "gf": ("grandparent", 2),
        "ga": ("great-aunt/uncle", 3), "gm": ("grandparent", 2), "a": ("parent", 1), "aw": ("parent", 1),
        "b": ("aunt/uncle", 2), "bh": ("unrelated", None), "p": ("proband", None), "s": ("sibling", 1),
        "c": ("first cousin", 3), "ni": ("niece/nephew", 2), "cc": ("first cousin once removed", 4),
        "gn": ("grand-niece/nephew", 3), "gac": ("first cousin once removed", 4),
    }


def test_half_siblings_and_a_parents_other_partner() -> None:
    ped = family(("f", "male", None, None), ("m1", "female", None, None), ("m2", "female", None, None),
                 ("p", "male", "f", "m1"), ("h", "female", "f", "m2"), ("hh", "male", None, "m2"))
    assert labels(ped) == {"f": ("parent", 1), "m1": ("parent", 1), "m2": ("unrelated", None),
                           "p": ("proband", None), "h": ("half-sibling", 2), "hh": ("unrelated", None)}


def test_consanguineous_partners_are_blood_relatives_first() -> None:
    ped = pedigree_from_json({"members": [
        {"id": "gf", "sex": "male"}, {"id": "gm", "sex": "female"},
        {"id": "a", "sex": "male", "father": "gf", "mother": "gm"},
        {"id": "b", "sex": "female", "father": "gf", "mother": "gm"},
        {"id": "c1", "sex": "male", "father": "a"}, {"id": "c2", "sex": "female", "mother": "b"},
        {"id": "k", "sex": "male", "father": "c1", "mother": "c2", "mz_twin": "k2"},
        {"id": "k2", "sex": "male", "father": "c1", "mother": "c2"}]})
    assert relationship(ped, "c1", "c2") == Relationship("first cousin", 3)
    assert relationship(ped, "k", "k2") == Relationship("monozygotic twin", 1)
    assert relationship(ped, "k", "gf") == Relationship("great-grandparent", 3)
    assert relationship(ped, "k", "k") == Relationship("self", None)


def test_proband_rule_marked_then_first_severe_then_none() -> None:
    members: list[dict[str, Any]] = [{"id": "f", "sex": "male", "genotype": "MZ"}, {"id": "m", "sex": "female"},
                                     {"id": "a", "father": "f", "mother": "m", "genotype": "SZ"},
                                     {"id": "b", "father": "f", "mother": "m", "genotype": "ZZ"}]
    assert proband_id(pedigree_from_json({"members": members})) == "a"  # SZ is severe, and first
    marked = [*members[:3], {**members[3], "proband": True}]
    assert proband_id(pedigree_from_json({"members": marked})) == "b"
    none = pedigree_report({"allele_frequencies": FREQS, "members": [{"id": "x", "genotype": "MZ"}, {"id": "y"}]})
    assert none["proband"] is None
    assert none["members"]["y"]["relationship"] is None and none["members"]["y"]["degree"] is None


# --- symmetry (hypothesis) -------------------------------------------------------------------------------------------

INVERSE = {"parent": "child", "grandparent": "grandchild", "aunt/uncle": "niece/nephew",
           "great-aunt/uncle": "grand-niece/nephew"}
INVERSE |= {f"half-{k}": f"half-{v}" for k, v in INVERSE.items()}
INVERSE |= {f"{'great-' * n}grandparent": f"{'great-' * n}grandchild" for n in range(1, 4)}
INVERSE |= {v: k for k, v in INVERSE.items()}


@st.composite
def random_pedigrees(draw: st.DrawFn) -> Pedigree:
    """Up to 14 members, parents drawn from earlier members: loops (consanguinity, several partners) happen."""
    n = draw(st.integers(1, 14))
    members: list[Member] = []
    for i in range(n):
        sex = draw(st.sampled_from([Sex.MALE, Sex.FEMALE]))
        males = [m.id for m in members if m.sex is Sex.MALE]
        females = [m.id for m in members if m.sex is Sex.FEMALE]
        father = draw(st.none() | st.sampled_from(males)) if males else None
        mother = draw(st.none() | st.sampled_from(females)) if females else None
        members.append(Member(f"m{i}", sex, father, mother))
    return build_pedigree(members)


@settings(max_examples=150)
@given(random_pedigrees(), st.data())
def test_relationship__a_to_b_and_b_to_a_agree(ped: Pedigree, data: st.DataObject) -> None:
    a = data.draw(st.sampled_from(ped.ids))
    b = data.draw(st.sampled_from(ped.ids))
    there, back = relationship(ped, a, b), relationship(ped, b, a)
    assert there.degree == back.degree
    assert back.label == INVERSE.get(there.label, there.label)
    assert (there.degree is None) == (there.label in {"self", "partner", "unrelated"})


def test_relationship__consanguineous_tie_is_symmetric() -> None:
    """Found by Hypothesis: m4 (child of m0 x m2) and m5 (child of m1) are both half-aunt and half-niece."""
    ped = family(("m0", "male", None, None), ("m1", "female", "m0", None), ("m2", "female", None, "m1"),
                 ("m4", "male", "m0", "m2"), ("m5", "male", None, "m1"))
    there, back = relationship(ped, "m4", "m5"), relationship(ped, "m5", "m4")
    assert there == back
    assert there.degree is not None


@pytest.mark.parametrize(("degree", "label"), [(1, "sibling"), (2, "half-sibling"), (3, "first cousin")])
def test_degree_matches_shared_genes(degree: int, label: str) -> None:
    ped = family(("gf", "male", None, None), ("gm", "female", None, None), ("gm2", "female", None, None),
                 ("a", "male", "gf", "gm"), ("b", "female", "gf", "gm"), ("h", "male", "gf", "gm2"),
                 ("x", "male", "a", None), ("y", "female", "a", None), ("c", "male", None, "b"))
    other = {"sibling": ("a", "b"), "half-sibling": ("a", "h"), "first cousin": ("x", "c")}[label]
    assert relationship(ped, *other) == Relationship(label, degree)


def _reference_relationships_to(pedigree: Pedigree, reference: str) -> dict[str, Relationship]:
    """relationships_to as it was before the ninth wave (every member's ancestors walked, twins and partners
    found by scanning the pedigree for each member): the reference for the faster one."""
    from collections.abc import Mapping

    from aatd.family.relationships import _collateral, _lineal, ancestor_depths

    def one(a: str, b: str, depth_a: Mapping[str, int], depth_b: Mapping[str, int]) -> Relationship:
        if a == b:
            return Relationship("proband" if a == reference else "self", None)
        if any(a in group and b in group for group in pedigree.twin_groups()):
            return Relationship("monozygotic twin", 1)
        if b in depth_a:
            return _lineal(depth_a[b], ("parent", "grandparent"))
        if a in depth_b:
            return _lineal(depth_b[a], ("child", "grandchild"))
        common = depth_a.keys() & depth_b.keys()
        if not common:
            partners = any({m.father, m.mother} == {a, b} for m in pedigree.members)
            return Relationship("partner" if partners else "unrelated", None)
        best = min(depth_a[c] + depth_b[c] for c in common)
        splits: dict[tuple[int, int], int] = {}
        for c in common:
            if depth_a[c] + depth_b[c] == best:
                splits[depth_a[c], depth_b[c]] = splits.get((depth_a[c], depth_b[c]), 0) + 1

        def rank(kv: tuple[tuple[int, int], int]) -> tuple[int, int, int]:
            (x, y), n = kv
            return (-min(n, 2), abs(x - y), -n)

        best_rank = min(map(rank, splits.items()))
        tied = [(split, n) for split, n in splits.items() if rank((split, n)) == best_rank]
        (da, db), count = tied[0]
        if len(tied) > 1 and any(split != (da, db) for split, _ in tied):
            return Relationship("other relative", da + db - 1 if count >= 2 else da + db)
        return _collateral(da, db, count >= 2)

    mine = ancestor_depths(pedigree, reference)
    return {m.id: one(reference, m.id, mine, ancestor_depths(pedigree, m.id)) for m in pedigree.members}


@st.composite
def pedigrees_with_twins(draw: st.DrawFn) -> Pedigree:
    """As random_pedigrees (up to 30 members, loops), some children with a monozygotic twin."""
    n = draw(st.integers(1, 30))
    members: list[Member] = []
    for i in range(n):
        sex = draw(st.sampled_from([Sex.MALE, Sex.FEMALE]))
        males = [m.id for m in members if m.sex is Sex.MALE]
        females = [m.id for m in members if m.sex is Sex.FEMALE]
        father = draw(st.none() | st.sampled_from(males)) if males else None
        mother = draw(st.none() | st.sampled_from(females)) if females else None
        members.append(Member(f"m{i}", sex, father, mother))
        if father and mother and draw(st.integers(0, 4)) == 0:
            members.append(Member(f"t{i}", sex, father, mother, mz_twin=f"m{i}"))
    return build_pedigree(members)


@settings(max_examples=200)
@given(pedigrees_with_twins(), st.data())
def test_relationships_to__equals_the_reference_walk(ped: Pedigree, data: st.DataObject) -> None:
    """The faster relationships_to gives every member exactly the label and degree of the member-by-member walk."""
    reference = data.draw(st.sampled_from(ped.ids))
    assert relationships_to(ped, reference) == _reference_relationships_to(ped, reference)
    other = data.draw(st.sampled_from(ped.ids))
    assert relationship(ped, reference, other, proband=reference) == _reference_relationships_to(ped, reference)[other]


def test_relationships_to__of_a_long_line_of_descent_equals_the_reference() -> None:
    """A 300-generation chain with a partner in each generation (the review's shape), from both ends."""
    rows = [Member("g0", Sex.MALE), Member("w0", Sex.FEMALE)]
    for i in range(1, 300):
        rows += [Member(f"g{i}", Sex.MALE, f"g{i - 1}", f"w{i - 1}"), Member(f"w{i}", Sex.FEMALE)]
    ped = build_pedigree(rows)
    for reference in ("g0", "g299", "g150", "w150"):
        assert relationships_to(ped, reference) == _reference_relationships_to(ped, reference)
