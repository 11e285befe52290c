"""Growing a family from one member: add a parent, partner, sibling or child."""

from __future__ import annotations

from typing import Any

from aatd.errors import InputError
from aatd.web.models import Patient
from aatd.web.workspace.repository import Workspace

RELATIONS = ("parent", "partner", "sibling", "child")


def _new(ws: Workspace, member: Patient, label: str, sex: str, **links: Any) -> Patient:
    return ws.create_patient({"label": label, "sex": sex, "family_id": member.family_id, **links})


def _couple(ws: Workspace, a: Patient, b: Patient) -> None:
    ws.update_patient(a.id, {"partner_id": b.id})
    ws.update_patient(b.id, {"partner_id": a.id})


def _add_parent(ws: Workspace, member: Patient, label: str, sex: str) -> Patient:
    if sex not in ("male", "female"):
        raise InputError("sex", sex, "male (father) or female (mother) for a parent")
    slot = "father_id" if sex == "male" else "mother_id"
    if getattr(member, slot) is not None:
        raise InputError("relation", "parent", f"a member without a {slot.removesuffix('_id')} yet")
    parent = _new(ws, member, label, sex)
    ws.update_patient(member.id, {slot: parent.id})
    other_id = member.mother_id if sex == "male" else member.father_id
    if other_id is not None:
        _couple(ws, parent, ws.patient(other_id, audit_read=False))
    return parent


def _ensure_parents(ws: Workspace, member: Patient) -> None:
    if member.father_id is None:
        _add_parent(ws, member, f"Father of {member.label}"[:200], "male")
    if member.mother_id is None:
        _add_parent(ws, member, f"Mother of {member.label}"[:200], "female")


def _add_child(ws: Workspace, member: Patient, label: str, sex: str) -> Patient:
    links: dict[str, Any] = {}
    partner = ws.patient(member.partner_id, audit_read=False) if member.partner_id else None
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
        if member.partner_id is not None:
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
