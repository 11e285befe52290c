"""Admin pages: audit log, deleted patients (restore), users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aatd.errors import Conflict, InputError
from aatd.web.clinician.rendering import render, see_other
from aatd.web.deps import Db, DbRoute, PageAdmin, Principal
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
    except (InputError, ApiError, Conflict) as exc:
        return _users_again(request, principal, db, exc)
    return see_other("/admin/users")


def _users_again(request: Request, principal: Principal, db: Session, exc: Exception) -> Response:
    """The users page again with the reason a change was refused (nothing of it kept)."""
    db.rollback()
    message = exc.error if isinstance(exc, ApiError) else str(exc)
    return render(request, "users.html", principal, status_code=422 if isinstance(exc, InputError) else 409,
                  error=message, users=Workspace(db, principal.user).users())


UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/users/{user_id}/active")
def set_active(request: Request, user_id: UserId, principal: PageAdmin, db: Db,
               active: Annotated[bool, Form()]) -> Response:
    """Deactivate (sessions end, tokens revoked) or reactivate a user of the organisation."""
    try:
        accounts.set_member_active(db, principal.user, user_id, active)
    except Conflict as exc:
        return _users_again(request, principal, db, exc)
    return see_other("/admin/users")


@router.post("/users/{user_id}/unlock")
def unlock(user_id: UserId, principal: PageAdmin, db: Db) -> Response:
    """Clear the failed logins counted against a user (the login throttle lets them in again)."""
    accounts.unlock_member(db, principal.user, user_id)
    return see_other("/admin/users")


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user_id: UserId, principal: PageAdmin, db: Db,
                   new_password: Annotated[str, Form(max_length=200)]) -> Response:
    """Set a new password for a user; they are signed out everywhere."""
    try:
        accounts.reset_password(db, principal.user, user_id, new_password)
    except InputError as exc:
        return _users_again(request, principal, db, exc)
    return see_other("/admin/users")


@router.post("/users/{user_id}/totp/remove")
def remove_totp(user_id: UserId, principal: PageAdmin, db: Db,
                confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Remove a user's two-step login (a lost phone), once confirmed; they can set it up again."""
    if confirm != "yes":
        raise InputError("confirm", confirm or None, "the box ticked to confirm removing the two-step login")
    accounts.remove_member_totp(db, principal.user, user_id)
    return see_other("/admin/users")
