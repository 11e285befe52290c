"""Families list, family page (pedigree editor), JSON export and import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from aatd.errors import InputError, NotFound
from aatd.limits import load_json
from aatd.web.clinician.answers import family_answers
from aatd.web.clinician.family_editor import editor_document, family_editor_view
from aatd.web.clinician.rendering import render, see_other
from aatd.web.db import before_slow_work
from aatd.web.deps import Db, DbRoute, PageUser, Principal
from aatd.web.workspace.family_json import export_family, import_family
from aatd.web.workspace.relatives import (
    EDITOR_ADDS,
    add_relative,
    delete_member,
    edit_member,
    editor_add,
    journalled,
    link_partners,
    undo_last,
)
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute)
FamilyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_UPLOAD = 2_000_000


@router.get("/families")
def families_page(request: Request, principal: PageUser, db: Db) -> Response:
    """The organisation's families."""
    ws = Workspace(db, principal.user)
    return render(request, "families.html", principal, families=ws.families(), member_counts=ws.member_counts())


MemberKey = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
OptionalText = Annotated[str | None, Form(max_length=200)]


def _family_page(request: Request, principal: Principal, db: Db, family_id: int,
                 error: InputError | None = None, selected: int | None = None, mode: str = "actions") -> Response:
    ws = Workspace(db, principal.user)
    family = ws.family(family_id)
    return render(request, "family.html", principal, status_code=422 if error else 200, error=error,
                  **family_editor_view(ws, family, selected, mode))


@router.get("/families/{family_id}")
def family_page(request: Request, family_id: FamilyId, principal: PageUser, db: Db, member: MemberKey = None,
                mode: Annotated[str, Query(pattern="^(actions|delete)$")] = "actions") -> Response:
    """The pedigree editor: the drawing, the selected member's actions, the members and the engines' answers."""
    return _family_page(request, principal, db, family_id, selected=member, mode=mode)


def _optional_int(field: str, value: str | None) -> int | None:
    """An id or year from a form field; empty means none."""
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or len(value.strip()) > 10:
        raise InputError(field, value, "a whole number, or empty")
    return int(value)


def _edit_fields(label: str | None, sex: str | None, birth_year: str | None, deceased: str | None,
                 adopted: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"deceased": deceased == "on", "birth_year": _optional_int("birth_year", birth_year),
                            "adopted": (adopted or "").strip() or None}
    if label is not None:
        data["label"] = label
    if sex is not None:
        data["sex"] = sex
    return data


@router.post("/families/{family_id}/editor")
def editor_change(request: Request, family_id: FamilyId, principal: PageUser, db: Db,
                  member_id: Annotated[int, Form(ge=1, le=2**31 - 1)], action: Annotated[str, Form(max_length=20)],
                  new_label: OptionalText = None, partner_id: OptionalText = None, label: OptionalText = None,
                  sex: Annotated[str | None, Form(max_length=10)] = None, birth_year: OptionalText = None,
                  deceased: OptionalText = None, adopted: OptionalText = None, father_id: OptionalText = None,
                  mother_id: OptionalText = None, genotype: OptionalText = None,
                  confirm: OptionalText = None) -> Response:
    """One change of the pedigree editor on the member ``member_id``; answers the page with the next selection.

    Structural changes are journalled (undo); a genotype is stored as a result dated today.
    """
    ws = Workspace(db, principal.user)
    selected = member_id
    try:
        member = ws.patient(member_id, audit_read=False)
        if member.family_id != ws.family(family_id, audit_read=False).id:
            raise InputError("member_id", member_id, "a member of this family")
        who = member.label
        if action in EDITOR_ADDS:
            selected = journalled(ws, family_id, f"{EDITOR_ADDS[action]} of {who}",
                                  lambda: editor_add(ws, member_id, action, new_label)).id
        elif action == "link":
            other = _optional_int("partner_id", partner_id)
            if other is None:
                raise InputError("partner_id", partner_id, "the member to record as partner")
            partner = ws.patient(other, audit_read=False).label
            journalled(ws, family_id, f"Record {who} and {partner} as partners",
                       lambda: link_partners(ws, member_id, other))
        elif action == "save":
            data = _edit_fields(label, sex, birth_year, deceased, adopted)
            journalled(ws, family_id, f"Edit {who}", lambda: edit_member(ws, member_id, data))
        elif action == "set_parents":
            parents = {"father_id": _optional_int("father_id", father_id),
                       "mother_id": _optional_int("mother_id", mother_id)}
            journalled(ws, family_id, f"Change the parents of {who}", lambda: edit_member(ws, member_id, parents))
        elif action == "proband":
            journalled(ws, family_id, f"Make {who} the proband",
                       lambda: edit_member(ws, member_id, {"proband": True}))
        elif action == "genotype":
            ws.add_result(member_id, {"kind": "genotype", "taken_on": dt.date.today().isoformat(),
                                      "text": (genotype or "").strip()})
        elif action == "delete":
            if confirm != "yes":
                raise InputError("confirm", confirm, "yes, after reading who would lose a recorded relative")
            unlinked = journalled(ws, family_id, f"Delete {who}", lambda: delete_member(ws, member_id))
            selected = unlinked[0].id if unlinked else 0
        else:
            raise InputError("action", action, "one of " + ", ".join([*EDITOR_ADDS, "link", "save", "set_parents",
                                                                       "proband", "genotype", "delete"]))
    except InputError as exc:
        db.rollback()
        return _family_page(request, principal, db, family_id, exc, selected=member_id)
    return _after_change(request, principal, db, family_id, selected)


