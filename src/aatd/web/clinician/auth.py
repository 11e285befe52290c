"""Login and logout pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, TimestampSigner

from aatd.errors import InputError
from aatd.web.clinician.rendering import render, see_other
from aatd.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Db,
    DbRoute,
    PageUser,
    Principal,
    caller_address,
    optional_principal,
)
from aatd.web.security import new_token, same
from aatd.web.workspace import accounts, audit
from aatd.web.workspace.throttle import Throttled

router = APIRouter(route_class=DbRoute)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/patients"


LOGIN_FORM_MAX_AGE_S = 3600


def _signer(request: Request) -> TimestampSigner:
    return TimestampSigner(request.app.state.settings.secret_key, salt="aatd-login-form")


def _valid_login_token(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same(sent, cookie):
        return False
    try:
        _signer(request).unsign(sent, max_age=LOGIN_FORM_MAX_AGE_S)
    except BadSignature:
        return False
    return True


def _login_page(request: Request, target: str | None, error: str | None = None, status_code: int = 200) -> Response:
    token = _signer(request).sign(new_token()).decode("ascii")
    response = render(request, "login.html", None, status_code=status_code, login_csrf=token,
                      next=_safe_next(target), error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.settings.cookie_secure, path="/login")
    return response


@router.get("/")
def home(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Response:
    """The patients list when logged in, else the public pages for patients and families."""
    return see_other("/patients" if principal else "/public")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return _login_page(request, next)


@router.post("/login")
def login(request: Request, db: Db, email: Annotated[str, Form(max_length=320)],
          password: Annotated[str, Form(max_length=200)], csrf_token: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=500)] = "/patients",
          code: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Check the credentials (throttled) and start a session."""
    if not _valid_login_token(request, csrf_token):
        return _login_page(request, next, "Your form expired; please try again.", 403)
    try:
        user = accounts.login(db, request.app.state.throttle_policy, email, password, caller_address(request),
                              "page", code or None, vault=request.app.state.totp_vault)
    except Throttled as exc:
        response = _login_page(request, next, f"Too many failed attempts; try again in {exc.retry_after} seconds.",
                               429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except accounts.LoginFailed:
        return _login_page(request, next, "Wrong email or password (or two-step login code).", 401)
    settings = request.app.state.settings
    token, _row = accounts.start_session(db, user, settings.session_hours)
    audit.record(db, user, "login", "user", user.id)
    response = see_other(_safe_next(next))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                        path="/", max_age=int(settings.session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(principal: PageUser, db: Db) -> Response:
    """End the session (CSRF-checked)."""
    if principal.session_id is not None:
        accounts.end_session(db, principal.session_id)
    audit.record(db, principal.user, "logout", "user", principal.user.id)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account(request: Request, principal: Principal, status_code: int = 200, **context: object) -> Response:
    secret = accounts.new_totp_secret()
    return render(request, "account.html", principal, status_code=status_code, totp_secret=secret,
                  totp_uri=accounts.totp_uri(principal.user, secret), **context)


@router.get("/account")
def account_page(request: Request, principal: PageUser, done: bool = False) -> Response:
    """The user's account: change the password, turn two-step login on or off."""
    return _account(request, principal, done=done)


@router.post("/account/totp")
def enable_totp(request: Request, principal: PageUser, db: Db, secret: Annotated[str, Form(max_length=64)],
                code: Annotated[str, Form(max_length=10)]) -> Response:
    """Turn on two-step login once the app's code matches the key shown."""
    try:
        accounts.enable_totp(db, request.app.state.totp_vault, principal.user, secret, code)
    except InputError as exc:
        db.rollback()
        return _account(request, principal, 422, error=str(exc))
    return see_other("/account")


@router.post("/account/totp/disable")
def disable_totp(request: Request, principal: PageUser, db: Db, code: Annotated[str, Form(max_length=10)]) -> Response:
    """Turn off two-step login (a current code is needed)."""
    try:
        accounts.disable_own_totp(db, request.app.state.totp_vault, principal.user, code)
    except InputError as exc:
        db.rollback()
        return _account(request, principal, 422, error=str(exc))
    return see_other("/account")


@router.post("/account/password")
def change_password(request: Request, principal: PageUser, db: Db,
                    current_password: Annotated[str, Form(max_length=200)],
                    new_password: Annotated[str, Form(max_length=200)]) -> Response:
    """Change one's own password; other sessions end and API tokens are revoked, this session stays."""
    try:
        accounts.change_password(db, principal.user, current_password, new_password,
                                 keep_session=principal.session_id)
    except InputError as exc:
        db.rollback()
        return _account(request, principal, 422, error=str(exc))
    return see_other("/account?done=true")
