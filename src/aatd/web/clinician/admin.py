"""Admin pages: audit log, deleted patients (restore), users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from aatd.errors import InputError
from aatd.web.clinician import render, see_other
from aatd.web.deps import Db, DbRoute, PageAdmin
from aatd.web.errors import ApiError
from aatd.web.workspace import accounts
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute, prefix="/admin")


@router.get("/audit")
def audit_page(request: Request, principal: PageAdmin, db: Db) -> Response:
    """The latest audit events of the organisation."""
    return render(request, "audit.html", principal, events=Workspace(db, principal.user).audit_events(500))


@router.get("/deleted")
def deleted_page(request: Request, principal: PageAdmin, db: Db) -> Response:
    """Soft-deleted patients, with restore buttons."""
    return render(request, "deleted.html", principal, patients=Workspace(db, principal.user).patients(deleted=True))


@router.post("/deleted/{patient_id}/restore")
def restore(patient_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: PageAdmin, db: Db) -> Response:
    """Restore a soft-deleted patient."""
    Workspace(db, principal.user).restore_patient(patient_id)
    return see_other("/admin/deleted")


@router.get("/users")
def users_page(request: Request, principal: PageAdmin, db: Db) -> Response:
    """The organisation's users and a form to add one."""
    return render(request, "users.html", principal, users=Workspace(db, principal.user).users())


@router.post("/users")
def add_user(request: Request, principal: PageAdmin, db: Db, email: Annotated[str, Form(max_length=320)],
             password: Annotated[str, Form(max_length=200)], role: Annotated[str, Form(max_length=20)]) -> Response:
    """Create a user in the admin's organisation."""
    try:
        accounts.create_user(db, principal.user.organisation, email, password, role, by=principal.user)
    except (InputError, ApiError) as exc:
        db.rollback()
        message = str(exc) if isinstance(exc, InputError) else exc.error
        return render(request, "users.html", principal, status_code=422, error=message,
                      users=Workspace(db, principal.user).users())
    return see_other("/admin/users")
