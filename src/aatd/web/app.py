"""The FastAPI application factory."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from aatd.provenance import software_version
from aatd.web import cds_hooks, errors, public
from aatd.web.api import api_router
from aatd.web.budget import ComputeBudget, shared_pool
from aatd.web.clinician import pages_router
from aatd.web.clinician.labels import citation, readable, sourced
from aatd.web.db import make_engine, migrate, session_factory
from aatd.web.middleware import MAX_BODY_BYTES, BodyLimit, HostCheck, SecurityHeaders, StrictInput
from aatd.web.public.rendering import environment as public_environment
from aatd.web.public.rendering import public_languages
from aatd.web.security import TotpVault, parse_trusted_proxies
from aatd.web.settings import Settings, load_settings
from aatd.web.workspace.throttle import ThrottlePolicy

HERE = Path(__file__).parent
DISCLAIMER = "aatd supports, and does not replace, clinical judgement."


def templates() -> Jinja2Templates:
    """The Jinja2 environment of the workspace pages (autoescaping on)."""
    env = Jinja2Templates(directory=str(HERE / "clinician" / "templates"))
    env.env.globals |= {"disclaimer": DISCLAIMER, "version": software_version()}
    env.env.filters |= {"readable": readable, "citation": citation, "sourced": sourced}
    return env


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> FastAPI:
    """The app for ``settings`` (from the environment by default); migrates the database first."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    if run_migrations:
        migrate(engine, settings.totp_key_ring)
    app = FastAPI(lifespan=_lifespan, title="aatd", version=software_version(), docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="Alpha-1 antitrypsin deficiency toolkit. " + DISCLAIMER)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.throttle_policy = ThrottlePolicy(
        pair_attempts=settings.login_attempts, address_attempts=settings.login_address_attempts,
        account_attempts=settings.login_account_attempts, window_s=settings.login_window_s)
    app.state.totp_vault = TotpVault(settings.totp_key_ring)
    app.state.trusted_proxies = parse_trusted_proxies(",".join(settings.trusted_proxies))
    app.state.templates = templates()
    app.state.budget = ComputeBudget()
    errors.install(app)
    app.include_router(api_router())
    app.include_router(cds_hooks.router)
    app.include_router(pages_router())
    public.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "clinician" / "static")), name="static")
    app.add_middleware(StrictInput)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(HostCheck, hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Bound the worker threads of this event loop to ``settings.worker_threads`` (anyio's default is 40).

    Route functions and sync dependencies run in worker threads. Every runnable thread competes
    with the event loop for Python's global interpreter lock, so with 40 busy threads a request
    that needs nothing but the loop (the health check, reading a request body) waited hundreds of
    milliseconds. A request waiting for a thread holds nothing (no connection, no lock): it waits
    on the loop at no cost. Transactions never span two thread hops (:class:`aatd.web.deps.DbRoute`),
    so a small pool cannot deadlock on SQLite's writer lock.

    The engine processes start in the background (once per process; ``aatd serve`` has started
    them already), so the first pedigree request does not wait seconds for them.
    """
    settings: Settings = app.state.settings
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    budget: ComputeBudget = app.state.budget
    threading.Thread(target=budget.pool.start, name="aatd-start-engines", daemon=True).start()
    yield
    if getattr(app.state, "serving", False):
        _stop_serving(budget)


def _stop_serving(budget: ComputeBudget) -> None:
    """A server stopping for good joins its engine processes and lets go of what serving froze, so the
    processes' queues are released here (uvicorn then ends the process by the signal that stopped it,
    and without this the multiprocessing resource tracker reported their semaphores as leaked)."""
    budget.pool.shutdown(wait=True)
    gc.unfreeze()
    gc.collect()


GC_FIRST_GENERATION = 20_000
"""Allocations between young-generation collections when serving (Python's default is 700)."""

SWITCH_INTERVAL_S = 0.001
"""How long a thread that wants the global interpreter lock (GIL) waits before the thread holding
it is asked to let go, when serving (CPython's default is 0.005 s).

The event loop sleeps in ``epoll`` without the GIL and needs it back to answer anything; while
worker threads run Python (SQLAlchemy, pydantic, Jinja), it waited one interval, and then the GIL
could go to another waiting worker first. With 4 busy threads the loop woke 9.4-17.5 ms late at
the median (p99 73-799 ms) at 5 ms, and 3.9 ms (p99 33-89 ms) at 1 ms, with as much work done by
the threads (``benchmarks/loop_lag.py``, two runs on a shared 2-core machine at load average
14-19). 0.5 ms gained a little more at the median and lost at the p99 in both runs."""


def prepare_to_serve(app: FastAPI | None = None) -> None:
    """Start the engine processes, build ``app``'s routes and templates, and tune the garbage
    collector for a long-running server; call once, after :func:`create_app`.

    A full collection walks every object that is not frozen, with the global interpreter lock
    held: with the app's ~230,000 objects (modules, routes, schemas, knowledge tables) that took
    100-300 ms of CPU, during which no request was answered (health check p99 under load). The
    objects made at start-up live as long as the process, so they are frozen out of collection
    (:func:`gc.freeze`), and the young generation is collected less often, so that the short-lived
    objects of a request rarely reach the older generations at all.

    Before freezing, :func:`build_once` makes now what would otherwise be made by the first
    requests, on the event loop or holding the interpreter lock while other requests wait.

    The GIL's switch interval is shortened to :data:`SWITCH_INTERVAL_S` (for this process only,
    after the engine processes have started: they keep the default).
    """
    shared_pool().start()
    if app is not None:
        build_once(app)
        app.state.serving = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, middle, old)
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def build_once(app: FastAPI) -> int:
    """Build what the app would otherwise build on first use; returns how many routes and templates.

    - FastAPI (0.16x) prepares the routes of an included router (their request and response
      models as pydantic schemas) when a request is first matched against that router, on the
      event loop: under load the first requests held the loop for about 100 ms while it did.
    - Jinja2 compiles a template the first time it is rendered (tens of ms with the lock held).
    """
    built = _build_routes(app.router.routes)
    workspace = app.state.templates.env
    for name in workspace.list_templates(extensions=["html"]):
        workspace.get_template(name)
        built += 1
    for language in public_languages():
        env = public_environment(language)
        for name in env.list_templates(extensions=["html"]):
            env.get_template(name)
            built += 1
    return built


def _build_routes(routes: Iterable[object]) -> int:
    """Prepare every route of every included router now (FastAPI does it lazily, per router)."""
    built = 0
    for route in routes:
        for lazy in ("effective_candidates", "effective_low_priority_routes"):
            prepare = getattr(route, lazy, None)
            if callable(prepare):
                built += 1 + _build_routes(prepare())
    return built
