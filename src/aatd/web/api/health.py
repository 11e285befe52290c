"""Liveness probe."""

from __future__ import annotations

from fastapi import APIRouter
from typing_extensions import TypedDict

router = APIRouter(tags=["health"])


class Health(TypedDict):
    """The server answers."""

    ok: bool


@router.get("/health")
def health() -> Health:
    """Liveness probe (also the baseline of the load benchmark)."""
    return Health(ok=True)
