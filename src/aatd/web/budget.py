"""Compute budget of the engine routes: one caller cannot make the server slow for everyone.

Without login anyone can ask for a pedigree analysis, a risk simulation or a result
interpretation. Each such request:

- passes a per-address rate limit (a token bucket; memory bounded by :data:`MAX_ADDRESSES`),
  else **429** with ``Retry-After``;
- waits for one of :data:`ANONYMOUS_SLOTS` engine slots for at most :data:`SLOT_WAIT_S`
  (waiting costs no worker thread), else **503** with ``Retry-After``;
- runs with a time budget of :data:`REQUEST_BUDGET_S` (:func:`aatd.limits.time_budget`; the
  engines check it between steps), else **503** naming the step that ran out of time;
- is refused with **422** if it is larger than the anonymous size caps of :mod:`aatd.limits`.

Logged-in callers skip the rate limit and the slots, and get :data:`SIGNED_IN_BUDGET_S`.
All answers use the one JSON error shape (:mod:`aatd.web.errors`).

The limits are per process: with several worker processes each has its own.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from weakref import WeakKeyDictionary

import anyio
from fastapi import Depends, Request

from aatd.limits import set_time_budget
from aatd.web.deps import Principal, optional_principal
from aatd.web.errors import ApiError

REQUEST_BUDGET_S = 10.0
"""Time budget of one anonymous engine request. The public pages answer in well under a second;
an anonymous pedigree of :data:`aatd.limits.ANONYMOUS_MEMBERS` members takes about 0.1 s."""

SIGNED_IN_BUDGET_S = 60.0
"""Time budget of a logged-in caller's engine request (a 500-member cascade plan takes ~5 s)."""

ANONYMOUS_SLOTS = 2
"""Anonymous engine computations running at once (the cores of a small server); the other
worker threads stay free for clinicians, logins and the health check."""

SLOT_WAIT_S = 5.0
"""How long an anonymous request waits for a slot before the server answers 503."""

RATE_PER_MINUTE = 60.0
"""Sustained anonymous engine requests per address per minute (one a second: far above a
person filling in a form, far below what would fill the slots)."""

RATE_BURST = 30.0
"""Requests an address may make at once before the sustained rate applies."""

MAX_ADDRESSES = 10_000
"""Addresses remembered by the rate limiter; the least recently seen is forgotten first
(about 1 MB at most)."""


class RateLimiter:
    """A token bucket per key with bounded memory (least recently seen keys are dropped).

    Used only from the event loop (one thread), so it needs no lock.
    """

    def __init__(self, per_minute: float = RATE_PER_MINUTE, burst: float = RATE_BURST,
                 max_keys: int = MAX_ADDRESSES) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token of ``key``: 0 if allowed, else the seconds until a token is free."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return 0.0 if allowed else (1.0 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)


class ComputeBudget:
    """The rate limiter and the engine slots of one app."""

    def __init__(self, slots: int = ANONYMOUS_SLOTS, slot_wait_s: float = SLOT_WAIT_S,
                 budget_s: float = REQUEST_BUDGET_S, limiter: RateLimiter | None = None) -> None:
        self.slots = slots
        self.slot_wait_s = slot_wait_s
        self.budget_s = budget_s
        self.limiter = limiter if limiter is not None else RateLimiter()
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = WeakKeyDictionary()

    def semaphore(self) -> anyio.Semaphore:
        """The slots of the running event loop (a test client may start several loops)."""
        loop = asyncio.get_running_loop()
        if loop not in self._semaphores:
            self._semaphores[loop] = anyio.Semaphore(self.slots)
        return self._semaphores[loop]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks for engine work: logged in (larger caps, no rate limit) or anonymous."""

    signed_in: bool


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def engine_budget(request: Request,
                        principal: Annotated[Principal | None, Depends(optional_principal)]) -> AsyncIterator[Caller]:
    """Dependency of every engine route: rate limit, slot and time budget (see the module docstring)."""
    if principal is not None:
        set_time_budget(SIGNED_IN_BUDGET_S)
        yield Caller(signed_in=True)
        return
    budget: ComputeBudget = request.app.state.budget
    wait = budget.limiter.take(_address(request))
    if wait > 0:
        raise ApiError(429, f"too many requests from this address; try again in {math.ceil(wait)} s",
                       headers={"Retry-After": str(math.ceil(wait))})
    semaphore = budget.semaphore()
    acquired = False
    with anyio.move_on_after(budget.slot_wait_s):
        await semaphore.acquire()
        acquired = True
    if not acquired:
        raise ApiError(503, "the server is busy with other calculations; try again shortly",
                       headers={"Retry-After": str(math.ceil(budget.slot_wait_s))})
    try:
        set_time_budget(budget.budget_s)
        yield Caller(signed_in=False)
    finally:
        semaphore.release()


EngineCaller = Annotated[Caller, Depends(engine_budget)]
BUDGETED = [Depends(engine_budget)]
"""``dependencies=BUDGETED`` on a route or router puts its engine work under the budget."""
