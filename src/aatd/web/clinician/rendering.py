"""Rendering helpers of the clinician pages: templates with the user and CSRF token, redirects."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from aatd.web.deps import Principal


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200,
           **context: Any) -> Response:
    """Render template ``name`` with the user and their CSRF token."""
    templates = request.app.state.templates
    base = {"user": principal.user if principal else None,
            "csrf_token": principal.csrf_token if principal else None}
    response: Response = templates.TemplateResponse(request, name, base | context, status_code=status_code)
    return response


def see_other(url: str) -> RedirectResponse:
    """Redirect after a successful POST (303, so a reload does not repeat it)."""
    return RedirectResponse(url, status_code=303)
