"""How each member of a pedigree is related to the proband: a label and a degree of relationship.

The relationship of ``b`` to ``a`` ("``b`` is ``a``'s ...") is read from the pedigree graph:

1. ``b`` is ``a``: ``"proband"`` (when ``a`` is the proband) or ``"self"``.
2. ``b`` is an ancestor of ``a`` ``k`` generations up: parent, grandparent,
   great-grandparent, great-great-grandparent...; a descendant: child, grandchild...
3. Otherwise the closest common ancestors (smallest sum of generation distances
   ``da`` from ``a`` and ``db`` from ``b``) give a collateral relation: sibling
   (``da = db = 1``), aunt/uncle (2, 1), niece/nephew (1, 2), great-aunt/uncle (3, 1),
   grand-niece/nephew (1, 3), cousins ``n = min(da, db) - 1`` times removed
   ``|da - db|`` (first cousin, first cousin once removed, second cousin...). When the
   closest common ancestor is a single person rather than a couple, the relation is a
   half one (half-sibling, half-aunt/uncle, half-first cousin). Monozygotic twins are
   ``"monozygotic twin"``. Relations too distant to name are ``"other relative"``.
4. No common ancestor: ``"partner"`` when they have a child together, else
   ``"unrelated"`` (a partner's relatives, in-laws).

A blood relation wins over a partnership (the partners of a consanguineous couple are
first cousins, say). The **degree** is the number of meioses on the path through the
closest common ancestor(s): ``da + db`` for lineal and half relations and
``da + db - 1`` for full collateral ones, so parents, children and full siblings are
1st-degree relatives (half their genes shared); grandparents, grandchildren,
aunts/uncles, nieces/nephews and half-siblings 2nd-degree; first cousins,
great-grandparents, great-aunts/uncles and half-aunts/uncles 3rd-degree. It is
``None`` for the proband, partners and unrelated members. Both the label pairs
(parent/child, aunt/uncle/niece/nephew...) and the degree are symmetric.

The proband (:func:`proband_id`) is the first member marked ``proband``; failing that,
the first member (parents-first order, otherwise as given) with a genotype whose
severity class is severe or absent (ZZ, Z/Null, SZ...); failing that, nobody, and
every relationship is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aatd.family.pedigree import Pedigree
from aatd.genetics.levels import Severity, genotype_severity

_SEVERE = (Severity.SEVERE, Severity.ABSENT)
_ORDINALS = ("first", "second", "third")
_REMOVED = ("", " once removed", " twice removed", " three times removed")
_LINEAL_UP = ("parent", "grandparent")
_LINEAL_DOWN = ("child", "grandchild")
_COLLATERAL = {(1, 1): "sibling", (2, 1): "aunt/uncle", (1, 2): "niece/nephew", (3, 1): "great-aunt/uncle",
               (1, 3): "grand-niece/nephew"}
MAX_GREATS = 3
"""Lineal relatives are named up to great-great-great-grandparent/-grandchild; further ones are 'other relative'."""


@dataclass(frozen=True, slots=True)
class Relationship:
    """How a member is related to a reference member (the proband): a label and a degree."""

    label: str
    degree: int | None


def proband_id(pedigree: Pedigree) -> str | None:
    """The member marked proband, else the first with a severe genotype, else ``None``."""
    marked = next((m.id for m in pedigree.members if m.proband), None)
    if marked is not None:
        return marked
    return next((m.id for m in pedigree.members
                 if m.genotype is not None and genotype_severity(m.genotype) in _SEVERE), None)


def ancestor_depths(pedigree: Pedigree, member_id: str) -> dict[str, int]:
    """Each ancestor of ``member_id`` (and the member, at 0) with its smallest number of generations up."""
    depth = {member_id: 0}
    frontier = [member_id]
    while frontier:
        nxt = []
        for x in frontier:
            m = pedigree[x]
            for parent in (m.father, m.mother):
                if parent is not None and parent not in depth:
                    depth[parent] = depth[x] + 1
                    nxt.append(parent)
        frontier = nxt
    return depth


def descendant_depths(pedigree: Pedigree, member_id: str) -> dict[str, int]:
    """Each descendant of ``member_id`` (and the member, at 0) with its smallest number of generations down.

    ``descendant_depths(p, a)[b] == ancestor_depths(p, b)[a]`` (the same shortest path, walked the other way).
    """
    children: dict[str, list[str]] = {}
    for m in pedigree.members:
        for parent in (m.father, m.mother):
            if parent is not None:
                children.setdefault(parent, []).append(m.id)
    depth = {member_id: 0}
    frontier = [member_id]
    while frontier:
        nxt = []
        for x in frontier:
            for child in children.get(x, ()):
                if child not in depth:
                    depth[child] = depth[x] + 1
                    nxt.append(child)
        frontier = nxt
    return depth


@dataclass(frozen=True, slots=True)
class _Links:
    """Twin sets and couples of a pedigree, read once so that each pair is checked in constant time."""

    twin_set: Mapping[str, int]
    couples: frozenset[frozenset[str]]

    @classmethod
    def of(cls, pedigree: Pedigree) -> _Links:
        twin_set = {mid: k for k, group in enumerate(pedigree.twin_groups()) for mid in group}
        couples = frozenset(frozenset((m.father, m.mother)) for m in pedigree.members
                            if m.father is not None and m.mother is not None)
        return cls(twin_set, couples)

    def twins(self, a: str, b: str) -> bool:
        group = self.twin_set.get(a)
        return group is not None and group == self.twin_set.get(b)

    def partners(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.couples


def relationship(pedigree: Pedigree, a: str, b: str, *, proband: str | None = None) -> Relationship:
    """How ``b`` is related to ``a`` ("``b`` is ``a``'s ..."); ``proband`` names ``a == b`` "proband"."""
    return _relationship(pedigree, a, b, ancestor_depths(pedigree, a), descendant_depths(pedigree, a),
                         _Links.of(pedigree), proband)


def relationships_to(pedigree: Pedigree, reference: str | None) -> dict[str, Relationship | None]:
    """The relationship of every member to ``reference`` (all ``None`` without a reference).

    The reference's ancestors and descendants, the twin sets and the couples are read once; a
    member's own ancestors are walked only for collateral relatives, so a long line of descent
    costs time linear in its length (it cost the square of it).
    """
    if reference is None:
        return {m.id: None for m in pedigree.members}
    up, down, links = ancestor_depths(pedigree, reference), descendant_depths(pedigree, reference), _Links.of(pedigree)
    return {m.id: _relationship(pedigree, reference, m.id, up, down, links, reference) for m in pedigree.members}


def _relationship(pedigree: Pedigree, a: str, b: str, depth_a: Mapping[str, int], below_a: Mapping[str, int],
                  links: _Links, proband: str | None) -> Relationship:
    if a == b:
        return Relationship("proband" if a == proband else "self", None)
    if links.twins(a, b):
        return Relationship("monozygotic twin", 1)
    if b in depth_a:
        return _lineal(depth_a[b], _LINEAL_UP)
    if b in below_a:
        return _lineal(below_a[b], _LINEAL_DOWN)
    depth_b = ancestor_depths(pedigree, b)
    common = depth_a.keys() & depth_b.keys()
    if not common:
        return Relationship("partner" if links.partners(a, b) else "unrelated", None)
    best = min(depth_a[c] + depth_b[c] for c in common)
    splits: dict[tuple[int, int], int] = {}
    for c in common:
        if depth_a[c] + depth_b[c] == best:
            splits[depth_a[c], depth_b[c]] = splits.get((depth_a[c], depth_b[c]), 0) + 1
    # a couple beats a single ancestor (full beats half), then the most even split, then the most lines of
    # descent (loops can give several). The rule must not depend on which of the two is asked about: when
    # (x, y) and (y, x) still tie, neither "aunt" nor "niece" is true of both, so the answer is symmetric.
    def rank(kv: tuple[tuple[int, int], int]) -> tuple[int, int, int]:
        (x, y), n = kv
        return (-min(n, 2), abs(x - y), -n)

    best_rank = min(map(rank, splits.items()))
    tied = [(split, n) for split, n in splits.items() if rank((split, n)) == best_rank]
    (da, db), count = tied[0]
    if len(tied) > 1 and any(split != (da, db) for split, _ in tied):
        return Relationship("other relative", da + db - 1 if count >= 2 else da + db)
    return _collateral(da, db, count >= 2)


def _lineal(generations: int, names: tuple[str, str]) -> Relationship:
    """A parent (1 generation), grandparent (2), great-grandparent (3)... or the descending names."""
    if generations <= 2:
        return Relationship(names[generations - 1], generations)
    greats = generations - 2
    if greats > MAX_GREATS:
        return Relationship("other relative", generations)
    return Relationship("great-" * greats + names[1], generations)


def _collateral(da: int, db: int, full: bool) -> Relationship:
    """Siblings, aunts/uncles, nieces/nephews and cousins from the generation distances to the closest ancestors."""
    degree = da + db - 1 if full else da + db
    half = "" if full else "half-"
    named = _COLLATERAL.get((da, db))
    if named is not None:
        return Relationship(half + named, degree)
    cousin, removed = min(da, db) - 1, abs(da - db)
    if 1 <= cousin <= len(_ORDINALS) and removed < len(_REMOVED):
        return Relationship(f"{half}{_ORDINALS[cousin - 1]} cousin{_REMOVED[removed]}", degree)
    return Relationship("other relative", degree)
