"""Constants and the app builder shared by the public-page tests."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from aatd.web.app import create_app
from aatd.web.budget import ComputeBudget, RateLimiter
from aatd.web.public import install
from aatd.web.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots" / "public"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
HELPLINE = {"AATD_HELPLINE_TEXT": "Alpha-1 nurse line: 0800 123 456, weekdays 9 to 5.",
            "AATD_HELPLINE_URL": "tel:0800123456"}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 700}
"""The narrowest screen WCAG reflow asks for (1280 px at 400% zoom)."""
DESKTOP = {"width": 1280, "height": 800}


def build_app(data_dir: Path, environ: dict[str, str] | None = None) -> FastAPI:
    """The real app on a fresh SQLite database in ``data_dir``, with the public pages installed."""
    app = create_app(load_settings({"AATD_DATA_DIR": str(data_dir)}))
    install(app, environ if environ is not None else HELPLINE)
    # One test client plays many visitors from one address: lift the anonymous rate limit (its own
    # tests are in tests/web/test_hardening.py); the engine slots and time budget stay as deployed.
    app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=1e6, burst=1e6))
    return app
