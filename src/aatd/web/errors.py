"""One JSON error shape for every API failure, and HTML error pages for the workspace.

``{"ok": false, "status": 422, "error": "...", "errors": [{"field", "value", "expected", "message"}]}``
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from aatd.errors import Conflict, Forbidden, InputError, NotFound, json_value, shown
from aatd.limits import TimeBudgetExceeded
from aatd.web.security import TotpKeyError

log = logging.getLogger("aatd.web")

_TITLES = {400: "Bad request", 401: "Login required", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Too large", 415: "Unsupported media type",
           422: "Invalid input", 429: "Too many attempts", 500: "Internal error", 503: "Busy"}

_PLAIN = {404: "There is no page or record at this address, or it belongs to another organisation."}
_CORRECTABLE = frozenset({400, 409, 413, 415, 422})

BUSY_RETRY_S = 2
"""Seconds a client is asked to wait (``Retry-After``) after a 503 for a busy database."""


class ApiError(Exception):
    """An error with an HTTP status, a message and optional field-level entries."""

    def __init__(self, status: int, error: str, errors: Sequence[dict[str, object]] = (),
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.errors = list(errors)
        self.headers = headers or {}


class LoginRequired(Exception):
    """Raised by page routes: redirect the browser to the login page."""


def not_found(entity: str) -> ApiError:
    """The 404 returned for records that do not exist or belong to another organisation."""
    return ApiError(404, f"{entity} not found")


def body(status: int, error: str, errors: Sequence[dict[str, object]] = ()) -> dict[str, object]:
    """The JSON error document."""
    safe = [{key: json_value(v) if key == "value" else v for key, v in entry.items()} for entry in errors]
    return {"ok": False, "status": status, "error": error, "errors": safe}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/cds-services")) or "application/json" in request.headers.get(
        "accept", "")


def _public_page(request: Request) -> Callable[[Request, int, dict[str, str] | None], Response] | None:
    """The public pages' own error page (installed by ``aatd.web.public``) for a path under ``/public``."""
    path = request.url.path
    page = getattr(request.app.state, "public_error_page", None)
    return page if callable(page) and (path == "/public" or path.startswith("/public/")) else None


def _render(request: Request, status: int, error: str, errors: Sequence[dict[str, object]] = (),
            headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse(body(status, error, errors), status_code=status, headers=headers)
    public_page = _public_page(request)
    if public_page is not None:
        return public_page(request, status, headers)
    templates = request.app.state.templates
    title = _TITLES.get(status, "Error")
    detail = error if error.casefold() != title.casefold() else _PLAIN.get(status, "")
    # "Please correct this" (the layout's banner, from ``error``) only for what the user can correct
    context = {"status": status, "title": title, "detail": detail, "errors": errors,
               "error": detail if status in _CORRECTABLE else ""}
    response: Response = templates.TemplateResponse(request, "error.html", context, status_code=status,
                                                    headers=headers)
    return response


def _json_safe(value: Any) -> object:
    return json_value(value)


def _validation_entries(exc: RequestValidationError) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
        field = ".".join(loc) or "body"
        value = _json_safe(err.get("input"))
        expected = str(err.get("msg", "a valid value"))
        entries.append({"field": field, "value": value, "expected": expected,
                        "message": f"{field}: got {shown(err.get('input'))}; {expected}"})
    return entries


def _busy(exc: sa_exc.OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    async def input_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InputError)
        return _render(request, 422, str(exc), [exc.as_dict()])

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        entries = _validation_entries(exc)
        return _render(request, 422, "; ".join(str(e["message"]) for e in entries) or "invalid input", entries)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _render(request, exc.status, exc.error, exc.errors, exc.headers)

    async def domain_error(request: Request, exc: Exception) -> Response:
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 409
        return _render(request, status, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        headers = dict(exc.headers or {})
        return _render(request, status, str(exc.detail or _TITLES.get(status, "Error")), (), headers)

    async def login_required(request: Request, exc: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    async def time_budget(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TimeBudgetExceeded)
        return _render(request, 503, str(exc), headers={"Retry-After": str(BUSY_RETRY_S)})

    async def database_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, sa_exc.DataError):  # e.g. a NUL character PostgreSQL cannot store in text
            return _render(request, 422, "a value the database cannot store (control characters such as NUL "
                           "are not accepted); the request was not applied")
        if isinstance(exc, sa_exc.OperationalError) and _busy(exc):
            return _render(request, 503, "the database is busy; the request was not applied, try again",
                           headers={"Retry-After": str(BUSY_RETRY_S)})
        return await unexpected(request, exc)

    async def totp_key(request: Request, exc: Exception) -> Response:
        log.error("two-step login secret of a user cannot be decrypted: check AATD_TOTP_KEYS")
        return _render(request, 503, str(exc))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _render(request, 500, "internal error; the request was not applied")

    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ApiError, api_error)
    for domain in (NotFound, Forbidden, Conflict):
        app.add_exception_handler(domain, domain_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(sa_exc.DBAPIError, database_error)
    app.add_exception_handler(TimeBudgetExceeded, time_budget)
    app.add_exception_handler(TotpKeyError, totp_key)
    app.add_exception_handler(Exception, unexpected)
