"""The pedigree editor's changes: grow a family from one member, link, correct, delete and undo.

Every change goes through :class:`~aatd.web.workspace.repository.Workspace` (organisation
scoping, the audit log and the engine's pedigree checks: an impossible family is refused with
an :class:`~aatd.errors.InputError` naming the field) and is journalled in ``family_edits``
with the family as it was before, so :func:`undo_last` can put it back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select

from aatd.errors import AatdError, InputError, NotFound
from aatd.family.pedigree import Member, build_pedigree, parse_sex
from aatd.family.relationships import relationship
from aatd.web.models import FamilyEdit, Patient, utcnow
from aatd.web.workspace.repository import Workspace

RELATIONS = ("parent", "partner", "sibling", "child")
"""Relations of the simple "Add a relative" form (kept for the API and older pages)."""
EDITOR_ADDS = {
    "parents": "Add parents", "partner": "Add partner", "son": "Add son", "daughter": "Add daughter",
    "child": "Add child (sex unknown)", "brother": "Add brother", "sister": "Add sister",
    "mz_twin": "Add identical (MZ) twin", "dz_twin": "Add fraternal (DZ) twin",
}
"""The editor's one-click additions, with their button text."""
JOURNAL_FIELDS = ("label", "sex", "birth_year", "father_id", "mother_id", "partner_id", "mz_twin_id", "dz_twin_id",
                  "adopted", "proband", "deceased")
UNDO_DEPTH = 50
"""How many of the last editor changes of a family can be undone, one after another."""

T = TypeVar("T")


def _new(ws: Workspace, member: Patient, label: str, sex: str, **links: Any) -> Patient:
    return ws.create_patient({"label": label, "sex": sex, "family_id": member.family_id, **links})


def _couple(ws: Workspace, a: Patient, b: Patient) -> None:
    ws.update_patient(a.id, {"partner_id": b.id})
    ws.update_patient(b.id, {"partner_id": a.id})


def _link(ws: Workspace, member: Patient, slot: str) -> int | None:
    """The relative a link (``father_id``, ``partner_id``...) names, or None when there is none or they were
    deleted: a soft delete keeps the link for a restore, but a deleted parent is no parent to the editor (as
    for the engine, which reads only members who are not deleted)."""
    linked: int | None = getattr(member, slot)
    if linked is None:
        return None
    present = ws.db.scalar(select(Patient.id).where(Patient.id == linked, Patient.organisation_id == ws.org,
                                                    Patient.deleted_at.is_(None)))
    return linked if present is not None else None


def _add_parent(ws: Workspace, member: Patient, label: str, sex: str) -> Patient:
    if sex not in ("male", "female"):
        raise InputError("sex", sex, "male (father) or female (mother) for a parent")
    slot = "father_id" if sex == "male" else "mother_id"
    if _link(ws, member, slot) is not None:
        raise InputError("relation", "parent", f"a member without a {slot.removesuffix('_id')} yet")
    other_id = _link(ws, member, "mother_id" if sex == "male" else "father_id")
    parent = _new(ws, member, label, sex)
    ws.update_patient(member.id, {slot: parent.id})
    if other_id is not None:
        _couple(ws, parent, ws.patient(other_id, audit_read=False))
    return parent


def _ensure_parents(ws: Workspace, member: Patient) -> None:
    if _link(ws, member, "father_id") is None:
        _add_parent(ws, member, f"Father of {member.label}"[:200], "male")
    if _link(ws, member, "mother_id") is None:
        _add_parent(ws, member, f"Mother of {member.label}"[:200], "female")


def _add_child(ws: Workspace, member: Patient, label: str, sex: str) -> Patient:
    links: dict[str, Any] = {}
    partner_id = _link(ws, member, "partner_id")
    partner = ws.patient(partner_id, audit_read=False) if partner_id else None
    for person in (member, partner):
        if person is None:
            continue
        if person.sex == "male":
            links["father_id"] = person.id
        elif person.sex == "female":
            links["mother_id"] = person.id
    if not links:
        raise InputError("relation", "child", "a parent whose sex is recorded (male or female)")
    return _new(ws, member, label, sex, **links)