def _after_change(request: Request, principal: Principal, db: Db, family_id: int, selected: int | None) -> Response:
    """htmx: the page itself (only the workspace is swapped); otherwise a redirect back to the selection."""
    if request.headers.get("hx-request"):
        db.commit()
        return _family_page(request, principal, db, family_id, selected=selected)
    return see_other(f"/families/{family_id}" + (f"?member={selected}" if selected else "") + "#editor")


@router.post("/families/{family_id}/undo")
def undo(request: Request, family_id: FamilyId, principal: PageUser, db: Db) -> Response:
    """Undo the family's last editor change (members it created are removed, links restored)."""
    ws = Workspace(db, principal.user)
    try:
        ws.family(family_id, audit_read=False)
        try:
            undo_last(ws, family_id)
        except NotFound:
            raise InputError("undo", None, "an editor change of this family to undo") from None
    except InputError as exc:
        db.rollback()
        return _family_page(request, principal, db, family_id, exc)
    return _after_change(request, principal, db, family_id, None)


@router.post("/families/{family_id}/members")
def add_member(request: Request, family_id: FamilyId, principal: PageUser, db: Db,
               member_id: Annotated[int, Form(ge=1, le=2**31 - 1)], relation: Annotated[str, Form(max_length=20)],
               label: Annotated[str, Form(max_length=200)], sex: Annotated[str, Form(max_length=10)]) -> Response:
    """Add a parent, partner, sibling or child of a member."""
    ws = Workspace(db, principal.user)
    try:
        if ws.patient(member_id, audit_read=False).family_id != ws.family(family_id, audit_read=False).id:
            raise InputError("member_id", member_id, "a member of this family")
        add_relative(ws, member_id, relation, label, sex)
    except InputError as exc:
        db.rollback()
        return _family_page(request, principal, db, family_id, exc)
    return see_other(f"/families/{family_id}")


@router.post("/families/{family_id}/settings")
def family_settings(request: Request, family_id: FamilyId, principal: PageUser, db: Db,
                    country: Annotated[str, Form(max_length=100)]) -> Response:
    """Set the population whose allele frequencies the founders are drawn from."""
    try:
        Workspace(db, principal.user).update_family(family_id, {"country": country})
    except InputError as exc:
        db.rollback()
        return _family_page(request, principal, db, family_id, exc)
    return see_other(f"/families/{family_id}")


@router.get("/families/{family_id}/pedigree.svg")
def drawing(family_id: FamilyId, principal: PageUser, db: Db) -> Response:
    """The family's pedigree drawing (when the drawing engine is present)."""
    ws = Workspace(db, principal.user)
    family = ws.family(family_id)
    doc = editor_document(ws, family)
    before_slow_work(db)
    return Response(family_answers(doc, family.name).svg or "", media_type="image/svg+xml")


@router.get("/families/{family_id}/export.json")
def export(family_id: FamilyId, principal: PageUser, db: Db) -> Response:
    """Download the family as pedigree JSON."""
    ws = Workspace(db, principal.user)
    family = ws.family(family_id, audit_read=False)
    ws.record("export", "family", family.id)
    return JSONResponse(export_family(ws, family),
                        headers={"Content-Disposition": f'attachment; filename="aatd-family-{family.id}.json"'})


@router.post("/families/import")
def import_(request: Request, principal: PageUser, db: Db, file: Annotated[UploadFile, File()]) -> Response:
    """Create a family from an uploaded pedigree JSON file (strict JSON: no NaN, bombs or huge numbers)."""
    ws = Workspace(db, principal.user)
    raw = file.file.read(MAX_UPLOAD + 1)
    try:
        if len(raw) > MAX_UPLOAD:
            raise InputError("file", f"{len(raw)} bytes", f"a file of at most {MAX_UPLOAD} bytes")
        family = import_family(ws, load_json(raw, "file", source=file.filename or "the file"))
    except InputError as exc:
        db.rollback()
        ws = Workspace(db, principal.user)
        return render(request, "families.html", principal, status_code=422, error=exc, families=ws.families(),
                      member_counts=ws.member_counts())
    return see_other(f"/families/{family.id}")
