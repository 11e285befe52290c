"""Concurrent writers on a real server (uvicorn) over real SQLite and PostgreSQL: no 5xx, no lost writes.

Security review H2: two browser-form writers froze the server for 30 s and 50 API writers
collapsed it on SQLite, because writes ran on the event loop and a transaction held the
write lock across a hop to the worker-thread pool. Here 40 API writers and 10 form writers
save results of one patient at once, more writers than the 40 worker threads, while the
health check is polled.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from web.conftest import PASSWORD, make_settings, seed_users
from web.pg import free_port

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::ResourceWarning")]

API_WRITERS, FORM_WRITERS, WRITES_EACH = 40, 10, 3


@pytest.fixture(params=["uvicorn in process", "aatd serve"])
def served(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    """The app served on a loopback port: by uvicorn in a background thread, or by a real ``aatd serve`` (the front
    process and the app process, tenth wave) on the same database."""
    from aatd.web.app import create_app

    app = create_app(make_settings(tmp_path, database_url))
    seed_users(app)
    port = free_port()
    if request.param == "aatd serve":
        process, base = _aatd_serve(tmp_path, database_url, port)
        yield app, base
        process.terminate()
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn ends by the signal that stopped it
        app.state.engine.dispose()
        return
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
    app.state.engine.dispose()


def _aatd_serve(data_dir: Path, database_url: str, port: int) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AATD_")} | {
        "AATD_DATA_DIR": str(data_dir), "AATD_DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, "-m", "aatd", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None and time.monotonic() < deadline, "aatd serve did not start"
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)


def _browser(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=120)
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert login_csrf is not None
    login = client.post("/login", data={"email": "doc@a.org", "password": PASSWORD, "csrf_token": login_csrf[1]})
    page = client.get("/patients")
    page_csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert page_csrf is not None, (login.status_code, re.findall(r"<p[^>]*>([^<]*)</p>", login.text)[:5])
    return client, page_csrf[1]


def test_concurrent_writers__no_5xx_no_lost_writes(served: tuple[FastAPI, str]) -> None:
    app, base = served
    with httpx.Client(base_url=base, timeout=120) as setup:
        token = setup.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        patient = setup.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=headers).json()
    url = f"/api/v1/patients/{patient['id']}/results"
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def api_writer(k: int) -> None:
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            for i in range(WRITES_EACH):
                r = client.post(url, json={"kind": "crp", "taken_on": "2024-01-01", "value": 1 + k % 9,
                                           "note": f"api-{k}-{i}"})
                with lock:
                    statuses[r.status_code] += 1

    def form_writer(k: int) -> None:
        client, csrf = _browser(base)
        try:
            for i in range(WRITES_EACH):
                r = client.post(f"/patients/{patient['id']}/results", follow_redirects=False,
                                data={"csrf_token": csrf, "kind": "crp", "taken_on": "2024-01-01", "value": "2",
                                      "note": f"form-{k}-{i}"})
                with lock:
                    statuses[r.status_code] += 1
        finally:
            client.close()

    health: list[float] = []
    stop = threading.Event()

    def poll_health() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while not stop.is_set():
                started = time.monotonic()
                assert client.get("/api/v1/health").status_code == 200
                health.append(time.monotonic() - started)
                time.sleep(0.05)

    poller = threading.Thread(target=poll_health, daemon=True)
    poller.start()
    with ThreadPoolExecutor(API_WRITERS + FORM_WRITERS) as pool:
        jobs = [pool.submit(api_writer, k) for k in range(API_WRITERS)]
        jobs += [pool.submit(form_writer, k) for k in range(FORM_WRITERS)]
        for job in jobs:
            job.result()
    stop.set()
    poller.join(timeout=60)

    assert not [s for s in statuses if s >= 500], statuses
    assert statuses == Counter({201: API_WRITERS * WRITES_EACH, 303: FORM_WRITERS * WRITES_EACH}), statuses
    with app.state.engine.connect() as conn:
        notes = [row[0] for row in conn.execute(text("SELECT note FROM results"))]
    assert len(notes) == len(set(notes)) == (API_WRITERS + FORM_WRITERS) * WRITES_EACH
    assert health and max(health) < 10, max(health)
