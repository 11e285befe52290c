"""``aatd serve`` in two processes (aatd.web.front answers HTTP, aatd.web.app_process runs the app): what a client
gets is what the app gives in process, the health check is honest about the app process, and the processes start,
stop and fail together."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient

from aatd.web import wire
from aatd.web.app import create_app
from aatd.web.front import STALE_AFTER_S, Front
from aatd.web.settings import LOCAL_HOSTS, Settings, load_settings
from web.conftest import make_settings
from web.pg import free_port

T = TypeVar("T")
PASSWORD = "front test password"
VARIABLE = ("date", "server")
"""Headers that differ between any two answers (the clock) or that only a real server adds."""


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]
    env: dict[str, str]
    banner: str


def _env(data: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AATD_")} | {"AATD_DATA_DIR": str(data)}


def _serve(data: Path, *args: str) -> Served:
    env = _env(data)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aatd", "serve", "--port", str(port), *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    banner = ""
    while "Uvicorn running on" not in banner:
        line = process.stdout.readline()
        assert line, f"server exited: {banner}"
        banner += line
    return Served(f"http://127.0.0.1:{port}", process, env, banner)


def _children(pid: int) -> set[int]:
    """Every living descendant of process ``pid`` (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        kids = {child for child, p in parents.items() if p == parent} - found
        found |= kids
        frontier.extend(kids)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: set[int], seconds: float = 30.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if _alive(p)}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("front") / "var"
    server = _serve(data)
    subprocess.run([sys.executable, "-m", "aatd", "user", "create", "--org", "Clinic A", "--email", "a@a.org",
                    "--admin", "--password-stdin"], input=PASSWORD + "\n", env=server.env, check=True, text=True,
                   capture_output=True, timeout=60)
    yield server
    server.process.terminate()
    server.process.wait(timeout=30)
    assert server.process.stdout is not None
    server.process.stdout.close()


@pytest.fixture(scope="module")
def in_process(served: Served) -> Iterator[TestClient]:
    """The same app in this process, on the same database (as the tests and ``--one-process`` run it)."""
    with TestClient(create_app(load_settings_for(served)), base_url="http://127.0.0.1") as client:
        yield client


def load_settings_for(served: Served) -> Settings:
    """The settings ``aatd serve`` resolved for ``served`` (the same environment, loopback hosts)."""
    import dataclasses

    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(served.env)
        return dataclasses.replace(load_settings(), allowed_hosts=LOCAL_HOSTS)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    strip = lambda r: sorted((k, v) for k, v in r.headers.multi_items() if k not in VARIABLE)  # noqa: E731
    assert strip(a) == strip(b)


def test_serve__banner_and_two_processes(served: Served) -> None:
    assert "aatd: data directory" in served.banner
    assert "no user exists yet" in served.banner and "aatd user create" in served.banner
    assert "aatd: serving on http://127.0.0.1:" in served.banner
    app = [p for p in _children(served.process.pid)
           if b"aatd.web.app_process" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(app) == 1, "one app process: SQLite keeps one writer"


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("GET", "/api/v1/health", {}),
    ("GET", "/api/v1/health?x=%00", {}),
    ("GET", "/public", {}),
    ("GET", "/public/my-result", {}),
    ("POST", "/public/my-result", {"data": {"submitted": "1", "kind": "genotype", "result": "PI*ZZ"}}),
    ("POST", "/api/v1/genotype", {"json": {"genotype": "PI*SZ"}}),
    ("GET", "/api/v1/genotype?genotype=ZZ", {}),
    ("POST", "/api/v1/interpret", {"content": b'{"level": NaN}', "headers": {"content-type": "application/json"}}),
    ("GET", "/api/v1/patients", {}),
    ("POST", "/api/v1/genotype", {"content": b"\xff\xfe{", "headers": {"content-type": "application/json"}}),
    ("POST", "/api/v1/pedigree", {"content": b"[" * 40 + b"]" * 40, "headers": {"content-type": "application/json"}}),
    ("POST", "/api/v1/patients", {"json": {"label": "a\u0000b"}}),
    ("GET", "/no/such/page", {}),
    ("GET", "/static/app.css", {}),
    ("GET", "/api/v1/openapi.json", {}),
])
def test_front__answers_as_the_app_in_process(served: Served, in_process: TestClient, method: str, path: str,
                                               kwargs: dict[str, object]) -> None:
    """Status, headers and bytes through the two processes equal the app's own answer (errors included)."""
    with httpx.Client(base_url=served.base) as client:
        through = client.request(method, path, **kwargs)  # type: ignore[arg-type]
    direct = in_process.request(method, path, **kwargs)  # type: ignore[arg-type]
    _same(through, direct)


def test_front__health_refuses_a_foreign_host_as_the_app_does(served: Served, in_process: TestClient) -> None:
    headers = {"host": "evil.example"}
    with httpx.Client(base_url=served.base) as client:
        through = client.get("/api/v1/health", headers=headers)
    _same(through, in_process.get("/api/v1/health", headers=headers))
    assert through.status_code == 400


