"""Request plumbing of aatd.web.deps: how many hops to a worker thread a request costs, and that the JSON a
DbRoute writes in its own thread is byte for byte what FastAPI writes.

Each hop to a worker thread is work on the event loop and a thread woken up; under load they
delayed every request's turn on the loop (the health check's p99). A database route now costs
two hops (the caller's identity, then the route with its commit and its JSON), where it cost five.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import HTTPException
from sqlalchemy import func, select

from aatd.web.deps import Db, DbRoute
from aatd.web.models import Organisation
from aatd.web.workspace import accounts
from web.conftest import World

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
    assert hops == ["optional_principal", "list_results"]
    hops.clear()
    created = sqlite_world.client.post(f"/api/v1/patients/{pid}/results", headers=auth,
                                       json={"kind": "crp", "taken_on": "2024-02-01", "value": 3})
    assert created.status_code == 201 and hops == ["optional_principal", "add_result"]


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
