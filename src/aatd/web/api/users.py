"""Users of the caller's organisation (admins manage them)."""

from __future__ import annotations

from fastapi import APIRouter

from aatd.web.deps import ApiAdmin, Db, DbRoute
from aatd.web.schemas import UserIn, UserOut
from aatd.web.workspace import accounts
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute, prefix="/users", tags=["users"])


@router.get("")
def list_users(principal: ApiAdmin, db: Db) -> list[UserOut]:
    """The organisation's users."""
    return [UserOut.model_validate(u) for u in Workspace(db, principal.user).users()]


@router.post("", status_code=201)
def create_user(payload: UserIn, principal: ApiAdmin, db: Db) -> UserOut:
    """A new user in the admin's own organisation."""
    user = accounts.create_user(db, principal.user.organisation, payload.email, payload.password, payload.role,
                                by=principal.user)
    return UserOut.model_validate(user)
