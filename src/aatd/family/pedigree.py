"""A family: who is related to whom, and what was measured in each member.

A :class:`Pedigree` holds members (id, sex, parents, age, deceased, proband, monozygotic
twin) and their evidence: a genotype, an IEF phenotype (a set of compatible genotypes)
and/or a serum level (used as a *soft* likelihood through the level model), or
:class:`CarrierEvidence` ("carries at least one Z", the other allele not determined). A
member with none of these is "not tested". Parsing validates the structure and names the
offending field: duplicate ids, unknown parents, a father recorded as female or a
mother as male, a member who is their own ancestor, inconsistent twins. Evidence that
contradicts Mendelian inheritance is found by the inference engine
(:mod:`aatd.family.inference`), which needs the genotype model.

Formats read: the aatd JSON document (``pedigree_from_json``), PED/FAM six columns with
an optional seventh genotype column (``pedigree_from_ped``), and the GA4GH Phenopackets
``Family`` message (structure, sex, vital status, proband, SERPINA1 variants and serum
levels; ``pedigree_from_phenopackets``).
Formats written: aatd JSON (``pedigree_to_json``), PED (``pedigree_to_ped``) and
Phenopackets (``pedigree_to_phenopackets``).
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from aatd.errors import InputError, PedigreeError
from aatd.genetics.alleles import allele_catalogue, find_allele, get_allele
from aatd.genetics.genotypes import Genotype, Phenotype, genotype_sort_key, parse_genotype, parse_phenotype
from aatd.genetics.levels import is_inflamed
from aatd.genetics.units import Crp, Level, parse_crp_unit
from aatd.limits import MEMBER_ID, check_text, load_json

log = logging.getLogger(__name__)
_MEMBER_KEYS = frozenset({"id", "sex", "father", "mother", "age", "deceased", "proband", "mz_twin", "dz_twin",
                          "adopted", "partner", "genotype", "phenotype", "carries", "level", "affected", "name"})
ADOPTION = ("in", "out")
"""``adopted``: ``in`` (raised by the recorded parents, not their biological child) or ``out``
(the recorded parents' biological child, raised by others)."""
_LEVEL_KEYS = frozenset({"value", "unit", "method", "crp"})
_PED_MISSING = frozenset({"0", ".", "-9", ""})


class Sex(StrEnum):
    """Sex as recorded in the pedigree (needed to check who can be a father or a mother)."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


_SEX_SPELLINGS = {"male": Sex.MALE, "m": Sex.MALE, "1": Sex.MALE, "female": Sex.FEMALE, "f": Sex.FEMALE,
                  "2": Sex.FEMALE, "unknown": Sex.UNKNOWN, "u": Sex.UNKNOWN, "0": Sex.UNKNOWN,
                  "other": Sex.UNKNOWN, "unknown_sex": Sex.UNKNOWN, "other_sex": Sex.UNKNOWN}


@dataclass(frozen=True, slots=True)
class LevelEvidence:
    """A measured serum AAT level and, optionally, the CRP (mg/L) taken with it."""

    level: Level
    crp_mg_l: float | None = None

    @property
    def inflamed(self) -> bool:
        """True when CRP is at or above the inflammation cut-off."""
        return is_inflamed(self.crp_mg_l)


@dataclass(frozen=True, slots=True)
class CarrierEvidence(Phenotype):
    """A test showed at least one copy of ``allele``; the other allele was not determined.

    Kept in the member's ``phenotype`` slot: the inference engine treats a phenotype as
    the set of genotypes :meth:`compatible_genotypes` returns, here every genotype with
    ``allele``. Only alleles with an IEF band of their own (S, Z, I, F, P) can be
    represented, because the engine learns the family's alleles from the bands.
    """

    allele: str = ""

    @classmethod
    def of(cls, name: str, field: str = "carries") -> CarrierEvidence:
        """Evidence of carrying ``name``; raises :class:`InputError` for alleles without a band of their own."""
        allele = get_allele(name, field)
        representable = {a.ief_band: a.allele for a in reversed(allele_catalogue()) if a.ief_band}
        if allele.allele == "M" or representable.get(allele.ief_band) != allele.allele:
            usable = ", ".join(sorted(set(representable.values()) - {"M"}))
            raise InputError(field, name, f"one of {usable} (an allele with its own IEF band)",
                             hint="give the full genotype for other alleles")
        return cls((allele.ief_band,), allele.allele)

    @property
    def canonical(self) -> str:
        """``carries Z``."""
        return f"carries {self.allele}"

    def compatible_genotypes(self, alleles: Iterable[str] | None = None) -> tuple[Genotype, ...]:
        """Every genotype over ``alleles`` (default: the catalogue less M subtypes) with at least one ``allele``."""
        pool = list(alleles) if alleles is not None else [a.allele for a in allele_catalogue()
                                                          if not (a.family == "M" and a.allele != "M")]
        return tuple(sorted({Genotype.of(self.allele, other) for other in pool}, key=genotype_sort_key))


@dataclass(frozen=True, slots=True)
class Member:
    """One person of the pedigree with their evidence (all optional)."""

    id: str
    sex: Sex = Sex.UNKNOWN
    father: str | None = None
    mother: str | None = None
    age: float | None = None
    deceased: bool = False
    proband: bool = False
    mz_twin: str | None = None
    genotype: Genotype | None = None
    phenotype: Phenotype | None = None
    level: LevelEvidence | None = None
    affected: bool | None = None
    dz_twin: str | None = None
    """Id of a dizygotic (fraternal) twin: same parents, genetically ordinary siblings."""
    adopted: str | None = None
    """``"in"``: raised by the recorded parents, who are not the biological parents (the inference
    treats the member as a founder); ``"out"``: biological child of the recorded parents, raised by others."""
    partner: str | None = None
    """Id of a partner recorded without (or before) a shared child; couples with children come from the parents."""

    @property
    def is_founder(self) -> bool:
        """True when neither parent is in the pedigree."""
        return self.father is None and self.mother is None

    @property
    def genetic_founder(self) -> bool:
        """True when no biological parent is recorded (no parents, or adopted in)."""
        return self.is_founder or self.adopted == "in"

    @property
    def genotyped(self) -> bool:
        """True when the member has a genotype or an IEF phenotype result (not a partial carrier test)."""
        return self.genotype is not None or (self.phenotype is not None
                                             and not isinstance(self.phenotype, CarrierEvidence))

    @property
    def has_evidence(self) -> bool:
        """True when anything was measured (genotype, phenotype, carrier test or level)."""
        return self.genotyped or self.phenotype is not None or self.level is not None


@dataclass(frozen=True, slots=True)
class Pedigree:
    """A validated family: members in an order where parents come before children."""

    members: tuple[Member, ...]
    index: Mapping[str, int] = field(repr=False, compare=False)

    def __getitem__(self, member_id: str) -> Member:
        return self.members[self.index[member_id]]

    def __contains__(self, member_id: object) -> bool:
        return member_id in self.index

    def __len__(self) -> int:
        return len(self.members)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)

    def children(self, member_id: str) -> tuple[str, ...]:
        """Ids of the children of ``member_id``."""
        return tuple(m.id for m in self.members if member_id in (m.father, m.mother))

    def ancestors(self, member_id: str) -> frozenset[str]:
        """Every ancestor of ``member_id`` (not including the member)."""
        seen: set[str] = set()
        stack = [member_id]
        while stack:
            m = self[stack.pop()]
            for parent in (m.father, m.mother):
                if parent is not None and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)

    def twin_groups(self) -> tuple[tuple[str, ...], ...]:
        """Sets of monozygotic twins (two or more members sharing one genotype)."""
        root = {m.id: m.id for m in self.members}

        def find(x: str) -> str:
            while root[x] != x:
                root[x] = root[root[x]]
                x = root[x]
            return x

        for m in self.members:
            if m.mz_twin is not None:
                root[find(m.id)] = find(m.mz_twin)
        groups: dict[str, list[str]] = {}
        for m in self.members:
            groups.setdefault(find(m.id), []).append(m.id)
        return tuple(tuple(g) for g in groups.values() if len(g) > 1)

    def consanguineous_couples(self) -> tuple[tuple[str, str], ...]:
        """Couples (father, mother) with children whose members share an ancestor or are related directly."""
        couples = sorted({(m.father, m.mother) for m in self.members if m.father and m.mother})
        out = []
        for f, mo in couples:
            fa, ma = self.ancestors(f) | {f}, self.ancestors(mo) | {mo}
            if fa & ma:
                out.append((f, mo))
        return tuple(out)

    def restricted(self, keep: Iterable[str], evidence_of: Iterable[str]) -> Pedigree:
        """The sub-pedigree of ``keep`` and their ancestors; evidence kept only for ``evidence_of``.

        Members outside the ancestral closure cannot change the likelihood of the kept
        evidence (they are barren nodes), so checks of evidence subsets run on this.
        """
        wanted = set(keep)
        for member_id in list(wanted):
            wanted |= self.ancestors(member_id)
        with_evidence = set(evidence_of)
        members = []
        for m in self.members:
            if m.id not in wanted:
                continue
            linked = replace(m, mz_twin=m.mz_twin if m.mz_twin in wanted else None,
                             dz_twin=m.dz_twin if m.dz_twin in wanted else None,
                             partner=m.partner if m.partner in wanted else None)
            if m.id in with_evidence:
                members.append(linked)
            else:
                members.append(replace(linked, genotype=None, phenotype=None, level=None))
        return build_pedigree(members)


# --- construction and validation -------------------------------------------------------------------------------


def build_pedigree(members: Sequence[Member]) -> Pedigree:
    """Validate ``members`` and order them parents-first.

    Raises :class:`PedigreeError` for duplicate ids, unknown parents, a father recorded
    as female or a mother as male, a member who is their own ancestor, and twins that
    do not share parents or sex.
    """
    if not members:
        raise PedigreeError("members", [], "at least one member")
    by_id: dict[str, Member] = {}
    for i, m in enumerate(members):
        if m.id in by_id:
            raise PedigreeError(f"members[{i}].id", m.id, "a unique member id", members=[m.id],
                                hint="this id is used twice")
        by_id[m.id] = m
    for i, m in enumerate(members):
        _check_parents(i, m, by_id)
        _check_twin(i, m, by_id)
    order = _parents_first(members, by_id)
    ordered = tuple(by_id[x] for x in order)
    return Pedigree(ordered, {m.id: k for k, m in enumerate(ordered)})


def _check_parents(i: int, m: Member, by_id: Mapping[str, Member]) -> None:
    for role, parent, wrong in (("father", m.father, Sex.FEMALE), ("mother", m.mother, Sex.MALE)):
        if parent is None:
            continue
        if parent not in by_id:
            raise PedigreeError(f"members[{i}].{role}", parent, "the id of a member of the pedigree",
                                members=[m.id], hint=f"{m.id}'s {role} is not listed")
        if parent == m.id:
            raise PedigreeError(f"members[{i}].{role}", parent, "someone other than the member",
                                members=[m.id], hint=f"{m.id} is their own {role}")
        if by_id[parent].sex is wrong:
            raise PedigreeError(f"members[{i}].{role}", parent, f"a {role} recorded as "
                                f"{'male' if role == 'father' else 'female'} or unknown",
                                members=[m.id, parent], hint=f"{parent} is recorded as {wrong.value}")
    if m.father is not None and m.father == m.mother:
        raise PedigreeError(f"members[{i}].mother", m.mother, "a mother different from the father", members=[m.id])


def _check_links(i: int, m: Member, by_id: Mapping[str, Member]) -> None:
    """Dizygotic twin (same parents), partner (another member) and adoption (in or out)."""
    if m.dz_twin is not None:
        twin = by_id.get(m.dz_twin)
        if twin is None or twin.id == m.id:
            raise PedigreeError(f"members[{i}].dz_twin", m.dz_twin, "the id of another member", members=[m.id])
        if (twin.father, twin.mother) != (m.father, m.mother):
            raise PedigreeError(f"members[{i}].dz_twin", m.dz_twin, "a twin with the same recorded parents",
                                members=[m.id, twin.id])
        if m.mz_twin == m.dz_twin:
            raise PedigreeError(f"members[{i}].dz_twin", m.dz_twin, "a twin who is not also the monozygotic twin",
                                members=[m.id, twin.id])
    if m.partner is not None and (m.partner not in by_id or m.partner == m.id):
        raise PedigreeError(f"members[{i}].partner", m.partner, "the id of another member", members=[m.id])
    if m.adopted is not None and m.adopted not in ADOPTION:
        raise PedigreeError(f"members[{i}].adopted", m.adopted, "in (adopted into the family) or out "
                            "(placed for adoption)", members=[m.id])


def _check_twin(i: int, m: Member, by_id: Mapping[str, Member]) -> None:
    _check_links(i, m, by_id)
    if m.mz_twin is None:
        return
    twin = by_id.get(m.mz_twin)
    if twin is None or twin.id == m.id:
        raise PedigreeError(f"members[{i}].mz_twin", m.mz_twin, "the id of another member", members=[m.id])
    if (twin.father, twin.mother) != (m.father, m.mother):
        raise PedigreeError(f"members[{i}].mz_twin", m.mz_twin, "a twin with the same father and mother",
                            members=[m.id, twin.id])
    if Sex.UNKNOWN not in (m.sex, twin.sex) and m.sex is not twin.sex:
        raise PedigreeError(f"members[{i}].mz_twin", m.mz_twin, "a monozygotic twin of the same sex",
                            members=[m.id, twin.id])


def _parents_first(members: Sequence[Member], by_id: Mapping[str, Member]) -> list[str]:
    """Parents-first order closest to the input order (Kahn); a leftover means someone is their own ancestor."""
    children: dict[str, list[str]] = {m.id: [] for m in members}
    pending = {}
    for m in members:
        parents = [p for p in (m.father, m.mother) if p is not None]
        pending[m.id] = len(parents)
        for p in parents:
            children[p].append(m.id)
    position = {m.id: k for k, m in enumerate(members)}
    ready = [(position[m.id], m.id) for m in members if pending[m.id] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, x = heapq.heappop(ready)
        order.append(x)
        for c in children[x]:
            pending[c] -= 1
            if pending[c] == 0:
                heapq.heappush(ready, (position[c], c))
    if len(order) < len(members):
        cycle = _find_cycle([m.id for m in members if pending[m.id] > 0], by_id)
        raise PedigreeError("members", " -> ".join(cycle), "a pedigree in which nobody is their own ancestor",
                            members=cycle[:-1], hint="these members form a cycle of parenthood")
    return order


def _find_cycle(stuck: list[str], by_id: Mapping[str, Member]) -> list[str]:
    """A cycle among members left over by the topological sort, as ids ending where it starts."""
    stuck_set = set(stuck)
    path: list[str] = []
    position: dict[str, int] = {}
    x = stuck[0]
    while x not in position:
        position[x] = len(path)
        path.append(x)
        m = by_id[x]
        x = next(p for p in (m.father, m.mother) if p is not None and p in stuck_set)
    return [*path[position[x]:], x]


# --- aatd JSON -------------------------------------------------------------------------------------------------


DOCUMENT_KEYS = frozenset({"members", "country", "allele_frequencies", "residual_allele", "family", "records"})
"""The top-level fields of an aatd pedigree document: what aatd itself writes, and nothing else.

``members`` (:func:`pedigree_to_json`, ``examples/family.json``); ``country`` or ``allele_frequencies`` and
``residual_allele`` (the founders' population: docs/pedigree.md, the public family tree, the clinician pages);
``family`` and ``records`` (the workspace's export, ``aatd family export``: the family's name and what only the
workspace keeps; the engine reads past them, so an export is a document ``aatd pedigree`` reads as it is).
Any other field is refused with its name: a misspelt ``contry`` or ``allele_frequency`` would otherwise be
dropped and the default population used without a word (second review, wave 8)."""


def check_document_keys(doc: Mapping[str, Any]) -> None:
    """Refuse a top-level field of a pedigree document that is not one of :data:`DOCUMENT_KEYS`, naming it."""
    unknown = sorted(str(key) for key in doc if key not in DOCUMENT_KEYS)
    if unknown:
        raise InputError(unknown[0], doc[unknown[0]], "one of the top-level fields of a pedigree document: "
                         + ", ".join(sorted(DOCUMENT_KEYS)))


def pedigree_from_json(doc: Mapping[str, Any]) -> Pedigree:
    """Read the ``members`` list of an aatd pedigree document (see ``docs/pedigree.md``); a top-level field
    other than :data:`DOCUMENT_KEYS` is refused."""
    if not isinstance(doc, Mapping):
        raise InputError("pedigree", type(doc).__name__, "a JSON object with a 'members' list")
    check_document_keys(doc)
    raw = doc.get("members")
    if not isinstance(raw, list) or not raw:
        raise InputError("members", raw, "a non-empty list of members")
    return build_pedigree([_member_from_json(i, m) for i, m in enumerate(raw)])


def _text(value: object, where: str, *, optional: bool = True) -> str | None:
    """A member id (or a reference to one): non-empty text of at most :data:`~aatd.limits.MEMBER_ID` characters."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise InputError(where, value, "a non-empty id (text)")
    return check_text(where, str(value).strip(), MEMBER_ID)


def _member_from_json(i: int, raw: object) -> Member:
    where = f"members[{i}]"
    if not isinstance(raw, Mapping):
        raise InputError(where, raw, "an object with at least an 'id'")
    unknown = sorted(set(raw) - _MEMBER_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", raw[unknown[0]], "a known member field: "
                         + ", ".join(sorted(_MEMBER_KEYS)))
    member_id = _text(raw.get("id"), f"{where}.id", optional=False)
    assert member_id is not None
    return Member(
        id=member_id, sex=parse_sex(raw.get("sex", "unknown"), f"{where}.sex"),
        father=_text(raw.get("father"), f"{where}.father"), mother=_text(raw.get("mother"), f"{where}.mother"),
        age=_age(raw.get("age"), f"{where}.age"), deceased=_flag(raw.get("deceased"), f"{where}.deceased"),
        proband=_flag(raw.get("proband"), f"{where}.proband"), mz_twin=_text(raw.get("mz_twin"), f"{where}.mz_twin"),
        dz_twin=_text(raw.get("dz_twin"), f"{where}.dz_twin"), partner=_text(raw.get("partner"), f"{where}.partner"),
        adopted=_adopted(raw.get("adopted"), f"{where}.adopted"),
        genotype=None if raw.get("genotype") is None else parse_genotype(raw["genotype"], f"{where}.genotype"),
        phenotype=_phenotype(raw, where),
        level=_level(raw.get("level"), f"{where}.level"),
        affected=None if raw.get("affected") is None else _flag(raw["affected"], f"{where}.affected"),
    )


def _phenotype(raw: Mapping[str, Any], where: str) -> Phenotype | None:
    """The ``phenotype`` (IEF bands) or ``carries`` (one allele known) field; not both."""
    phenotype, carries = raw.get("phenotype"), raw.get("carries")
    if phenotype is not None and carries is not None:
        raise InputError(f"{where}.carries", carries, "either 'phenotype' or 'carries', not both")
    if carries is not None:
        return CarrierEvidence.of(carries, f"{where}.carries")
    return None if phenotype is None else parse_phenotype(phenotype, f"{where}.phenotype")


def _adopted(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().lower() not in ADOPTION:
        raise InputError(where, value, "in (adopted into the family) or out (placed for adoption)")
    return value.strip().lower()


def parse_sex(value: object, where: str = "sex") -> Sex:
    """``male``/``female``/``unknown`` (also ``M``/``F``, PED ``1``/``2``/``0``, Phenopackets ``MALE``)."""
    sex = _SEX_SPELLINGS.get(str(value).strip().lower()) if isinstance(value, str | int) else None
    if sex is None or isinstance(value, bool):
        raise InputError(where, value, "male, female or unknown")
    return sex


def _flag(value: object, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(where, value, "true or false")
    return value


def _age(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InputError(where, value, "an age in years, zero or more")
    return float(value)


def _level(value: object, where: str) -> LevelEvidence | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or "value" not in value:
        raise InputError(where, value, "an object such as {'value': 80, 'unit': 'mg/dL'}")
    unknown = sorted(set(value) - _LEVEL_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", value[unknown[0]], "one of " + ", ".join(sorted(_LEVEL_KEYS)))
    level = Level.parse(value["value"], value.get("unit", "mg/dL"), value.get("method"), field=where)
    crp = value.get("crp")
    if crp is not None and (isinstance(crp, bool) or not isinstance(crp, int | float)):
        raise InputError(f"{where}.crp", crp, "a CRP in mg/L")
    evidence = LevelEvidence(level, None if crp is None else float(crp))
    try:
        evidence.inflamed  # noqa: B018 - validates the CRP value
    except InputError as exc:
        raise InputError(f"{where}.crp", crp, exc.expected) from None
    return evidence


def member_to_json(m: Member) -> dict[str, Any]:
    """One member as an aatd JSON object (fields left out when empty)."""
    out: dict[str, Any] = {"id": m.id, "sex": m.sex.value}
    optional: dict[str, Any] = {
        "father": m.father, "mother": m.mother, "age": m.age, "mz_twin": m.mz_twin, "dz_twin": m.dz_twin,
        "partner": m.partner, "adopted": m.adopted,
        "genotype": m.genotype.canonical if m.genotype else None,
        "phenotype": m.phenotype.canonical if m.phenotype else None, "affected": m.affected,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if isinstance(m.phenotype, CarrierEvidence):
        del out["phenotype"]
        out["carries"] = m.phenotype.allele
    if m.deceased:
        out["deceased"] = True
    if m.proband:
        out["proband"] = True
    if m.level is not None:
        lv = m.level.level
        level: dict[str, Any] = {"value": f"<{lv.value:g}" if lv.below else lv.value, "unit": lv.unit.value,
                                 "method": lv.method.value}
        if m.level.crp_mg_l is not None:
            level["crp"] = m.level.crp_mg_l
        out["level"] = level
    return out


def pedigree_to_json(pedigree: Pedigree) -> dict[str, Any]:
    """The pedigree as an aatd JSON document (``{"members": [...]}``), parents first."""
    return {"members": [member_to_json(m) for m in pedigree.members]}


# --- PED / FAM --------------------------------------------------------------------------------------------------


def pedigree_from_ped(text: str) -> Pedigree:
    """Read PED/FAM: ``family id father mother sex phenotype [genotype]``, whitespace-separated.

    Missing parents are ``0``; sex ``1`` male, ``2`` female, ``0`` unknown; phenotype
    ``2`` affected, ``1`` unaffected, ``0``/``-9`` missing (kept, not used in inference).
    The optional seventh column is a genotype (``ZZ``, ``Z/Null``; ``0`` or ``.`` if not
    tested). With several families in one file, ids become ``family/id``.
    """
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        cols = stripped.split()
        if len(cols) not in (6, 7):
            raise InputError(f"line {number}", line, "6 columns (family, id, father, mother, sex, phenotype) "
                             "and optionally a 7th genotype column")
        rows.append((number, cols))
    if not rows:
        raise InputError("ped", "", "at least one PED line")
    several = len({cols[0] for _, cols in rows}) > 1

    def ident(family: str, value: str) -> str | None:
        if value in _PED_MISSING:
            return None
        return f"{family}/{value}" if several else value

    members = []
    for number, cols in rows:
        family, member_id = cols[0], ident(cols[0], cols[1])
        if member_id is None:
            raise InputError(f"line {number}.id", cols[1], "a member id other than 0")
        check_text(f"line {number}.id", member_id, MEMBER_ID)
        genotype = None
        if len(cols) == 7 and cols[6] not in _PED_MISSING:
            genotype = parse_genotype(cols[6], f"line {number}.genotype")
        members.append(Member(
            id=member_id, father=ident(family, cols[2]), mother=ident(family, cols[3]),
            sex=parse_sex(cols[4], f"line {number}.sex"), affected=_ped_affected(cols[5], number),
            genotype=genotype,
        ))
    return build_pedigree(members)


def _ped_affected(value: str, number: int) -> bool | None:
    if value in _PED_MISSING:
        return None
    if value in ("1", "2"):
        return value == "2"
    raise InputError(f"line {number}.phenotype", value, "1 (unaffected), 2 (affected) or 0/-9 (missing)")


def pedigree_to_ped(pedigree: Pedigree, family: str = "FAM1") -> str:
    """The pedigree as PED lines with a seventh genotype column (``0`` when not genotyped)."""
    sex_code = {Sex.MALE: "1", Sex.FEMALE: "2", Sex.UNKNOWN: "0"}
    lines = []
    for m in pedigree.members:
        affected = "0" if m.affected is None else ("2" if m.affected else "1")
        genotype = m.genotype.canonical if m.genotype else "0"
        lines.append("\t".join((family, m.id, m.father or "0", m.mother or "0", sex_code[m.sex], affected,
                                genotype)))
    return "\n".join(lines) + "\n"


# --- GA4GH Phenopackets Family ----------------------------------------------------------------------------------


LOINC_AAT = "LOINC:1825-9"
"""Alpha 1 antitrypsin [Mass/volume] in Serum or Plasma: the member's serum level (row ``aat_level`` of
``fhir_codes.csv``, where the code is cited)."""
LEGACY_LOINC_AAT = "LOINC:6768-6"
"""Alkaline phosphatase, which aatd's export wrongly wrote for the AAT level before 2026-11 (row
``alkaline_phosphatase`` of ``fhir_codes.csv``). Read as the AAT level only in a Family that aatd itself
created (``metaData.createdBy`` = ``aatd``) and only in an AAT unit, with a logged warning; in any other
file it is an alkaline phosphatase result and is ignored."""
LOINC_CRP = "LOINC:1988-5"
"""C reactive protein [Mass/volume] in Serum or Plasma: read as the CRP taken with the level (mg/L)."""
GENO_HETEROZYGOUS = "GENO:0000135"
GENO_HOMOZYGOUS = "GENO:0000136"
OTHER_ALLELE_EXTENSION = "other_allele"
"""aatd's variationDescriptor extension: the test covered the other allele and found this one (e.g. ``M``)."""
COVERAGE_EXTENSION = "serpina1_coverage"
"""aatd's variationDescriptor extension: ``full_gene`` means a single heterozygous variant's other allele is M."""
SERPINA1 = {"symbol": "SERPINA1", "valueId": "HGNC:8941"}
TRANSCRIPT, PROTEIN = "NM_000295.5", "NP_000286.3"
_ZYGOSITY = {GENO_HETEROZYGOUS: "heterozygous", GENO_HOMOZYGOUS: "homozygous", "heterozygous": "heterozygous",
             "homozygous": "homozygous"}
_AA3 = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G", "His": "H",
        "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W",
        "Tyr": "Y", "Val": "V", "Ter": "*"}
_HGVS_C = re.compile(r"c\.[0-9_+\-*]+[A-Za-z>_0-9]*", re.IGNORECASE)
_HGVS_P = re.compile(r"p\.\(?([A-Za-z*]{1,3}\d+[A-Za-z*]{0,3}(?:fs\*?\d*|del)?)\)?", re.IGNORECASE)
_RSID = re.compile(r"\brs\d+\b", re.IGNORECASE)
_LEGACY = re.compile(r"(?<!p\.)(?<!p\.\()\b[A-Z][a-z]{2}\d+[A-Z][a-z]{2}\b")


@dataclass(frozen=True, slots=True)
class _Variant:
    """One SERPINA1 variant of a phenopacket: allele, zygosity, and the other allele when the test covered it."""

    allele: str
    zygosity: str
    other: str | None


def pedigree_from_phenopackets(doc: Mapping[str, Any]) -> Pedigree:
    """Read a GA4GH Phenopackets v2 ``Family``: ``pedigree.persons``, proband, vital status and evidence.

    Evidence comes from each member's phenopacket (the proband's and the relatives'):
    SERPINA1 variants in ``interpretations[].diagnosis.genomicInterpretations[]
    .variantInterpretation.variationDescriptor`` (HGVS c./p., rsID or legacy name in the
    expressions, xrefs or label; zygosity in ``allelicState``) and the serum level in
    ``measurements`` (LOINC 1825-9, CRP LOINC 1988-5; see :data:`LEGACY_LOINC_AAT` for files
    written by older aatd). See ``docs/pedigree.md`` for how variants become genotypes.
    """
    persons = doc.get("pedigree", {}).get("persons") if isinstance(doc.get("pedigree"), Mapping) else None
    if not isinstance(persons, list) or not persons:
        raise InputError("pedigree.persons", persons, "a non-empty list of GA4GH Pedigree persons")
    packets = _packets_by_subject(doc)
    legacy = _written_by_old_aatd(doc)
    proband = doc.get("proband", {})
    proband_id = proband.get("subject", {}).get("id") if isinstance(proband, Mapping) else None
    members = []
    for i, person in enumerate(persons):
        where = f"pedigree.persons[{i}]"
        if not isinstance(person, Mapping):
            raise InputError(where, person, "a GA4GH Pedigree person object")
        member_id = _text(person.get("individualId"), f"{where}.individualId", optional=False)
        assert member_id is not None
        packet_where, packet = packets.get(member_id, ("", {}))
        genotype, phenotype = _packet_genotype(packet, packet_where, member_id)
        members.append(Member(
            id=member_id, sex=parse_sex(person.get("sex", "UNKNOWN_SEX"), f"{where}.sex"),
            father=_ga4gh_parent(person.get("paternalId")), mother=_ga4gh_parent(person.get("maternalId")),
            proband=member_id == proband_id, deceased=_deceased(packet),
            affected={"AFFECTED": True, "UNAFFECTED": False}.get(str(person.get("affectedStatus"))),
            genotype=genotype, phenotype=phenotype, level=_packet_level(packet, packet_where, member_id, legacy=legacy),
        ))
    return build_pedigree(members)


def _packets_by_subject(doc: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Each phenopacket of the family (proband and relatives) by subject id, with its place in the document."""
    relatives = doc.get("relatives") or []
    if not isinstance(relatives, list):
        raise InputError("relatives", relatives, "a list of phenopackets")
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for where, packet in [("proband", doc.get("proband")), *((f"relatives[{k}]", p) for k, p in
                                                               enumerate(relatives))]:
        if packet is None:
            continue
        subject = packet.get("subject") if isinstance(packet, Mapping) else None
        if not isinstance(subject, Mapping) or subject.get("id") is None:
            raise InputError(f"{where}.subject.id", packet, "a phenopacket whose subject has an id")
        member_id = str(subject["id"])
        out[member_id] = (f"{where} (member {member_id})", packet)
    return out


def _deceased(packet: Mapping[str, Any]) -> bool:
    subject = packet.get("subject", {})
    return isinstance(subject, Mapping) and subject.get("vitalStatus", {}).get("status") == "DECEASED"


def _packet_genotype(packet: Mapping[str, Any], where: str, member_id: str) -> tuple[Genotype | None,
                                                                                     Phenotype | None]:
    """The genotype, or the carrier evidence, that a member's SERPINA1 variants amount to.

    A homozygous variant gives XX; two heterozygous variants X and Y give X/Y (taken to
    be in trans); one heterozygous variant gives X and the other allele when the test
    covered it (``other_allele`` or ``serpina1_coverage: full_gene`` extension), else
    only "carries at least one X" (:class:`CarrierEvidence`).
    """
    variants = list(dict.fromkeys(_packet_variants(packet, where, member_id)))
    if not variants:
        return None, None
    homozygous = [v for v in variants if v.zygosity == "homozygous"]
    if len(variants) > 2 or (homozygous and len(variants) > 1):
        found = ", ".join(f"{v.allele} ({v.zygosity})" for v in variants)
        raise InputError(f"{where}.interpretations", found, "at most two SERPINA1 alleles (one homozygous "
                         "variant, or one or two heterozygous ones)", hint=f"member {member_id}")
    if homozygous:
        return Genotype.of(homozygous[0].allele, homozygous[0].allele), None
    if len(variants) == 2:
        return Genotype.of(variants[0].allele, variants[1].allele), None
    only = variants[0]
    if only.other is not None:
        return Genotype.of(only.allele, only.other), None
    return None, CarrierEvidence.of(only.allele, f"{where}.interpretations (heterozygous, other allele not covered)")


def _packet_variants(packet: Mapping[str, Any], where: str, member_id: str) -> list[_Variant]:
    """Every SERPINA1 variant named in a phenopacket's interpretations."""
    out = []
    for k, interpretation in enumerate(_list(packet.get("interpretations"), f"{where}.interpretations")):
        diagnosis = interpretation.get("diagnosis") if isinstance(interpretation, Mapping) else None
        if not isinstance(diagnosis, Mapping):
            continue
        found = _list(diagnosis.get("genomicInterpretations"),
                      f"{where}.interpretations[{k}].diagnosis.genomicInterpretations")
        for j, gi in enumerate(found):
            vi = gi.get("variantInterpretation") if isinstance(gi, Mapping) else None
            descriptor = vi.get("variationDescriptor") if isinstance(vi, Mapping) else None
            here = (f"{where}.interpretations[{k}].diagnosis.genomicInterpretations[{j}]"
                    ".variantInterpretation.variationDescriptor")
            if isinstance(descriptor, Mapping) and _about_serpina1(descriptor):
                out.append(_variant(descriptor, here, member_id))
    return out


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(where, value, "a list")
    return value


def _about_serpina1(descriptor: Mapping[str, Any]) -> bool:
    """True unless the descriptor's gene context names another gene."""
    gene = descriptor.get("geneContext")
    if not isinstance(gene, Mapping):
        return True
    return str(gene.get("symbol", "SERPINA1")).upper() == "SERPINA1" or gene.get("valueId") == SERPINA1["valueId"]


def _variant(descriptor: Mapping[str, Any], where: str, member_id: str) -> _Variant:
    texts = _descriptor_texts(descriptor)
    allele = next((a for a in map(allele_from_variant_text, texts) if a is not None), None)
    if allele is None:
        raise InputError(where, " | ".join(texts) or descriptor, "a SERPINA1 allele of the catalogue named by "
                         f"HGVS ({TRANSCRIPT}:c.1096G>A, p.Glu366Lys), rsID (rs28929474) or legacy name (PI*Z)",
                         hint=f"member {member_id}: variant not recognised")
    state = descriptor.get("allelicState")
    key = state.get("id") or str(state.get("label", "")).lower() if isinstance(state, Mapping) else None
    if key not in _ZYGOSITY:
        raise InputError(f"{where}.allelicState", state, f"heterozygous ({GENO_HETEROZYGOUS}) or homozygous "
                         f"({GENO_HOMOZYGOUS})", hint=f"member {member_id}")
    return _Variant(allele, _ZYGOSITY[str(key)], _other_allele(descriptor, where, member_id))


def _descriptor_texts(descriptor: Mapping[str, Any]) -> list[str]:
    """Expressions first, then xrefs, alternate labels and the label: where an allele may be named."""
    texts = [e.get("value") for e in descriptor.get("expressions") or [] if isinstance(e, Mapping)]
    texts += [*(descriptor.get("xrefs") or []), *(descriptor.get("alternateLabels") or []), descriptor.get("label")]
    return [t for t in texts if isinstance(t, str) and t.strip()]


def _other_allele(descriptor: Mapping[str, Any], where: str, member_id: str) -> str | None:
    """The other allele when an aatd extension says the test covered it (``None`` otherwise)."""
    for k, ext in enumerate(descriptor.get("extensions") or []):
        if not isinstance(ext, Mapping):
            continue
        value = ext.get("value")
        if ext.get("name") == OTHER_ALLELE_EXTENSION:
            return get_allele(str(value), f"{where}.extensions[{k}].value").allele
        if ext.get("name") == COVERAGE_EXTENSION and str(value).lower() == "full_gene":
            return "M"
    return None


@cache
def _variant_index() -> Mapping[str, str]:
    """HGVS c./p. (3- and 1-letter), rsID and legacy protein change of each catalogued allele, folded."""
    index: dict[str, str] = {}
    for a in allele_catalogue():
        if "reference" in a.hgvs_c or "reference" in a.hgvs_p:
            continue
        keys = [a.hgvs_c, a.hgvs_p, a.hgvs_p.removeprefix("p."), _one_letter(a.hgvs_p), a.rsid, a.legacy_protein]
        for key in keys:
            if key:
                index.setdefault(key.lower(), a.allele)
    return index


def _one_letter(hgvs_p: str) -> str:
    """``p.Glu366Lys`` -> ``p.E366K``."""
    return re.sub("|".join(_AA3), lambda m: _AA3[m.group(0)], hgvs_p) if hgvs_p.startswith("p.") else ""


def allele_from_variant_text(text: str) -> str | None:
    """The catalogued allele named by a variant text: HGVS c./p., rsID, legacy change or allele name.

    ``NM_000295.5:c.1096G>A``, ``p.(Glu366Lys)``, ``p.E366K``, ``rs28929474``,
    ``Glu342Lys``, ``PI*Z`` and ``SERPINA1 Z`` all give ``Z``; ``None`` if nothing matches.
    """
    index = _variant_index()
    for pattern, prefix in ((_HGVS_C, ""), (_HGVS_P, "p."), (_RSID, ""), (_LEGACY, "")):
        for match in pattern.finditer(text):
            token = prefix + (match.group(1) if pattern is _HGVS_P else match.group(0))
            if token.lower() in index:
                return index[token.lower()]
    record = find_allele(re.sub(r"^\s*(?:serpina1\s*)?(?:pi\s*\*?)?\s*", "", text, flags=re.IGNORECASE))
    return record.allele if record is not None else None


def _written_by_old_aatd(doc: Mapping[str, Any]) -> bool:
    """True when the Family says aatd created it (then LOINC 6768-6 may be aatd's old, wrong AAT code)."""
    meta = doc.get("metaData")
    return isinstance(meta, Mapping) and meta.get("createdBy") == "aatd"


def _legacy_level(measurement: Mapping[str, Any], here: str, member_id: str) -> Level | None:
    """An AAT level that older aatd wrote under LOINC 6768-6, or None when the unit is not an AAT unit."""
    value, unit = _quantity(measurement, here, member_id)
    try:
        level = Level.parse(value, unit, field=here)
    except InputError:
        return None  # e.g. U/L: a real alkaline phosphatase result
    log.warning("%s: LOINC 6768-6 (alkaline phosphatase) read as the serum AAT level of member %s because aatd "
                "wrote it before 2026-11; re-export the family to write LOINC 1825-9", here, member_id)
    return level


def _packet_level(packet: Mapping[str, Any], where: str, member_id: str, *, legacy: bool = False
                  ) -> LevelEvidence | None:
    """The first serum AAT measurement (LOINC 1825-9) of a phenopacket, with the first CRP (LOINC 1988-5).

    With ``legacy`` (a Family aatd wrote), LOINC 6768-6 in an AAT unit is read too (see :data:`LEGACY_LOINC_AAT`).
    """
    level: Level | None = None
    crp: float | None = None
    for k, measurement in enumerate(_list(packet.get("measurements"), f"{where}.measurements")):
        assay = measurement.get("assay", {}) if isinstance(measurement, Mapping) else {}
        code = assay.get("id") if isinstance(assay, Mapping) else None
        here = f"{where}.measurements[{k}]"
        if code == LOINC_AAT and level is None:
            value, unit = _quantity(measurement, here, member_id)
            level = Level.parse(value, unit, field=here)
        elif code == LEGACY_LOINC_AAT and legacy and level is None:
            level = _legacy_level(measurement, here, member_id)
        elif code == LOINC_CRP and crp is None:
            value, unit = _quantity(measurement, here, member_id)
            crp = _crp_mg_l(value, unit, here, member_id)
    if level is None:
        return None
    return LevelEvidence(level, crp)


def _quantity(measurement: Mapping[str, Any], where: str, member_id: str) -> tuple[float, str]:
    quantity = measurement.get("value", {}).get("quantity") if isinstance(measurement.get("value"), Mapping) else None
    if not isinstance(quantity, Mapping) or isinstance(quantity.get("value"), bool) or not isinstance(
            quantity.get("value"), int | float):
        raise InputError(f"{where}.value.quantity", measurement.get("value"), "a quantity with a numeric value "
                         "and a unit", hint=f"member {member_id}")
    unit = quantity.get("unit", {})
    text = unit.get("label") or str(unit.get("id", "")).removeprefix("UCUM:") if isinstance(unit, Mapping) else ""
    return float(quantity["value"]), str(text or "mg/dL")


def _crp_mg_l(value: float, unit: str, where: str, member_id: str) -> float:
    """A phenopacket's CRP in mg/L, converted by the core (:class:`~aatd.genetics.units.Crp`)."""
    try:
        crp_unit = parse_crp_unit(unit, f"{where}.value.quantity.unit")
    except InputError:
        raise InputError(f"{where}.value.quantity.unit", unit, "mg/L or mg/dL",
                         hint=f"member {member_id}: CRP") from None
    return Crp.of(value, crp_unit).mg_l


# --- writing Phenopackets --------------------------------------------------------------------------------------


_GA4GH_SEX = {Sex.MALE: "MALE", Sex.FEMALE: "FEMALE", Sex.UNKNOWN: "UNKNOWN_SEX"}


def pedigree_to_phenopackets(pedigree: Pedigree, family_id: str = "family", *,
                             created: str = "1970-01-01T00:00:00Z") -> dict[str, Any]:
    """The pedigree as a GA4GH Phenopackets v2 ``Family``: structure, vital status, genotypes and levels.

    The proband (the member marked so, else the first member) gets the ``proband``
    phenopacket and everyone else a relative's. Each genotype is written as one
    homozygous, or two heterozygous, SERPINA1 variation descriptors (``PI*M`` included,
    so that an MZ result states its M allele); carrier evidence as one heterozygous
    descriptor; serum levels and CRP as LOINC measurements. IEF phenotypes are not
    written (Phenopackets has no place for gel bands). ``pedigree_from_phenopackets``
    reads the result back to the same members.
    """
    meta = {"created": created, "createdBy": "aatd", "phenopacketSchemaVersion": "2.0", "resources": [
        {"id": "loinc", "name": "Logical Observation Identifiers Names and Codes", "namespacePrefix": "LOINC",
         "url": "https://loinc.org", "version": "", "iriPrefix": "https://loinc.org/"},
        {"id": "geno", "name": "Genotype Ontology", "namespacePrefix": "GENO",
         "url": "http://purl.obolibrary.org/obo/geno.owl", "version": "", "iriPrefix":
         "http://purl.obolibrary.org/obo/GENO_"}]}
    proband = next((m for m in pedigree.members if m.proband), pedigree.members[0])
    persons = [{"familyId": family_id, "individualId": m.id, "paternalId": m.father or "0",
                "maternalId": m.mother or "0", "sex": _GA4GH_SEX[m.sex],
                "affectedStatus": {None: "MISSING", True: "AFFECTED", False: "UNAFFECTED"}[m.affected]}
               for m in pedigree.members]
    return {"id": family_id, "proband": _packet(proband, family_id, meta),
            "relatives": [_packet(m, family_id, meta) for m in pedigree.members if m is not proband],
            "pedigree": {"persons": persons}, "metaData": meta}


def _packet(m: Member, family_id: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": m.id, "sex": _GA4GH_SEX[m.sex]}
    if m.deceased:
        subject["vitalStatus"] = {"status": "DECEASED"}
    packet: dict[str, Any] = {"id": f"{family_id}-{m.id}", "subject": subject}
    descriptors = _descriptors(m)
    if descriptors:
        packet["interpretations"] = [{
            "id": f"{m.id}-serpina1", "progressStatus": "COMPLETED",
            "diagnosis": {"disease": {"id": "OMIM:613490", "label": "Alpha-1-antitrypsin deficiency"},
                          "genomicInterpretations": [
                              {"subjectOrBiosampleId": m.id, "interpretationStatus": "UNKNOWN_STATUS",
                               "variantInterpretation": {"variationDescriptor": d}} for d in descriptors]}}]
    if m.level is not None:
        packet["measurements"] = _measurements(m.level)
    packet["metaData"] = meta
    return packet


def _descriptors(m: Member) -> list[dict[str, Any]]:
    if m.genotype is not None and m.genotype.is_homozygous:
        return [_descriptor(m, m.genotype.first, GENO_HOMOZYGOUS)]
    if m.genotype is not None:
        return [_descriptor(m, allele, GENO_HETEROZYGOUS) for allele in (m.genotype.first, m.genotype.second)]
    if isinstance(m.phenotype, CarrierEvidence):
        return [_descriptor(m, m.phenotype.allele, GENO_HETEROZYGOUS)]
    return []


def _descriptor(m: Member, allele: str, zygosity: str) -> dict[str, Any]:
    record = get_allele(allele)
    out: dict[str, Any] = {"id": f"{m.id}-{allele}-{zygosity[-1]}", "label": f"PI*{allele}",
                           "geneContext": dict(SERPINA1), "moleculeContext": "genomic",
                           "allelicState": {"id": zygosity, "label": _ZYGOSITY[zygosity]}}
    exact = record.hgvs_c and "reference" not in record.hgvs_c
    expressions = [{"syntax": "hgvs.c", "value": f"{TRANSCRIPT}:{record.hgvs_c}"}] if exact else []
    if record.hgvs_p and "reference" not in record.hgvs_p:
        expressions.append({"syntax": "hgvs.p", "value": f"{PROTEIN}:{record.hgvs_p}"})
    if expressions:
        out["expressions"] = expressions
    if record.rsid and exact:
        out["xrefs"] = [f"dbSNP:{record.rsid}"]
    return out


def _measurements(level: LevelEvidence) -> list[dict[str, Any]]:
    lv = level.level
    out = [{"assay": {"id": LOINC_AAT, "label": "Alpha 1 antitrypsin [Mass/volume] in Serum or Plasma"},
            "value": {"quantity": {"unit": {"id": f"UCUM:{lv.unit.value}", "label": lv.unit.value},
                                   "value": lv.value}}}]
    if level.crp_mg_l is not None:
        out.append({"assay": {"id": LOINC_CRP, "label": "C reactive protein [Mass/volume] in Serum or Plasma"},
                    "value": {"quantity": {"unit": {"id": "UCUM:mg/L", "label": "mg/L"}, "value": level.crp_mg_l}}})
    return out


def _ga4gh_parent(value: object) -> str | None:
    if value is None or str(value).strip() in _PED_MISSING:
        return None
    return str(value).strip()


def read_pedigree_text(text: str) -> tuple[Pedigree, dict[str, Any]]:
    """Read any supported format from text; return the pedigree and the JSON document (``{}`` for PED)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        doc = load_json(text, "pedigree")
        if isinstance(doc, dict) and "members" not in doc and isinstance(doc.get("pedigree"), Mapping):
            return pedigree_from_phenopackets(doc), doc
        return pedigree_from_json(doc), doc
    return pedigree_from_ped(text), {}
