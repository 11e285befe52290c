"""API authentication: bearer tokens for non-browser clients, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aatd.web.deps import ApiUser, Db, DbRoute
from aatd.web.errors import ApiError
from aatd.web.schemas import MeOut, TokenIn, TokenOut
from aatd.web.workspace import accounts, audit

router = APIRouter(route_class=DbRoute, tags=["auth"])


@router.post("/auth/token", status_code=201)
def create_token(payload: TokenIn, request: Request, db: Db) -> TokenOut:
    """Exchange email and password for a bearer token (throttled like the login form)."""
    throttle = request.app.state.throttle
    keys = (f"email:{payload.email.strip().lower()}", f"ip:{request.client.host if request.client else '?'}")
    wait = throttle.retry_after(*keys)
    if wait:
        raise ApiError(429, f"too many failed attempts; try again in {wait} s", headers={"Retry-After": str(wait)})
    user = accounts.authenticate(db, payload.email, payload.password)
    if user is None:
        throttle.failed(*keys)
        audit.record(db, None, "login_failed", "user", None, actor=payload.email[:320], detail={"via": "token"})
        raise ApiError(401, "wrong email or password", headers={"WWW-Authenticate": "Bearer"})
    throttle.succeeded(keys[0])
    return TokenOut(token=accounts.issue_api_token(db, user, payload.name))


@router.delete("/auth/token", status_code=204)
def revoke_token(request: Request, principal: ApiUser, db: Db) -> None:
    """Revoke the bearer token used for this call."""
    if principal.via != "token":
        raise ApiError(400, "this call revokes the bearer token it is made with; none was sent")
    accounts.revoke_api_token(db, request.headers["authorization"].partition(" ")[2].strip())


@router.get("/me")
def me(principal: ApiUser) -> MeOut:
    """The authenticated user and their organisation."""
    user = principal.user
    return MeOut(id=user.id, email=user.email, role=user.role, active=user.active,
                 organisation=user.organisation.name)
