"""Compute budget of the engine routes: one caller cannot make the server slow for everyone.

Without login anyone can ask for a pedigree analysis, a risk simulation or a result
interpretation. Each such request:

- passes a per-address rate limit (a token bucket; memory bounded by :data:`MAX_ADDRESSES`),
  else **429** with ``Retry-After``; the address is the login throttle's
  (:func:`aatd.web.deps.caller_address`: ``X-Forwarded-For`` only from a trusted proxy, IPv6 by /64);
- waits for one of :data:`ANONYMOUS_SLOTS` engine slots for at most :data:`SLOT_WAIT_S`
  (waiting costs no worker thread), else **503** with ``Retry-After``;
- runs with a time budget of :data:`REQUEST_BUDGET_S` (:func:`aatd.limits.time_budget`; the
  engines check it between steps), else **503** naming the step that ran out of time;
- is refused with **422** if it is larger than the anonymous size caps of :mod:`aatd.limits`.

Logged-in callers skip the rate limit and the slots, and get :data:`SIGNED_IN_BUDGET_S`.
All answers use the one JSON error shape (:mod:`aatd.web.errors`).

The engines of these routes (the pedigree analysis and its cascade plan, the risk simulation, the
interpretation of a result, and the public pages built on them) run in :class:`EnginePool`, a
few separate processes at lower CPU priority, so that their work never holds the server's global
interpreter lock: the event loop and the clinicians' requests keep their pace while a family
is analysed. The engine process also writes the JSON answer (:func:`answer_json`). At most
:data:`ENGINE_QUEUE` such jobs wait or run at once; more get **503**.

The limits are per process: with several worker processes each has its own.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import select
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

import anyio
from fastapi import Depends, Request
from pydantic import TypeAdapter

from aatd.errors import InputError, PedigreeError
from aatd.limits import TimeBudgetExceeded, set_time_budget, time_budget
from aatd.web.deps import Principal, caller_address, optional_principal
from aatd.web.errors import ApiError

REQUEST_BUDGET_S = 10.0
"""Time budget of one anonymous engine request. The public pages answer in well under a second;
an anonymous pedigree of :data:`aatd.limits.ANONYMOUS_MEMBERS` members takes about 0.1 s."""

SIGNED_IN_BUDGET_S = 60.0
"""Time budget of a logged-in caller's engine request, also of the clinician family pages' inference, plan and
drawing (a 500-member family's plan and drawing take well under a second since the ninth wave)."""

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


ENGINE_PROCESSES = 2
"""Processes that run heavy engine work (the cores of a small server)."""

ENGINE_QUEUE = 8
"""Heavy engine jobs running or waiting in :class:`EnginePool` at once; the next one gets 503 at
once instead of queueing for minutes (anonymous callers are held to :data:`ANONYMOUS_SLOTS` first)."""

ENGINE_NICENESS = 10
"""Unix niceness of the engine processes: with the CPU busy, the server's own requests come first."""

ENGINE_PRELOAD = ["aatd.web.api.family", "aatd.web.api.risk", "aatd.web.api.clinic", "aatd.web.public.engines",
                  "aatd.web.engine_warmup"]
"""Modules the engine processes' fork server imports once, when the pool starts: every module whose
functions run in the pool, then :mod:`aatd.web.engine_warmup`, which runs each engine once so that
the forked processes start warm."""

T = TypeVar("T")


def _start_engine_process(server_pid: int) -> None:
    """In each engine process: lower priority, leave Ctrl+C to the server (which stops the pool),
    and exit when the server process is gone, even after ``kill -9`` (a pool's processes otherwise
    wait for work forever, each holding ~140 MB)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(ENGINE_NICENESS)
    threading.Thread(target=_exit_with, args=(server_pid,), name="aatd-exit-with-server", daemon=True).start()


def _exit_with(server_pid: int) -> None:
    """Wait for process ``server_pid`` to end, then end this process (Linux: a pidfd, no polling)."""
    pidfd_open = getattr(os, "pidfd_open", None)
    try:
        fd = pidfd_open(server_pid) if pidfd_open is not None else None
    except OSError:
        fd = None
    if fd is not None:
        select.select([fd], [], [])
        os._exit(0)
    while True:
        time.sleep(1.0)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            continue


def _run_in_budget(function: Callable[..., T], seconds: float, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """In an engine process: ``function(*args)`` under a time budget of ``seconds``.

    The domain errors travel back as plain tuples (their constructors take named parts, which
    pickling would not pass back): ``("ok", answer)``, ``("budget", stage, seconds)`` or
    ``("input", field, value, expected, hint, members)`` (``members`` is ``None`` for an
    :class:`~aatd.errors.InputError` that is not a :class:`~aatd.errors.PedigreeError`).
    """
    try:
        with time_budget(seconds):
            return ("ok", function(*args))
    except TimeBudgetExceeded as exc:
        return ("budget", exc.stage, exc.seconds)
    except InputError as exc:
        members = exc.members if isinstance(exc, PedigreeError) else None
        return ("input", exc.field, exc.value, exc.expected, exc.hint, members)


def answer_json(adapter: TypeAdapter[Any], answer: object) -> bytes:
    """``answer`` checked against its response model and written as FastAPI writes a route's answer
    (validated, then pydantic's ``dump_json``): the same bytes, made in an engine process instead
    of on the server's event loop."""
    return adapter.dump_json(adapter.validate_python(answer), by_alias=True)


class EnginePool:
    """Heavy engine work in :data:`ENGINE_PROCESSES` separate processes, with a bounded queue.

    The processes start on first use, forked from a clean server process (``forkserver``) that
    has imported the engines once. A job that is still running when its client goes away runs to
    its time budget and then frees its place. A process that dies is replaced with the whole pool,
    and the requests it was serving get 503.
    """

    def __init__(self, processes: int = ENGINE_PROCESSES, queue: int = ENGINE_QUEUE) -> None:
        self.processes = processes
        self.queue = queue
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._jobs = 0

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                methods = multiprocessing.get_all_start_methods()
                context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
                if "forkserver" in methods:
                    context.set_forkserver_preload(ENGINE_PRELOAD)
                self._executor = ProcessPoolExecutor(self.processes, mp_context=context,
                                                     initializer=_start_engine_process, initargs=(os.getpid(),))
            return self._executor

    def _take_place(self) -> None:
        with self._lock:
            if self._jobs >= self.queue:
                raise ApiError(503, "the server is busy with other calculations; try again shortly",
                               headers={"Retry-After": str(math.ceil(SLOT_WAIT_S))})
            self._jobs += 1

    def _free_place(self, _future: object = None) -> None:
        with self._lock:
            self._jobs -= 1

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Drop a broken pool (unless already replaced); the next job starts a new one."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _submit(self, function: Callable[..., T], budget_s: float,
                args: tuple[Any, ...]) -> tuple[ProcessPoolExecutor, Future[tuple[Any, ...]]]:
        """Hand a job to a process (in a helper thread: starting a process can take seconds)."""
        try:
            pool = self._pool()
            try:
                future = pool.submit(_run_in_budget, function, budget_s, args)
            except BrokenProcessPool:  # a process died since the last job: start afresh
                self._replace(pool)
                pool = self._pool()
                future = pool.submit(_run_in_budget, function, budget_s, args)
        except BaseException:
            self._free_place()
            raise
        future.add_done_callback(self._free_place)
        return pool, future

    async def run(self, function: Callable[..., T], *args: Any, budget_s: float) -> T:
        """``function(*args)`` in an engine process within ``budget_s`` seconds, awaited without
        blocking the event loop. ``function`` and its arguments must be picklable (a module-level
        function and plain data). Raises :class:`ApiError` 503 when the queue is full or a process
        died, :class:`~aatd.limits.TimeBudgetExceeded` and :class:`~aatd.errors.InputError` as the
        engine raised them, and any other exception of the engine unchanged."""
        self._take_place()
        loop = asyncio.get_running_loop()
        pool, future = await loop.run_in_executor(None, self._submit, function, budget_s, args)
        try:
            outcome = await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(pool)
            raise ApiError(503, "the calculation stopped unexpectedly; try again shortly",
                           headers={"Retry-After": str(math.ceil(SLOT_WAIT_S))}) from None
        if outcome[0] == "budget":
            raise TimeBudgetExceeded(outcome[1], outcome[2])
        if outcome[0] == "input":
            _, field, value, expected, hint, members = outcome
            if members is not None:
                raise PedigreeError(field, value, expected, members=members, hint=hint)
            raise InputError(field, value, expected, hint=hint)
        answer: T = outcome[1]
        return answer

    def start(self) -> None:
        """Start every process now and wait until they run (a server calls this before serving).

        A pool shut down meanwhile (an app that stopped while its processes were starting) has
        nothing left to start: that is not an error."""
        pool = self._pool()
        try:
            jobs = [pool.submit(time.sleep, 0.2) for _ in range(self.processes)]
            for job in jobs:
                job.result()
        except (RuntimeError, CancelledError, BrokenProcessPool):
            with self._lock:
                still_ours = self._executor is pool
            if still_ours:
                raise

    def shutdown(self, wait: bool = False) -> None:
        """Stop the processes (running jobs are abandoned); ``wait`` joins them, releasing their
        queues' semaphores (a server stopping for good does, so nothing is reported leaked)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)


_SHARED_POOL = EnginePool()
"""The engine processes of this server process (they start on first use; apps and tests share them)."""


def shared_pool() -> EnginePool:
    """The engine processes every app of this process uses unless given its own (:class:`ComputeBudget`)."""
    return _SHARED_POOL


class ComputeBudget:
    """The rate limiter, the engine slots and the engine processes of one app."""

    def __init__(self, slots: int = ANONYMOUS_SLOTS, slot_wait_s: float = SLOT_WAIT_S,
                 budget_s: float = REQUEST_BUDGET_S, limiter: RateLimiter | None = None,
                 pool: EnginePool | None = None) -> None:
        self.slots = slots
        self.slot_wait_s = slot_wait_s
        self.budget_s = budget_s
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.pool = pool if pool is not None else _SHARED_POOL
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = WeakKeyDictionary()

    def semaphore(self) -> anyio.Semaphore:
        """The slots of the running event loop (a test client may start several loops)."""
        loop = asyncio.get_running_loop()
        if loop not in self._semaphores:
            self._semaphores[loop] = anyio.Semaphore(self.slots)
        return self._semaphores[loop]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks for engine work: logged in (larger caps, no rate limit) or anonymous, with the
    time budget of the request and the engine processes to run heavy work in."""

    signed_in: bool
    budget_s: float
    pool: EnginePool

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in an engine process under this caller's time budget (:class:`EnginePool`)."""
        return await self.pool.run(function, *args, budget_s=self.budget_s)


async def engine_budget(request: Request,
                        principal: Annotated[Principal | None, Depends(optional_principal)]) -> AsyncIterator[Caller]:
    """Dependency of every engine route: rate limit, slot and time budget (see the module docstring)."""
    async with caller_budget(request, signed_in=principal is not None) as caller:
        yield caller


@asynccontextmanager
async def caller_budget(request: Request, *, signed_in: bool) -> AsyncIterator[Caller]:
    """The budget of one engine request: a signed-in caller (a logged-in user, a CDS client with a verified
    JWT) gets :data:`SIGNED_IN_BUDGET_S`; anyone else the rate limit, a slot and :data:`REQUEST_BUDGET_S`
    (:class:`~aatd.web.errors.ApiError` 429 or 503 when refused). Used by :func:`engine_budget` and by the
    CDS Hooks services, which learn who calls only from the JWT they verify."""
    budget: ComputeBudget = request.app.state.budget
    if signed_in:
        set_time_budget(SIGNED_IN_BUDGET_S)
        yield Caller(signed_in=True, budget_s=SIGNED_IN_BUDGET_S, pool=budget.pool)
        return
    wait = budget.limiter.take(caller_address(request))
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
        yield Caller(signed_in=False, budget_s=budget.budget_s, pool=budget.pool)
    finally:
        semaphore.release()


EngineCaller = Annotated[Caller, Depends(engine_budget)]
BUDGETED = [Depends(engine_budget)]
"""``dependencies=BUDGETED`` on a route or router puts its engine work under the budget."""
