"""Request plumbing of aatd.web.deps: how many hops to a worker thread a request costs, and that the JSON a
DbRoute writes in its own thread is byte for byte what FastAPI writes.

Each hop to a worker thread is work on the event loop and a thread woken up; under load they
delayed every request's turn on the loop (the health check's p99). A database route now costs
two hops (the caller's identity, then the route with its commit and its JSON), where it cost five;
an anonymous request, with nobody to look up, costs none for the caller's identity.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio.to_thread
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from aatd.web.deps import SESSION_COOKIE, Db, DbRoute
from aatd.web.models import Organisation
from aatd.web.workspace import accounts
from web.conftest import PASSWORD, World

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The functions sent to worker threads (FastAPI and Starlette all go through anyio)."""
    sent: list[str] = []
    original = anyio.to_thread.run_sync

    async def counting(function: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(_name(function))
        return await original(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    yield sent


def _name(function: Any) -> str:
    """The name of what runs: FastAPI sends ``partial(f, ...)``, and a sync route as
    ``partial(_run_sync_endpoint, function=route, ...)``."""
    while isinstance(function, functools.partial):
        function = function.keywords.get("function", function.func)
    return str(getattr(function, "__name__", repr(function)))


def _records(world: World) -> tuple[dict[str, str], int, int]:
    """An admin's token, and a family with a patient who has results (quotes, accents, a long note)."""
    auth = world.token("admin@a.org")
    family = world.client.post("/api/v1/families", json={"name": 'The "Ó Briain" family'}, headers=auth).json()
    patient = world.client.post("/api/v1/patients", json={"label": "Máire <b>", "sex": "female",
                                                          "family_id": family["id"]}, headers=auth).json()
    for i, note in enumerate(["first", 'a "quoted" note', "é" * 400]):
        created = world.client.post(f"/api/v1/patients/{patient['id']}/results", headers=auth,
                                    json={"kind": "crp", "taken_on": f"2024-01-0{i + 1}", "value": 2.5, "note": note})
        assert created.status_code == 201, created.text
    return auth, int(family["id"]), int(patient["id"])


def test_db_route__two_hops_to_a_worker_thread_per_request(sqlite_world: World, hops: list[str]) -> None:
    auth, _family, pid = _records(sqlite_world)
    hops.clear()
    response = sqlite_world.client.get(f"/api/v1/patients/{pid}/results", headers=auth)
    assert response.status_code == 200 and len(response.json()) == 3
    assert hops == ["list_results"]
    hops.clear()
    created = sqlite_world.client.post(f"/api/v1/patients/{pid}/results", headers=auth,
                                       json={"kind": "crp", "taken_on": "2024-02-01", "value": 3})
    assert created.status_code == 201 and hops == ["add_result"]


@pytest.fixture
def transactions(sqlite_world: World) -> Iterator[list[str]]:
    """The database transactions begun (one entry each)."""
    begun: list[str] = []

    def count(_connection: Any) -> None:
        begun.append("begin")

    event.listen(sqlite_world.app.state.engine, "begin", count)
    yield begun
    event.remove(sqlite_world.app.state.engine, "begin", count)


def test_db_route__api_token_looked_up_in_the_routes_own_thread_and_transaction(
        sqlite_world: World, hops: list[str], transactions: list[str]) -> None:
    """An API call with a bearer token costs one hop and one transaction: the token is looked up where the
    route runs (it cost a hop and a transaction of its own)."""
    auth, _family, pid = _records(sqlite_world)
    hops.clear()
    transactions.clear()
    assert sqlite_world.client.get(f"/api/v1/patients/{pid}", headers=auth).status_code == 200
    assert hops == ["get_patient"] and transactions == ["begin"]


def test_db_route__bad_token_answered_before_bad_input(sqlite_world: World) -> None:
    """Looking the token up in the route's thread keeps the order of the answers: a bad, read-only or
    clinician's token gets 401/403 also when the input is invalid too (the route never ran), and a good
    token with invalid input gets the 422."""
    auth, _family, pid = _records(sqlite_world)
    client = sqlite_world.client
    bad = {"Authorization": "Bearer not-a-token"}
    garbage = {"kind": "no such kind", "taken_on": "yesterday"}
    good = {"kind": "crp", "taken_on": "2024-01-01", "value": 1}
    for headers, body, status in [(bad, garbage, 401), (bad, good, 401), (auth, garbage, 422),
                                  ({"Authorization": "Basic x"}, garbage, 401)]:
        answer = client.post(f"/api/v1/patients/{pid}/results", json=body, headers=headers)
        assert answer.status_code == status, (headers, body, answer.text)
        assert answer.json()["ok"] is False
        if status == 401:
            assert answer.headers["www-authenticate"] == "Bearer"
    read_only = client.post("/api/v1/auth/token", json={"email": "admin@a.org", "password": PASSWORD,
                                                        "scope": "read"}).json()["token"]
    answer = client.post(f"/api/v1/patients/{pid}/results", json=garbage,
                         headers={"Authorization": f"Bearer {read_only}"})
    assert answer.status_code == 403 and "read-only" in answer.json()["error"]
    clinician = sqlite_world.token("doc@a.org")
    assert client.post("/api/v1/users", json={"email": 5}, headers=clinician).status_code == 403
    assert client.post("/api/v1/users", json={"email": 5}, headers=auth).status_code == 422
    assert client.get("/api/v1/users", headers=clinician).status_code == 403
    assert client.get("/api/v1/users", headers=auth).status_code == 200
    assert client.get(f"/api/v1/patients/{pid}", headers=bad).status_code == 401


def test_optional_principal__no_hop_for_a_caller_without_credentials(sqlite_world: World, hops: list[str]) -> None:
    """An anonymous engine request (no ``Authorization`` header, no session cookie) has nobody to look up:
    it costs the route's own hops only; a caller with a token is looked up in a worker thread, as before."""
    anonymous = sqlite_world.client.get("/api/v1/genotype", params={"genotype": "PI*ZZ"})
    assert anonymous.status_code == 200 and anonymous.json()["genotype"] == "ZZ"
    assert hops == ["genotype", "validate"]  # the route, then FastAPI's check of its answer
    auth = sqlite_world.token("doc@a.org")
    hops.clear()
    signed_in = sqlite_world.client.get("/api/v1/genotype", params={"genotype": "PI*ZZ"}, headers=auth)
    assert signed_in.status_code == 200 and signed_in.json() == anonymous.json()
    assert hops == ["look_up_principal", "genotype", "validate"]
    hops.clear()
    wrong = sqlite_world.client.get("/api/v1/genotype", params={"genotype": "PI*ZZ"},
                                    headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401 and hops == ["look_up_principal"]


def test_db_route__json_written_in_the_thread_is_fastapis_own(sqlite_world: World,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The same requests answered with the JSON written in the route's thread and by FastAPI itself
    (``DbRoute.written`` switched off): same status, headers and bytes."""
    auth, family, pid = _records(sqlite_world)
    paths = ["/api/v1/patients", f"/api/v1/patients/{pid}", f"/api/v1/patients/{pid}/results", "/api/v1/families",
             f"/api/v1/families/{family}", f"/api/v1/families/{family}/members", f"/api/v1/families/{family}/export",
             "/api/v1/users", "/api/v1/auth/tokens", "/api/v1/me", f"/api/v1/patients/{pid + 1000}",
             "/api/v1/patients/0"]
    written: list[int] = []
    original = DbRoute.written

    def spy(route: DbRoute, answer: Any) -> Any:
        out = original(route, answer)
        written.append(out is not answer)
        return out

    monkeypatch.setattr(DbRoute, "written", spy)
    ours = [sqlite_world.client.get(path, headers=auth) for path in paths]
    assert sum(written) == 10  # every answer with a body; the 404 and 422 never reach it
    monkeypatch.setattr(DbRoute, "written", lambda route, answer: answer)
    theirs = [sqlite_world.client.get(path, headers=auth) for path in paths]
    for path, a, b in zip(paths, ours, theirs, strict=True):
        assert (a.status_code, a.content) == (b.status_code, b.content), path
        assert a.headers == b.headers, path
    assert [r.status_code for r in ours[-2:]] == [404, 422]
    monkeypatch.setattr(DbRoute, "written", original)
    created = sqlite_world.client.post("/api/v1/patients", json={"label": "New", "sex": "male",
                                                                 "family_id": family}, headers=auth)
    assert created.status_code == 201 and created.headers["content-type"] == "application/json"
    assert created.json()["label"] == "New" and re.fullmatch(r"\d+", str(created.json()["id"]))


def _organisations(world: World) -> int:
    with world.app.state.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Organisation)) or 0)


def test_get_db__work_left_open_is_committed_or_rolled_back_in_a_worker_thread(sqlite_world: World,
                                                                               hops: list[str]) -> None:
    """A route that leaves its transaction open still gets it committed (or rolled back after an error)
    in a worker thread; a route that ended its transaction costs no hop for its session."""
    app = sqlite_world.app

    @app.get("/left-open")
    async def left_open(db: Db, fail: bool = False) -> dict[str, bool]:
        await anyio.to_thread.run_sync(lambda: accounts.organisation(db, f"Left open {fail}", create=True))
        if fail:
            raise HTTPException(409, "failed after writing")
        return {"ok": True}

    before = _organisations(sqlite_world)
    hops.clear()
    assert sqlite_world.client.get("/left-open").status_code == 200
    assert hops[-1] == "_finish" and _organisations(sqlite_world) == before + 1
    assert sqlite_world.client.get("/left-open", params={"fail": "true"}).status_code == 409
    assert _organisations(sqlite_world) == before + 1
    hops.clear()
    assert sqlite_world.client.get("/api/v1/health").status_code == 200 and hops == []


def test_db_route__browser_session_looked_up_in_the_routes_own_thread(
        sqlite_world: World, hops: list[str], transactions: list[str]) -> None:
    """A page or API call with a session cookie also costs one hop and one transaction, CSRF-checked
    there; a wrong CSRF token, an unknown session or nobody still get 403, the login page or 401 first,
    also when the input is invalid too, and a good session with invalid input gets the 422."""
    _auth, _family, pid = _records(sqlite_world)
    browser = sqlite_world.login("admin@a.org")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/patients").text)
    assert csrf is not None
    form = {"csrf_token": csrf[1], "kind": "crp", "taken_on": "2024-03-01", "value": "2"}
    hops.clear()
    transactions.clear()
    saved = browser.post(f"/patients/{pid}/results", data=form, follow_redirects=False)
    assert saved.status_code == 303 and hops == ["add_result"] and transactions == ["begin"]
    hops.clear()
    transactions.clear()
    assert browser.get(f"/api/v1/patients/{pid}").status_code == 200
    assert hops == ["get_patient"] and transactions == ["begin"]
    wrong = form | {"csrf_token": "wrong"}
    for path in (f"/patients/{pid}/results", "/patients/0/results", "/patients/x/results"):
        refused = browser.post(path, data=wrong, follow_redirects=False)
        assert refused.status_code == 403 and "CSRF" in refused.text, path
    assert browser.post("/patients/x/results", data=form, follow_redirects=False).status_code == 422
    stranger = TestClient(sqlite_world.app, cookies={SESSION_COOKIE: "not-a-session"})
    for path in (f"/patients/{pid}/results", "/patients/x/results"):
        sent = stranger.post(path, data=form, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/login?next="), path
    assert stranger.get(f"/api/v1/patients/{pid}").status_code == 401
    nobody = TestClient(sqlite_world.app)
    assert nobody.post("/patients/x/results", data=form, follow_redirects=False).status_code == 303
    assert nobody.get("/api/v1/patients/x").status_code == 401
    assert browser.post(f"/api/v1/patients/{pid}/results", json={"kind": "crp", "taken_on": "2024-03-02",
                                                                "value": 1}).status_code == 403  # no CSRF header
    assert browser.post(f"/api/v1/patients/{pid}/results", json={"kind": "crp", "taken_on": "2024-03-02", "value": 1},
                        headers={"X-CSRF-Token": csrf[1]}).status_code == 201


def test_lend_a_thread__slow_family_inference_leaves_the_only_worker_thread_to_other_requests(
        sqlite_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one worker thread (the default), a family page whose inference takes 2 s lends itself a
    thread: a clinician's API read that arrives meanwhile is answered before the family page is, and
    the thread limit is back to one afterwards. (Without the loan the read waited for the family.)"""
    import httpx

    import aatd.web.clinician.answers as answers
    from web.clinician.test_pages import _new_family

    browser = sqlite_world.login("doc@a.org")
    family_id, _token = _new_family(browser)
    headers = sqlite_world.token("doc@a.org")
    real = answers.family_answer

    def slow_family_answer(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(answers, "family_answer", slow_family_answer)
    answers._family_answers.cache_clear()
    finished: dict[str, float] = {}
    limits: list[float] = []

    async def scenario() -> None:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        transport = httpx.ASGITransport(app=sqlite_world.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                     cookies=dict(browser.cookies)) as client:
            async def get(name: str, path: str, headers: dict[str, str] | None = None) -> None:
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, response.text
                finished[name] = time.monotonic()

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(get, "family", f"/families/{family_id}")
                await anyio.sleep(0.5)  # the family page is inferring in the only worker thread
                limits.append(limiter.total_tokens)
                tasks.start_soon(get, "patients", "/api/v1/patients", headers)
        limits.append(limiter.total_tokens)

    with ThreadPoolExecutor(1) as thread:  # a fresh event loop in a fresh thread
        thread.submit(anyio.run, scenario).result()
    assert finished["patients"] < finished["family"]
    assert limits == [2, 1]
