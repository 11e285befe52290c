"""A family: who is related to whom, and what was measured in each member.

A :class:`Pedigree` holds members (id, sex, parents, age, deceased, proband, monozygotic
twin) and their evidence: a genotype, an IEF phenotype (a set of compatible genotypes)
and/or a serum level (used as a *soft* likelihood through the level model). A member
with none of these is "not tested". Parsing validates the structure and names the
offending field: duplicate ids, unknown parents, a father recorded as female or a
mother as male, a member who is their own ancestor, inconsistent twins. Evidence that
contradicts Mendelian inheritance is found by the inference engine
(:mod:`aatd.pedigree_inference`), which needs the genotype model.

Formats read: the aatd JSON document (``pedigree_from_json``), PED/FAM six columns with
an optional seventh genotype column (``pedigree_from_ped``), and the GA4GH Phenopackets
``Family`` message (structure, sex, vital status and proband; ``pedigree_from_phenopackets``).
Formats written: aatd JSON (``pedigree_to_json``) and PED (``pedigree_to_ped``).
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from aatd.errors import InputError, PedigreeError
from aatd.genotypes import Genotype, Phenotype, parse_genotype, parse_phenotype
from aatd.levels import is_inflamed
from aatd.units import Level

_MEMBER_KEYS = frozenset({"id", "sex", "father", "mother", "age", "deceased", "proband", "mz_twin", "genotype",
                          "phenotype", "level", "affected", "name"})
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

    @property
    def is_founder(self) -> bool:
        """True when neither parent is in the pedigree."""
        return self.father is None and self.mother is None

    @property
    def genotyped(self) -> bool:
        """True when the member has a genotype or an IEF phenotype result."""
        return self.genotype is not None or self.phenotype is not None

    @property
    def has_evidence(self) -> bool:
        """True when anything was measured (genotype, phenotype or level)."""
        return self.genotyped or self.level is not None


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
            twin = m.mz_twin if m.mz_twin in wanted else None
            if m.id in with_evidence:
                members.append(replace(m, mz_twin=twin))
            else:
                members.append(replace(m, mz_twin=twin, genotype=None, phenotype=None, level=None))
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


def _check_twin(i: int, m: Member, by_id: Mapping[str, Member]) -> None:
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


def pedigree_from_json(doc: Mapping[str, Any]) -> Pedigree:
    """Read the ``members`` list of an aatd pedigree document (see ``docs/pedigree.md``)."""
    if not isinstance(doc, Mapping):
        raise InputError("pedigree", type(doc).__name__, "a JSON object with a 'members' list")
    raw = doc.get("members")
    if not isinstance(raw, list) or not raw:
        raise InputError("members", raw, "a non-empty list of members")
    return build_pedigree([_member_from_json(i, m) for i, m in enumerate(raw)])


def _text(value: object, where: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise InputError(where, value, "a non-empty id (text)")
    return str(value).strip()


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
        genotype=None if raw.get("genotype") is None else parse_genotype(raw["genotype"], f"{where}.genotype"),
        phenotype=None if raw.get("phenotype") is None else parse_phenotype(raw["phenotype"], f"{where}.phenotype"),
        level=_level(raw.get("level"), f"{where}.level"),
        affected=None if raw.get("affected") is None else _flag(raw["affected"], f"{where}.affected"),
    )


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
        "father": m.father, "mother": m.mother, "age": m.age, "mz_twin": m.mz_twin,
        "genotype": m.genotype.canonical if m.genotype else None,
        "phenotype": m.phenotype.canonical if m.phenotype else None, "affected": m.affected,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
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


def pedigree_from_phenopackets(doc: Mapping[str, Any]) -> Pedigree:
    """Read a GA4GH Phenopackets v2 ``Family``: ``pedigree.persons`` plus proband and vital status.

    Genotypes are not read from phenopacket interpretations (their VRS variant
    descriptions do not map one-to-one onto PI alleles); add them in aatd JSON instead.
    """
    persons = doc.get("pedigree", {}).get("persons") if isinstance(doc.get("pedigree"), Mapping) else None
    if not isinstance(persons, list) or not persons:
        raise InputError("pedigree.persons", persons, "a non-empty list of GA4GH Pedigree persons")
    proband = doc.get("proband", {})
    proband_id = proband.get("subject", {}).get("id") if isinstance(proband, Mapping) else None
    deceased = set()
    for packet in [proband, *doc.get("relatives", [])]:
        subject = packet.get("subject", {}) if isinstance(packet, Mapping) else {}
        if subject.get("vitalStatus", {}).get("status") == "DECEASED":
            deceased.add(subject.get("id"))
    members = []
    for i, person in enumerate(persons):
        where = f"pedigree.persons[{i}]"
        if not isinstance(person, Mapping):
            raise InputError(where, person, "a GA4GH Pedigree person object")
        member_id = _text(person.get("individualId"), f"{where}.individualId", optional=False)
        assert member_id is not None
        members.append(Member(
            id=member_id, sex=parse_sex(person.get("sex", "UNKNOWN_SEX"), f"{where}.sex"),
            father=_ga4gh_parent(person.get("paternalId")), mother=_ga4gh_parent(person.get("maternalId")),
            proband=member_id == proband_id, deceased=member_id in deceased,
            affected={"AFFECTED": True, "UNAFFECTED": False}.get(str(person.get("affectedStatus"))),
        ))
    return build_pedigree(members)


def _ga4gh_parent(value: object) -> str | None:
    if value is None or str(value).strip() in _PED_MISSING:
        return None
    return str(value).strip()


def read_pedigree_text(text: str) -> tuple[Pedigree, dict[str, Any]]:
    """Read any supported format from text; return the pedigree and the JSON document (``{}`` for PED)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError("pedigree", f"line {exc.lineno}", "valid JSON", hint=exc.msg) from None
        if isinstance(doc, dict) and "members" not in doc and isinstance(doc.get("pedigree"), Mapping):
            return pedigree_from_phenopackets(doc), doc
        return pedigree_from_json(doc), doc
    return pedigree_from_ped(text), {}
