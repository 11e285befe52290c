"""Server-rendered clinician workspace pages (Jinja2), one router per area."""

from __future__ import annotations

from fastapi import APIRouter


def pages_router() -> APIRouter:
    """All page routes (kept out of the OpenAPI document)."""
    from aatd.web.clinician import admin, auth, dna_import, documents, families, patients, risk, should_test

    router = APIRouter(include_in_schema=False)
    for module in (auth, patients, families, admin, risk, should_test, documents, dna_import):
        router.include_router(module.router)
    return router