def test_front__a_logged_in_flow_with_large_answers(served: Served) -> None:
    """Token, patient, results written and read back, a PDF and the results CSV, through the front."""
    with httpx.Client(base_url=served.base, timeout=60) as client:
        token = client.post("/api/v1/auth/token", json={"email": "a@a.org", "password": PASSWORD}).json()["token"]
        client.headers["authorization"] = f"Bearer {token}"
        patient = client.post("/api/v1/patients", json={"label": "Front", "sex": "female"}).json()
        for i in range(30):
            r = client.post(f"/api/v1/patients/{patient['id']}/results",
                            json={"kind": "crp", "taken_on": "2024-01-01", "value": 2, "note": f"n{i}"})
            assert r.status_code == 201, r.text
        listed = client.get(f"/api/v1/patients/{patient['id']}/results").json()
        assert sorted(r["note"] for r in listed) == sorted(f"n{i}" for i in range(30))
        csv = client.get(f"/api/v1/patients/{patient['id']}/results.csv")
        assert csv.status_code == 200 and csv.text.count("\n") >= 31
        big = client.post("/api/v1/patients", content=b'{"label": "' + b"x" * 5_000_000 + b'"}',
                          headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["ok"] is False


def test_front__a_chunked_body_over_the_cap_is_413_and_the_server_goes_on(served: Served) -> None:
    """A body without Content-Length, sent in chunks past the 4 MB cap: the front stops handing it over, the app
    answers 413 in the one error shape, and the next request is answered."""
    def chunks() -> Iterator[bytes]:
        yield b'{"label": "'
        for _ in range(100):
            yield b"x" * 65_536
        yield b'"}'

    with httpx.Client(base_url=served.base, timeout=60) as client:
        big = client.post("/api/v1/genotype", content=chunks(), headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["status"] == 413
        assert client.get("/api/v1/health").status_code == 200


def test_front__the_app_sees_the_clients_address(served: Served) -> None:
    """The anonymous rate limit and the audit log see 127.0.0.1, not the front: the login throttle records the
    failed attempt under the client's address (shown to the admin)."""
    with httpx.Client(base_url=served.base) as client:
        r = client.post("/api/v1/auth/token", json={"email": "a@a.org", "password": "wrong password here"})
        assert r.status_code == 401
        token = client.post("/api/v1/auth/token", json={"email": "a@a.org", "password": PASSWORD}).json()["token"]
        events = client.get("/api/v1/audit", headers={"authorization": f"Bearer {token}"})
    assert events.status_code == 200
    assert "127.0.0.1" in events.text


def test_serve__stops_with_all_its_processes_on_sigterm(tmp_path: Path) -> None:
    server = _serve(tmp_path / "var")
    kids = _children(server.process.pid)
    assert len(kids) >= 3  # the app process and its engine processes
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
    assert _wait_gone(kids) == set()
    assert server.process.stdout is not None
    output = server.process.stdout.read()
    server.process.stdout.close()
    assert "Traceback" not in output


def test_serve__after_kill_9_of_the_front_nothing_is_left(tmp_path: Path) -> None:
    server = _serve(tmp_path / "var")
    kids = _children(server.process.pid)
    server.process.kill()
    server.process.wait(timeout=30)
    assert _wait_gone(kids) == set(), "the app process and its engines end with the front"
    assert server.process.stdout is not None
    server.process.stdout.close()


def test_serve__when_the_app_process_dies_the_server_says_so_and_stops(tmp_path: Path) -> None:
    server = _serve(tmp_path / "var")
    app = next(p for p in _children(server.process.pid)
               if b"aatd.web.app_process" in Path(f"/proc/{p}/cmdline").read_bytes())
    os.kill(app, signal.SIGKILL)
    assert server.process.wait(timeout=60) == 1
    assert server.process.stdout is not None
    output = server.process.stdout.read()
    server.process.stdout.close()
    assert "the app process ended" in output


def test_serve__a_database_it_cannot_open_fails_start_up_clearly(tmp_path: Path) -> None:
    env = _env(tmp_path / "var") | {"AATD_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run([sys.executable, "-m", "aatd", "serve", "--port", str(free_port())], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "the app could not start" in done.stdout + done.stderr


def _in_a_fresh_thread(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` in a thread of its own (the browser tests' Playwright leaves a loop in the main thread)."""
    with ThreadPoolExecutor(1) as fresh:
        return fresh.submit(asyncio.run, coroutine()).result()


@pytest.mark.parametrize(("silent_s", "status"), [(0.0, 200), (STALE_AFTER_S + 5, 503)])
def test_front__health_is_503_when_the_app_process_stops_beating(tmp_path: Path, silent_s: float,
                                                                  status: int) -> None:
    """No process is started: only the health check runs, with the app process's last beat ``silent_s`` ago."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/x.sqlite3", allowed_hosts=LOCAL_HOSTS)
    front = Front(settings)
    front.outbox = object()  # type: ignore[assignment]

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=front)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            front.last_beat = asyncio.get_running_loop().time() - silent_s
            return await client.get("/api/v1/health")

    answer = _in_a_fresh_thread(ask)
    assert answer.status_code == status
    if status == 503:
        assert answer.json()["ok"] is False and "has not answered" in answer.json()["error"]
        assert answer.headers["retry-after"] == "2" and answer.headers["x-frame-options"] == "DENY"
    else:
        assert answer.content == b'{"ok":true}'


def test_wire__frames_round_trip_and_oversized_frames_are_refused() -> None:
    async def check() -> None:
        reader = asyncio.StreamReader()
        message = {"type": "http.response.body", "body": b"\x00" * 70_000, "more_body": True}
        reader.feed_data(wire.pack("send", 7, message) + wire.pack("end", 7, False))
        assert await wire.read_frame(reader) == ("send", 7, message)
        assert await wire.read_frame(reader) == ("end", 7, False)
        reader.feed_eof()
        assert await wire.read_frame(reader) is None
        huge = asyncio.StreamReader()
        huge.feed_data(wire.HEADER.pack(wire.MAX_FRAME_BYTES + 1))
        with pytest.raises(ConnectionError):
            await wire.read_frame(huge)

    _in_a_fresh_thread(check)
