"""Families of the caller's organisation, with JSON export and import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from aatd.web.deps import ApiUser, Db
from aatd.web.schemas import FamilyDocument, FamilyIn, FamilyOut, FamilyPatch, Id, PatientOut
from aatd.web.workspace.family_json import export_family, import_family
from aatd.web.workspace.repository import Workspace

router = APIRouter(prefix="/families", tags=["families"])


@router.get("")
def list_families(principal: ApiUser, db: Db) -> list[FamilyOut]:
    """The organisation's families."""
    return [FamilyOut.model_validate(f) for f in Workspace(db, principal.user).families()]


@router.post("", status_code=201)
def create_family(payload: FamilyIn, principal: ApiUser, db: Db) -> FamilyOut:
    """A new, empty family."""
    return FamilyOut.model_validate(Workspace(db, principal.user).create_family(payload.name, payload.country))


@router.get("/{family_id}")
def get_family(family_id: Id, principal: ApiUser, db: Db) -> FamilyOut:
    """One family (404 when absent or another organisation's)."""
    return FamilyOut.model_validate(Workspace(db, principal.user).family(family_id))


@router.patch("/{family_id}")
def update_family(family_id: Id, payload: FamilyPatch, principal: ApiUser, db: Db) -> FamilyOut:
    """Rename a family or set its population (``country``: founders' allele frequencies)."""
    changes = payload.model_dump(exclude_unset=True)
    return FamilyOut.model_validate(Workspace(db, principal.user).update_family(family_id, changes))


@router.get("/{family_id}/members")
def family_members(family_id: Id, principal: ApiUser, db: Db) -> list[PatientOut]:
    """The family's patients."""
    ws = Workspace(db, principal.user)
    return [PatientOut.model_validate(p) for p in ws.members(ws.family(family_id))]


@router.get("/{family_id}/export", response_model=FamilyDocument)
def export(family_id: Id, principal: ApiUser, db: Db) -> dict[str, Any]:
    """The family as the pedigree JSON contract."""
    ws = Workspace(db, principal.user)
    family = ws.family(family_id, audit_read=False)
    ws.record("export", "family", family.id)
    return export_family(ws, family)


@router.post("/import", status_code=201)
def import_(payload: FamilyDocument, principal: ApiUser, db: Db) -> FamilyOut:
    """A new family from a pedigree JSON document (all members or none)."""
    return FamilyOut.model_validate(import_family(Workspace(db, principal.user), payload.model_dump()))
