"""Fixtures of the public-page tests: the real app on a temp SQLite database, served on loopback.

Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is
downloaded. Screenshots go to ``test-artifacts/screenshots/public/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, build_app


@pytest.fixture(scope="session")
def public_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for the session, with the helpline contact block configured."""
    return build_app(tmp_path_factory.mktemp("public-data"))


@pytest.fixture()
def client(public_app: FastAPI) -> Iterator[TestClient]:
    """An in-process client of the session app."""
    with TestClient(public_app) as c:
        yield c


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(public_app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port in a background thread; yields the base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(public_app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (skipped when it is not installed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder the browser tests save their screenshots to."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
