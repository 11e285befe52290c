"""The REST API under ``/api/v1``: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from aatd.web.api import audit, auth, clinic, families, family, fhir, genetics, health, patients, results, risk, users
from aatd.web.api import screening as screening_api
from aatd.web.schemas import ErrorOut

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((401, "Login required"), (403, "Forbidden"), (404, "Not found"), (422, "Invalid input"),
                       (429, "Too many attempts"))
}


def api_router() -> APIRouter:
    """All API routes, with the error shape documented on each."""
    router = APIRouter(prefix="/api/v1", responses=_ERRORS)
    for module in (health, genetics, family, clinic, risk, auth, families, patients, results, users, audit, fhir,
                   screening_api):
        router.include_router(module.router)
    return router
