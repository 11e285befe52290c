"""API authentication: bearer tokens (scoped, expiring, listable, revocable), who am I, password change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from aatd.web.deps import ApiUser, Db, DbRoute, caller_address
from aatd.web.errors import ApiError
from aatd.web.schemas import (
    MeOut,
    PasswordChangeIn,
    TokenIn,
    TokenInfoOut,
    TokenOut,
    TotpCodeIn,
    TotpIn,
    TotpNewOut,
)
from aatd.web.workspace import accounts
from aatd.web.workspace.throttle import Throttled

router = APIRouter(route_class=DbRoute, tags=["auth"])

TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def throttled(exc: Throttled) -> ApiError:
    """The 429 answer of a throttled login, with ``Retry-After``."""
    return ApiError(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


@router.post("/auth/token", status_code=201)
def create_token(payload: TokenIn, request: Request, db: Db) -> TokenOut:
    """Exchange email and password for a bearer token (throttled like the login form).

    ``scope`` ``read`` tokens may only read; tokens expire after ``expires_in_days`` (default 90).
    """
    try:
        user = accounts.login(db, request.app.state.throttle_policy, payload.email, payload.password,
                              caller_address(request), "token", payload.code,
                              vault=request.app.state.totp_vault)
    except Throttled as exc:
        raise throttled(exc) from None
    except accounts.LoginFailed as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    token = accounts.issue_api_token(db, user, payload.name, scope=payload.scope, days=payload.expires_in_days)
    return TokenOut(token=token, scope=payload.scope)


@router.delete("/auth/token", status_code=204)
def revoke_token(principal: ApiUser, db: Db) -> None:
    """Revoke the bearer token used for this call."""
    if principal.via != "token" or principal.token_id is None:
        raise ApiError(400, "this call revokes the bearer token it is made with; none was sent")
    accounts.revoke_token_id(db, principal.user, principal.token_id)


@router.get("/auth/tokens")
def list_tokens(principal: ApiUser, db: Db) -> list[TokenInfoOut]:
    """The caller's API tokens (never the secret itself), newest first."""
    return [TokenInfoOut.model_validate(t) for t in accounts.tokens(db, principal.user)]


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token_by_id(token_id: TokenId, principal: ApiUser, db: Db) -> None:
    """Revoke one of the caller's tokens by id (for example a leaked one)."""
    accounts.revoke_token_id(db, principal.user, token_id)


@router.get("/me")
def me(principal: ApiUser) -> MeOut:
    """The authenticated user and their organisation."""
    user = principal.user
    return MeOut(id=user.id, email=user.email, role=user.role, active=user.active,
                 organisation=user.organisation.name, two_step=user.two_step)


@router.post("/me/password", status_code=204)
def change_password(payload: PasswordChangeIn, principal: ApiUser, db: Db) -> None:
    """Change the caller's password; their other sessions end and every API token is revoked."""
    accounts.change_password(db, principal.user, payload.current_password, payload.new_password,
                             keep_session=principal.session_id)


@router.get("/me/totp/new")
def new_totp(principal: ApiUser) -> TotpNewOut:
    """A fresh key for two-step login (nothing is stored until it is confirmed with a code)."""
    secret = accounts.new_totp_secret()
    return TotpNewOut(secret=secret, uri=accounts.totp_uri(principal.user, secret))


@router.post("/me/totp", status_code=204)
def enable_totp(payload: TotpIn, request: Request, principal: ApiUser, db: Db) -> None:
    """Turn on two-step login: send the key and the code the authenticator app shows now (the key is
    stored encrypted)."""
    accounts.enable_totp(db, request.app.state.totp_vault, principal.user, payload.secret, payload.code)


@router.post("/me/totp/disable", status_code=204)
def disable_totp(payload: TotpCodeIn, request: Request, principal: ApiUser, db: Db) -> None:
    """Turn off two-step login, giving a current code."""
    accounts.disable_own_totp(db, request.app.state.totp_vault, principal.user, payload.code)
