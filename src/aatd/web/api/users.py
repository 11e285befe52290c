"""Users of the caller's organisation (admins manage them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from aatd.web.deps import ApiAdmin, Db, DbRoute
from aatd.web.schemas import PasswordResetIn, UserIn, UserOut, UserPatch
from aatd.web.workspace import accounts
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute, prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


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


@router.patch("/{user_id}")
def update_user(user_id: UserId, payload: UserPatch, principal: ApiAdmin, db: Db) -> UserOut:
    """Deactivate (``{"active": false}``: sessions end, tokens revoked, logins refused) or reactivate a user."""
    return UserOut.model_validate(accounts.set_member_active(db, principal.user, user_id, payload.active))


@router.post("/{user_id}/password", status_code=204)
def reset_password(user_id: UserId, payload: PasswordResetIn, principal: ApiAdmin, db: Db) -> None:
    """Set a new password for a user (they are signed out everywhere); tell them through a safe channel."""
    accounts.reset_password(db, principal.user, user_id, payload.new_password)


@router.post("/{user_id}/unlock", status_code=204)
def unlock_user(user_id: UserId, principal: ApiAdmin, db: Db) -> None:
    """Clear the failed logins counted against a user, so the login throttle lets them in again."""
    accounts.unlock_member(db, principal.user, user_id)


@router.delete("/{user_id}/totp", status_code=204)
def remove_totp(user_id: UserId, principal: ApiAdmin, db: Db) -> None:
    """Remove a user's two-step login (for a lost phone); they can set it up again."""
    accounts.remove_member_totp(db, principal.user, user_id)
