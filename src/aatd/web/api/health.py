"""Liveness probe."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, object]:
    """Liveness probe (also the baseline of the load benchmark).

    ``async``: it does no blocking work, so it answers on the event loop without waiting for a
    worker thread, and shows whether the loop itself is free."""
    return {"ok": True}
