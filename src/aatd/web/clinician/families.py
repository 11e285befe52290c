"""Families list, family page (pedigree editor), JSON export and import."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from aatd.errors import InputError
from aatd.web.clinician import views
from aatd.web.clinician.answers import family_answers
from aatd.web.clinician.rendering import render, see_other
from aatd.web.deps import Db, PageUser, Principal
from aatd.web.workspace.family_json import export_family, import_family
from aatd.web.workspace.relatives import add_relative
from aatd.web.workspace.repository import Workspace

router = APIRouter()
FamilyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_UPLOAD = 2_000_000


@router.get("/families")
def families_page(request: Request, principal: PageUser, db: Db) -> Response:
    """The organisation's families."""
    return render(request, "families.html", principal, families=Workspace(db, principal.user).families())


def _family_page(request: Request, principal: Principal, db: Db, family_id: int,
                 error: InputError | None = None) -> Response:
    ws = Workspace(db, principal.user)
    family = ws.family(family_id)
    return render(request, "family.html", principal, status_code=422 if error else 200, error=error,
                  **views.family_view(ws, family))


@router.get("/families/{family_id}")
def family_page(request: Request, family_id: FamilyId, principal: PageUser, db: Db) -> Response:
    """Members with their relations, the forms to add relatives, and the engines' answers."""
    return _family_page(request, principal, db, family_id)


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
    return Response(family_answers(export_family(ws, family), family.name).svg or "", media_type="image/svg+xml")


@router.get("/families/{family_id}/export.json")
def export(family_id: FamilyId, principal: PageUser, db: Db) -> Response:
    """Download the family as pedigree JSON."""
    ws = Workspace(db, principal.user)
    family = ws.family(family_id, audit_read=False)
    ws.record("export", "family", family.id)
    return JSONResponse(export_family(ws, family),
                        headers={"Content-Disposition": f'attachment; filename="aatd-family-{family.id}.json"'})


@router.post("/families/import")
async def import_(request: Request, principal: PageUser, db: Db,
                  file: Annotated[UploadFile, File()]) -> Response:
    """Create a family from an uploaded pedigree JSON file."""
    ws = Workspace(db, principal.user)
    raw = await file.read(MAX_UPLOAD + 1)
    try:
        if len(raw) > MAX_UPLOAD:
            raise InputError("file", f"{len(raw)} bytes", f"a file of at most {MAX_UPLOAD} bytes")
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError("file", file.filename, f"a UTF-8 JSON document ({exc})") from None
        family = import_family(ws, doc)
    except InputError as exc:
        db.rollback()
        return render(request, "families.html", principal, status_code=422, error=exc,
                      families=Workspace(db, principal.user).families())
    return see_other(f"/families/{family.id}")
