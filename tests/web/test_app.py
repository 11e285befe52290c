"""What ``aatd serve`` builds before serving (aatd.web.app.build_once), so the first requests do not build it."""

from __future__ import annotations

from typing import Any

import pytest

from aatd.web.app import build_once
from web.conftest import World


def test_build_once__first_requests_build_no_route_and_compile_no_template(sqlite_world: World,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import fastapi.routing
    import jinja2

    built = build_once(sqlite_world.app)
    assert built > 50
    made: list[str] = []
    route_context = fastapi.routing._EffectiveRouteContext  # FastAPI prepares included routes lazily
    original_route = route_context.from_api_route
    original_compile = jinja2.Environment.compile

    def from_api_route(*args: Any, **kwargs: Any) -> Any:
        made.append(f"route {kwargs.get('original_route')}")
        return original_route(*args, **kwargs)

    def compile_template(self: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
        made.append(f"template {args[1] if len(args) > 1 else kwargs.get('name')}")
        return original_compile(self, *args, **kwargs)

    monkeypatch.setattr(route_context, "from_api_route", staticmethod(from_api_route))
    monkeypatch.setattr(jinja2.Environment, "compile", compile_template)
    client = sqlite_world.client
    h = sqlite_world.token("doc@a.org")
    assert client.get("/api/v1/health").status_code == 200
    assert client.post("/api/v1/interpret", json={"genotype": "MZ"}).status_code == 200
    assert client.get("/api/v1/patients", headers=h).status_code == 200
    assert client.get("/public/my-result").status_code == 200
    assert client.get("/public/our-family?lang=es").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    assert made == []
    assert build_once(sqlite_world.app) == built  # idempotent


class _Pool:
    """Records what the app asks of its engine processes."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def shutdown(self, wait: bool = False) -> None:
        self.calls.append(f"shutdown wait={wait}")


@pytest.mark.parametrize("serving", [True, False])
def test_lifespan__a_server_stopping_joins_its_engine_processes(sqlite_world: World, serving: bool) -> None:
    """``aatd serve`` joins the engine processes when it stops (their queues' semaphores were reported leaked
    when uvicorn ended the process by SIGTERM); an app that is not serving (tests) leaves the shared pool."""
    from fastapi.testclient import TestClient

    from aatd.web.budget import ComputeBudget

    pool = _Pool()
    app = sqlite_world.app
    app.state.budget = ComputeBudget(pool=pool)  # type: ignore[arg-type]
    app.state.serving = serving
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert ("shutdown wait=True" in pool.calls) is serving
