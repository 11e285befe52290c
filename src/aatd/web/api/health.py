"""Liveness probe."""

from __future__ import annotations

from fastapi import APIRouter
from typing_extensions import TypedDict

router = APIRouter(tags=["health"])


class Health(TypedDict):
    """The server answers."""

    ok: bool


@router.get("/health")
async def health() -> Health:
    """Liveness probe (also the baseline of the load benchmark).

    ``async``: it does no blocking work, so it answers on the event loop without waiting for a
    worker thread, and shows whether the loop itself is free."""
    return Health(ok=True)
