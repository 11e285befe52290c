"""Property-based testing of the whole API from its OpenAPI document: no input gives a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from aatd.web.app import create_app
from web.conftest import PASSWORD, make_settings, seed_users


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(make_settings(tmp, f"sqlite:///{tmp / 'aatd.sqlite3'}"))
    seed_users(app)
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", json={"email": "admin@a.org", "password": PASSWORD}).json()["token"]
        client.post("/api/v1/patients", json={"label": "Seed", "sex": "female"},
                    headers={"Authorization": f"Bearer {token}"})
        app.state.fuzz_token = token
        yield app
    app.state.engine.dispose()


def _check(case: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    # do not revoke the token the other cases use, nor sign its user out everywhere
    if (case.path, case.method) in {("/api/v1/auth/token", "DELETE"), ("/api/v1/auth/tokens/{token_id}", "DELETE"),
                                    ("/api/v1/users/{user_id}/password", "POST")}:
        headers = {}
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert body["ok"] is False and body["status"] == response.status_code


def test_openapi__no_server_errors(fuzz_app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            _check(case, fuzz_app.state.fuzz_token)

        run()