def add_relative(ws: Workspace, member_id: int, relation: str, label: str, sex: str) -> Patient:
    """Create a relative of a member and link them (one transaction)."""
    member = ws.patient(member_id, audit_read=False)
    if relation == "parent":
        return _add_parent(ws, member, label, sex)
    if relation == "partner":
        if _link(ws, member, "partner_id") is not None:
            raise InputError("relation", "partner", "a member without a recorded partner")
        partner = _new(ws, member, label, sex)
        _couple(ws, member, partner)
        return partner
    if relation == "sibling":
        _ensure_parents(ws, member)
        return _new(ws, member, label, sex, father_id=member.father_id, mother_id=member.mother_id)
    if relation == "child":
        return _add_child(ws, member, label, sex)
    raise InputError("relation", relation, "one of " + ", ".join(RELATIONS))


# --- the editor's one-click additions ------------------------------------------------------------------------------


def _opposite(sex: str) -> str:
    return {"male": "female", "female": "male"}.get(sex, "unknown")


_KIN_WORDS = {"parent": ("father", "mother"), "grandparent": ("grandfather", "grandmother"),
              "child": ("son", "daughter"), "grandchild": ("grandson", "granddaughter"),
              "sibling": ("brother", "sister"), "half-sibling": ("half-brother", "half-sister"),
              "aunt/uncle": ("uncle", "aunt"), "niece/nephew": ("nephew", "niece"),
              "great-aunt/uncle": ("great-uncle", "great-aunt"), "grand-niece/nephew": ("grand-nephew", "grand-niece"),
              "monozygotic twin": ("twin", "twin")}


def _kin_word(label: str, sex: str) -> str:
    """``aunt/uncle`` for a woman -> ``aunt``; great-grandparents and cousins keep their neutral words."""
    for neutral, (male, female) in _KIN_WORDS.items():
        if label.endswith(neutral):
            word = male if sex == "male" else female if sex == "female" else neutral
            return label.removesuffix(neutral) + word
    return label


def name_by_kinship(ws: Workspace, family_id: int, new: Sequence[Patient], relative: Patient) -> None:
    """Name members the editor created after their relation to the proband ("Uncle of Ann").

    Members unrelated to the proband (partners who married in) are named after the member
    they were added to ("Partner of Uncle of Ann"). Names stay editable.
    """
    family = ws.family(family_id, audit_read=False)
    rows = ws.members(family)
    proband = next((p for p in rows if p.proband), None)
    alive = {p.id for p in rows}
    try:
        ped = build_pedigree([Member(id=str(p.id), sex=parse_sex(p.sex),
                                     father=str(p.father_id) if p.father_id in alive else None,
                                     mother=str(p.mother_id) if p.mother_id in alive else None,
                                     mz_twin=str(p.mz_twin_id) if p.mz_twin_id in alive else None) for p in rows])
    except AatdError:
        return
    for person in new:
        if proband is None or person.id == proband.id:
            continue
        kin = relationship(ped, str(proband.id), str(person.id))
        if kin.label in ("unrelated", "partner", "other relative"):
            word = "partner" if person.partner_id == relative.id or relative.partner_id == person.id else "relative"
            person.label = f"{word.capitalize()} of {relative.label}"[:200]
        else:
            person.label = f"{_kin_word(kin.label, person.sex).capitalize()} of {proband.label}"[:200]


