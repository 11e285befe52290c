"""The FastAPI application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from aatd.provenance import software_version
from aatd.web import cds_hooks, errors, public
from aatd.web.api import api_router
from aatd.web.budget import ComputeBudget
from aatd.web.clinician import pages_router
from aatd.web.clinician.labels import citation, readable, sourced
from aatd.web.db import make_engine, migrate, session_factory
from aatd.web.middleware import BodyLimit, HostCheck, SecurityHeaders, StrictInput
from aatd.web.security import parse_trusted_proxies
from aatd.web.settings import Settings, load_settings
from aatd.web.workspace.throttle import ThrottlePolicy

HERE = Path(__file__).parent
DISCLAIMER = "aatd supports, and does not replace, clinical judgement."
MAX_BODY_BYTES = 4_000_000


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
        migrate(engine)
    app = FastAPI(title="aatd", version=software_version(), docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="Alpha-1 antitrypsin deficiency toolkit. " + DISCLAIMER)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.throttle_policy = ThrottlePolicy(
        pair_attempts=settings.login_attempts, address_attempts=settings.login_address_attempts,
        account_attempts=settings.login_account_attempts, window_s=settings.login_window_s)
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
