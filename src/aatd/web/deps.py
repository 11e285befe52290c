"""Request dependencies: database session, the authenticated principal, CSRF and role checks.

Browser requests authenticate with the session cookie and must send the session's CSRF
token (form field ``csrf_token`` or header ``X-CSRF-Token``) on every state-changing
request. API clients authenticate with ``Authorization: Bearer <token>`` and need no CSRF
token (a browser never attaches it by itself).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import typing
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.from_thread
import anyio.to_thread
from fastapi import Depends, Request, params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aatd.web.errors import ApiError, LoginRequired
from aatd.web.models import ApiToken, LoginSession, User, utcnow
from aatd.web.security import client_address, same, throttle_address, token_digest
from aatd.web.workspace.throttle import MAX_ADDRESS

SESSION_COOKIE = "aatd_session"
LOGIN_CSRF_COOKIE = "aatd_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user and how they authenticated."""

    user: User
    via: str  # "session" or "token"
    csrf_token: str | None = None
    session_id: int | None = None
    scope: str = "write"  # a "read" token may only make GET, HEAD and OPTIONS calls
    token_id: int | None = None


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session for the request: committed when the route returns, rolled back on any error.

    A page route that catches an :class:`~aatd.errors.InputError` calls ``db.rollback()``
    before rendering the form again, so a failed edit leaves nothing behind.

    ``async`` on purpose: making a session opens no connection, and the routes end their
    transactions in their own worker thread (:class:`DbRoute`, :func:`in_this_thread`), so
    usually there is nothing left to do here and the session is dropped on the event loop.
    A sync dependency cost two extra hops to a worker thread per request (one to make the
    session, one to close it): each hop is event-loop work and a thread woken up, which under
    load delayed every other request's turn on the loop (health check p99). Only a session
    still in a transaction (database work after the route's own commit) is finished in a
    worker thread, as before.
    """
    session: Session = request.app.state.sessions()
    succeeded = False
    try:
        yield session
        succeeded = True
    finally:
        if session.in_transaction():
            await run_in_threadpool(_finish, session, succeeded)


def _finish(session: Session, succeeded: bool) -> None:
    """Commit (or, after an error, roll back) what the route left open, then close the session."""
    try:
        if succeeded:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db, scope="function")]


@contextmanager
def in_this_thread(*sessions: Session) -> Iterator[None]:
    """Commit ``sessions`` when the block succeeds, roll them back when it fails.

    FastAPI runs each sync dependency, the route and the dependency clean-up in separate
    hops to the worker-thread pool. A transaction left open across a hop holds SQLite's
    write lock while it waits for a free worker; when every worker is a writer waiting for
    that lock, nothing moves until the busy timeout (security review H2). Ending every
    transaction in the thread that began it removes the wait.
    """
    try:
        yield
    except BaseException:
        for session in sessions:
            session.rollback()
        raise
    for session in sessions:
        session.commit()


def _lend(change: int) -> None:
    """On the event loop: change how many worker threads run routes at once (anyio's default limiter)."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(1, limiter.total_tokens + change)


@contextmanager
def lend_a_thread() -> Iterator[None]:
    """Slow work in a worker thread (a family's inference, plan and drawing: seconds for hundreds of
    members): one more worker thread may run other requests while it lasts.

    The server runs few worker threads (``AATD_WORKER_THREADS``, default 1) because every runnable
    thread competes with the event loop for the interpreter lock; a route that computes for seconds
    would otherwise hold up every other clinician's request for as long. The limit is raised by one on
    the event loop when the work begins and lowered when it ends, so the extra thread exists only while
    slow work runs. Outside a worker thread of a running server (the CLI, a direct call) it does nothing.
    """
    try:
        anyio.from_thread.run_sync(_lend, 1)
    except anyio.NoEventLoopError:
        yield
        return
    try:
        yield
    finally:
        anyio.from_thread.run_sync(_lend, -1)


def _committing(endpoint: Callable[..., Any], route: DbRoute) -> Callable[..., Any]:
    later = _callers_looked_up_later(endpoint)

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        sessions = [v for v in kwargs.values() if isinstance(v, Session)]
        with in_this_thread(*sessions):
            for name in later:
                if isinstance(kwargs[name], CallerLater):
                    kwargs[name] = kwargs[name].principal(sessions[0])
            answer = endpoint(*args, **kwargs)
        return route.written(answer)

    if later:
        run.__signature__ = _signature_looking_up_later(endpoint, later)  # type: ignore[attr-defined]
    route.looks_up_later = bool(later)
    return run


def _depends_on(hint: Any) -> Callable[..., Any] | None:
    """The dependency of an ``Annotated[..., Depends(f)]`` hint, or ``None``."""
    for extra in typing.get_args(hint)[1:] if typing.get_origin(hint) is Annotated else ():
        if isinstance(extra, params.Depends):
            return extra.dependency
    return None


def _callers_looked_up_later(endpoint: Callable[..., Any]) -> dict[str, Any]:
    """The parameters of ``endpoint`` that are the caller (``ApiUser``, ``ApiAdmin``, ``PageUser``,
    ``PageAdmin``), name -> the dependency that reads the caller's credentials for a lookup later
    (:class:`CallerLater`), when the endpoint also takes the request's database session (``Db``), in
    which the caller is then looked up; else nothing."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except NameError:
        return {}
    later = {api_user: api_user_later, api_admin: api_admin_later, page_user: page_user_later,
             page_admin: page_admin_later}
    found = {name: later[dep] for name, hint in hints.items() if (dep := _depends_on(hint)) in later}
    has_db = any(_depends_on(hint) is get_db for hint in hints.values())
    return found if has_db else {}


def _signature_looking_up_later(endpoint: Callable[..., Any], later: dict[str, Any]) -> inspect.Signature:
    """``endpoint``'s signature (annotations resolved) with the caller parameters named in ``later``
    taken from their ``..._later`` dependency instead."""
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    swapped = [parameter.replace(annotation=Annotated[CallerLater, Depends(later[name])]
                                 if name in later else hints.get(name, parameter.annotation))
               for name, parameter in signature.parameters.items()]
    returns = hints.get("return", signature.return_annotation)
    return signature.replace(parameters=swapped, return_annotation=None if returns is type(None) else returns)


class DbRoute(APIRoute):
    """A route whose database work commits (or rolls back) inside the route's own worker thread,
    before the response is built: the transaction never outlives the route function.

    The route's answer is also checked against its response model and written as JSON in that
    same thread (:meth:`written`), as FastAPI would write it: FastAPI checks a sync route's
    answer in a second hop to a worker thread and writes the JSON on the event loop, where a
    long list (a patient's results) held every other request up.
    """

    looks_up_later = False
    """Whether the caller is looked up in the route's own thread (:class:`CallerLater`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint, self)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler; for a route that looks the caller up in its own thread, a request that
        fails before the route runs (invalid input, another dependency's error) has its caller checked
        first, so a bad token, an expired session or a wrong CSRF token still gets 401, the login page
        or 403, as before."""
        handler = super().get_route_handler()
        if not self.looks_up_later:
            return handler

        async def checked_first(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception:
                call = getattr(request.state, CALLER_LATER, None)
                if isinstance(call, CallerLater) and not call.checked:
                    await run_in_threadpool(call.check, request.app.state.sessions)
                raise

        return checked_first

    def written(self, answer: Any) -> Any:
        """``answer`` as the JSON response FastAPI would make of it (same bytes, status and headers),
        or ``answer`` unchanged for FastAPI to handle: a response already, a route without a
        response model or with its own response class, a route that sets the status or headers
        through a ``Response`` parameter, a status without a body, or an answer that does not
        fit the model (FastAPI then reports it as before)."""
        field = self.response_field
        if (isinstance(answer, Response) or field is None or not isinstance(self.response_class, DefaultPlaceholder)
                or _sets_response(self.dependant) or not is_body_allowed_for_status_code(self.status_code)):
            return answer
        value, errors = field.validate(answer, {}, loc=("response",))
        if errors:
            return answer
        content = field.serialize_json(
            value, include=self.response_model_include, exclude=self.response_model_exclude,
            by_alias=self.response_model_by_alias, exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults, exclude_none=self.response_model_exclude_none)
        return Response(content=content, media_type="application/json", status_code=self.status_code or 200)


def _sets_response(dependant: Dependant) -> bool:
    """Whether the route or any of its dependencies takes FastAPI's ``Response`` parameter (to set
    a status or headers, which FastAPI applies only to answers it writes itself)."""
    return dependant.response_param_name is not None or any(_sets_response(d) for d in dependant.dependencies)


def caller_address(request: Request) -> str:
    """The client's address for the login throttle; ``X-Forwarded-For`` counts only when sent by a
    configured trusted proxy. An IPv6 client is counted by its /64 network (one subscriber's block)."""
    peer = request.client.host if request.client else None
    address = client_address(peer, request.headers.get("x-forwarded-for"), request.app.state.trusted_proxies)
    return throttle_address(address)[:MAX_ADDRESS]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _from_bearer(db: Session, header: str) -> Principal | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "invalid Authorization header; expected 'Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token.strip()),
                                           ApiToken.revoked_at.is_(None)))
    user = db.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        raise ApiError(401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"})
    if row.expires_at is not None and _aware(row.expires_at) < utcnow():
        raise ApiError(401, "this API token has expired; create a new one", headers={"WWW-Authenticate": "Bearer"})
    return Principal(user=user, via="token", scope=row.scope, token_id=row.id)


def _from_cookie(db: Session, token: str) -> Principal | None:
    row = db.scalar(select(LoginSession).where(LoginSession.token_hash == token_digest(token)))
    if row is None or _aware(row.expires_at) < utcnow():
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return Principal(user=user, via="session", csrf_token=row.csrf_token, session_id=row.id)


async def optional_principal(request: Request, db: Db) -> Principal | None:
    """The caller if authenticated (bearer token first, then session cookie), else ``None``.

    A request without credentials (an anonymous engine request, the public pages) is answered on
    the event loop: there is nothing to look up, so no hop to a worker thread. Otherwise the lookup
    runs in a worker thread and its transaction ends there (see :class:`DbRoute`).
    """
    header = request.headers.get("authorization")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not header and not cookie:
        return None
    return await run_in_threadpool(look_up_principal, db, header, cookie)


def look_up_principal(db: Session, header: str | None, cookie: str | None, *,
                      commit: bool = True) -> Principal | None:
    """The caller named by an ``Authorization`` header (first) or a session cookie; with ``commit``
    in a transaction of its own, ended in this thread, else in the caller's transaction."""
    if not commit:
        return _from_bearer(db, header) if header else _from_cookie(db, cookie) if cookie else None
    with in_this_thread(db):
        return look_up_principal(db, header, cookie, commit=False)


async def _sent_csrf(request: Request) -> str | None:
    """The CSRF token a browser sent: the ``X-CSRF-Token`` header, else the form's ``csrf_token`` field."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    return sent


def _csrf_refused() -> ApiError:
    return ApiError(403, "missing or wrong CSRF token; reload the page and try again",
                    [{"field": "csrf_token", "value": None, "expected": "the token of this session",
                      "message": "csrf_token: missing or wrong"}])


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    if not same(await _sent_csrf(request), principal.csrf_token):
        raise _csrf_refused()


def _api_caller(principal: Principal | None, method: str) -> Principal:
    if principal is None:
        raise ApiError(401, "login required: send 'Authorization: Bearer <token>' or log in",
                       headers={"WWW-Authenticate": "Bearer"})
    if principal.scope != "write" and method not in SAFE_METHODS:
        raise ApiError(403, "this API token is read-only; create a token with scope 'write' to make changes")
    return principal


async def api_user(request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The authenticated API caller (401 otherwise), CSRF-checked for cookie calls."""
    _api_caller(principal, request.method)
    assert principal is not None
    await _check_csrf(request, principal)
    return principal


CALLER_LATER = "aatd_caller_later"


@dataclass(slots=True)
class CallerLater:
    """What a caller sent to say who they are (``Authorization`` header, session cookie, CSRF token),
    read on the event loop and looked up in the route's own worker thread and transaction
    (:class:`DbRoute`): one hop to a worker thread and one transaction fewer per request than a
    separate lookup (:func:`optional_principal`), with the same checks and answers."""

    header: str | None
    cookie: str | None
    csrf_sent: str | None
    method: str
    page: bool
    admin: bool
    checked: bool = False

    def principal(self, db: Session) -> Principal:
        """The caller, checked as :func:`api_user` or :func:`page_user` (and the admin variants) check
        them: 401 (API) or the login page (pages) for nobody, 403 for a read-only token on a change, a
        wrong CSRF token or a clinician where an admin is needed."""
        self.checked = True
        principal = look_up_principal(db, self.header, self.cookie, commit=False)
        if self.page and (principal is None or principal.via != "session"):
            raise LoginRequired
        principal = _api_caller(principal, self.method)
        if principal.via == "session" and self.method not in SAFE_METHODS and not same(self.csrf_sent,
                                                                                       principal.csrf_token):
            raise _csrf_refused()
        return _admin(principal) if self.admin else principal

    def check(self, sessions: Callable[[], Session]) -> None:
        """:meth:`principal` in a transaction of its own (for a request that failed before its route ran)."""
        with sessions() as db, db.begin():
            self.principal(db)


async def _caller_later(request: Request, *, page: bool, admin: bool) -> CallerLater:
    header = request.headers.get("authorization") or None
    cookie = request.cookies.get(SESSION_COOKIE) or None
    if header is None and cookie is None:  # nobody: answered now, as before
        if page:
            raise LoginRequired
        _api_caller(None, request.method)
    sent = await _sent_csrf(request) if header is None and request.method not in SAFE_METHODS else None
    call = CallerLater(header=header, cookie=cookie, csrf_sent=sent, method=request.method, page=page, admin=admin)
    setattr(request.state, CALLER_LATER, call)
    return call


async def api_user_later(request: Request) -> CallerLater:
    """:func:`api_user` for a :class:`DbRoute` that takes ``Db``: looked up later, in the route's thread."""
    return await _caller_later(request, page=False, admin=False)


async def api_admin_later(request: Request) -> CallerLater:
    """:func:`api_admin` for a :class:`DbRoute` that takes ``Db`` (see :func:`api_user_later`)."""
    return await _caller_later(request, page=False, admin=True)


async def page_user_later(request: Request) -> CallerLater:
    """:func:`page_user` for a :class:`DbRoute` that takes ``Db`` (see :func:`api_user_later`)."""
    return await _caller_later(request, page=True, admin=False)


async def page_admin_later(request: Request) -> CallerLater:
    """:func:`page_admin` for a :class:`DbRoute` that takes ``Db`` (see :func:`api_user_later`)."""
    return await _caller_later(request, page=True, admin=True)


async def page_user(request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The logged-in browser user (redirect to the login page otherwise), CSRF-checked."""
    if principal is None or principal.via != "session":
        raise LoginRequired
    await _check_csrf(request, principal)
    return principal


def _admin(principal: Principal) -> Principal:
    if not principal.user.is_admin:
        raise ApiError(403, "this needs the admin role")
    return principal


async def api_admin(principal: Annotated[Principal, Depends(api_user)]) -> Principal:
    """An authenticated admin (403 for clinicians)."""
    return _admin(principal)


async def page_admin(principal: Annotated[Principal, Depends(page_user)]) -> Principal:
    """A logged-in admin (403 page for clinicians)."""
    return _admin(principal)


ApiUser = Annotated[Principal, Depends(api_user)]
ApiAdmin = Annotated[Principal, Depends(api_admin)]
PageUser = Annotated[Principal, Depends(page_user)]
PageAdmin = Annotated[Principal, Depends(page_admin)]


async def _form_fields(request: Request) -> dict[str, str]:
    """The text fields of a submitted form, read on the event loop (reading is I/O, not work)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]