def editor_add(ws: Workspace, member_id: int, what: str, label: str | None = None) -> Patient:
    """One click of the editor (see :func:`_editor_add`); new members without a given name are named by kinship."""
    member = ws.patient(member_id, audit_read=False)
    before = {p.id for p in ws.members(ws.family(member.family_id, audit_read=False))}
    selected = _editor_add(ws, member, what, label)
    ws.db.flush()
    created = [p for p in ws.members(ws.family(member.family_id, audit_read=False)) if p.id not in before]
    named = [p for p in created if not (label or "").strip() or p.id != selected.id]
    name_by_kinship(ws, member.family_id, named, member)
    return selected


def _editor_add(ws: Workspace, member: Patient, what: str, label: str | None) -> Patient:
    """One click of the editor: add parents, a partner, a child, a sibling or a twin of a member.

    Names default to the relation (``Mother of Ann``) and can be changed afterwards. Parents
    are created when a sibling or twin needs them. Returns the member to select next: the new
    person (the father, for "parents").
    """
    default = {"parents": "Parents", "partner": "Partner", "son": "Son", "daughter": "Daughter", "child": "Child",
               "brother": "Brother", "sister": "Sister", "mz_twin": "Twin", "dz_twin": "Twin"}.get(what)
    if default is None:
        raise InputError("action", what, "one of " + ", ".join(EDITOR_ADDS))
    name = (label or "").strip() or f"{default} of {member.label}"[:200]
    if what == "parents":
        if _link(ws, member, "father_id") is not None and _link(ws, member, "mother_id") is not None:
            raise InputError("action", what, "a member with at most one recorded parent")
        _ensure_parents(ws, member)
        return ws.patient(member.father_id or member.mother_id or member.id, audit_read=False)
    if what == "partner":
        partner = _new(ws, member, name, _opposite(member.sex))
        _couple(ws, member, partner)
        return partner
    if what in ("son", "daughter", "child"):
        return _add_child(ws, member, name, {"son": "male", "daughter": "female"}.get(what, "unknown"))
    _ensure_parents(ws, member)
    if what in ("brother", "sister"):
        return _new(ws, member, name, "male" if what == "brother" else "female",
                    father_id=member.father_id, mother_id=member.mother_id)
    field = "mz_twin_id" if what == "mz_twin" else "dz_twin_id"
    if getattr(member, field) is not None:
        raise InputError("action", what, "a member without a recorded twin of this kind")
    twin = _new(ws, member, name, member.sex if what == "mz_twin" else "unknown",
                father_id=member.father_id, mother_id=member.mother_id, **{field: member.id})
    ws.update_patient(member.id, {field: twin.id})
    return twin


def link_partners(ws: Workspace, member_id: int, partner_id: int) -> Patient:
    """Record two existing members as partners (relatives become a consanguineous couple in the drawing)."""
    member = ws.patient(member_id, audit_read=False)
    other = ws.patient(partner_id, audit_read=False)
    if other.family_id != member.family_id or other.id == member.id:
        raise InputError("partner_id", partner_id, "another member of this family")
    for person in (member, other):
        if person.partner_id is not None and person.partner_id not in (member.id, other.id):
            previous = ws.db.get(Patient, person.partner_id)
            if previous is not None and previous.partner_id == person.id:
                previous.partner_id = None
    ws.update_patient(member.id, {"partner_id": other.id})
    ws.update_patient(other.id, {"partner_id": member.id})
    return member


def edit_member(ws: Workspace, member_id: int, data: dict[str, Any]) -> Patient:
    """Change a member's name, sex, birth year, deceased flag, adoption, parents or twin links."""
    allowed = {"label", "sex", "birth_year", "deceased", "adopted", "father_id", "mother_id", "proband"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(unknown[0], data[unknown[0]], "one of " + ", ".join(sorted(allowed)))
    year = data.get("birth_year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1850 <= year <= 2200):
        raise InputError("birth_year", year, "a year from 1850 to 2200, or empty")
    member = ws.update_patient(member_id, data)
    if data.get("proband"):
        for other in ws.members(ws.family(member.family_id, audit_read=False)):
            if other.id != member.id and other.proband:
                ws.update_patient(other.id, {"proband": False})
    return member


def orphaned_by(ws: Workspace, member_id: int) -> list[Patient]:
    """Members who would lose a recorded parent, partner or twin if ``member_id`` were deleted."""
    member = ws.patient(member_id, audit_read=False)
    family = ws.family(member.family_id, audit_read=False)
    links = ("father_id", "mother_id", "partner_id", "mz_twin_id", "dz_twin_id")
    return [m for m in ws.members(family) if m.id != member.id and any(getattr(m, k) == member.id for k in links)]


def delete_member(ws: Workspace, member_id: int) -> list[Patient]:
    """Soft-delete a member and unlink them from relatives (which undo restores); returns those unlinked."""
    unlinked = orphaned_by(ws, member_id)
    links = ("father_id", "mother_id", "partner_id", "mz_twin_id", "dz_twin_id")
    for relative in unlinked:
        for key in links:
            if getattr(relative, key) == member_id:
                setattr(relative, key, None)
    ws.delete_patient(member_id)
    return unlinked


# --- the journal and undo -----------------------------------------------------------------------------------------


def _snapshot(ws: Workspace, family_id: int) -> dict[str, Any]:
    rows = ws.db.scalars(select(Patient).where(Patient.organisation_id == ws.org,
                                               Patient.family_id == family_id)).all()
    return {str(p.id): {**{k: getattr(p, k) for k in JOURNAL_FIELDS}, "deleted": p.deleted_at is not None}
            for p in rows}


def journalled(ws: Workspace, family_id: int, summary: str, change: Callable[[], T]) -> T:
    """Run ``change`` on a family and journal it (with the family as it was before) for undo."""
    ws.family(family_id, audit_read=False)
    before = _snapshot(ws, family_id)
    out = change()
    ws.db.flush()
    ws.db.add(FamilyEdit(organisation_id=ws.org, family_id=family_id, user_id=ws.user.id, summary=summary[:300],
                         before=before))
    ws.db.flush()
    return out


def last_edits(ws: Workspace, family_id: int, limit: int = 5) -> Sequence[FamilyEdit]:
    """The family's most recent editor changes that can still be undone, newest first."""
    return ws.db.scalars(select(FamilyEdit).where(FamilyEdit.organisation_id == ws.org,
                                                  FamilyEdit.family_id == family_id,
                                                  FamilyEdit.undone_at.is_(None))
                         .order_by(FamilyEdit.id.desc()).limit(min(limit, UNDO_DEPTH))).all()


def undo_last(ws: Workspace, family_id: int) -> FamilyEdit:
    """Put the family back as it was before its last editor change; members that change created are removed."""
    ws.family(family_id, audit_read=False)
    found = last_edits(ws, family_id, 1)
    if not found:
        raise NotFound("family edit", family_id)
    edit = found[0]
    rows = ws.db.scalars(select(Patient).where(Patient.organisation_id == ws.org,
                                               Patient.family_id == family_id)).all()
    now = utcnow()
    for p in rows:
        state = edit.before.get(str(p.id))
        if state is None:
            if p.deleted_at is None:
                p.deleted_at = now
                ws.record("delete", "patient", p.id, undo=edit.id)
            continue
        changed = sorted(key for key in JOURNAL_FIELDS if getattr(p, key) != state[key])
        for key in changed:
            setattr(p, key, state[key])
        if changed:
            ws.record("update", "patient", p.id, fields=changed, undo=edit.id)
        if not state["deleted"] and p.deleted_at is not None:
            ws.record("restore", "patient", p.id, undo=edit.id)
            p.deleted_at = None
        elif state["deleted"] and p.deleted_at is None:
            p.deleted_at = now
            ws.record("delete", "patient", p.id, undo=edit.id)
    ws.db.flush()
    ws.check_family(family_id)
    edit.undone_at = now
    ws.record("undo", "family", family_id, edit=edit.id, summary=edit.summary)
    return edit
