"""Capability registry: engine routes and pages appear only when their engine exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aatd.web import capabilities
from aatd.web.app import create_app
from web.conftest import World, make_settings


def test_available__only_known_capabilities() -> None:
    assert capabilities.available() <= {c.name for c in capabilities.CAPABILITIES}


def test_create_app__absent_engines_have_no_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capabilities, "available", lambda: frozenset())
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'a.sqlite3'}"))
    client = TestClient(app)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/genotype" in paths and not {"/api/v1/interpret", "/api/v1/risk"} & set(paths)
    assert client.post("/api/v1/interpret", json={}).status_code == 404
    app.state.engine.dispose()


def _patient_with_results(world: World) -> tuple[TestClient, int]:
    headers = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "Rita", "sex": "female", "birth_year": 1975},
                            headers=headers).json()["id"]
    for body in ({"kind": "genotype", "taken_on": "2020-01-01", "text": "ZZ"},
                 {"kind": "level", "taken_on": "2020-01-01", "value": 5, "unit": "umol/L"},
                 {"kind": "spirometry", "taken_on": "2020-01-01", "fev1_l": 2.6, "fvc_l": 3.5},
                 {"kind": "spirometry", "taken_on": "2024-01-01", "fev1_l": 2.2, "fvc_l": 3.3}):
        assert world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=headers).status_code == 201
    return world.login("doc@a.org"), pid


@pytest.mark.skipif(not capabilities.has("risk"), reason="the progression engine is not in this build")
def test_risk_page__trajectory_with_measured_fev1_points(sqlite_world: World) -> None:
    browser, pid = _patient_with_results(sqlite_world)
    page = browser.get(f"/patients/{pid}/risk", params={"height_cm": 165, "smoking": "never"})
    assert page.status_code == 200 and f"/patients/{pid}/risk.svg?" in page.text and "Cirrhosis" in page.text
    svg = browser.get(f"/patients/{pid}/risk.svg", params={"height_cm": 165, "scenario": "no-dust"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count("<circle") >= 3  # two measured points plus the legend marker
    assert "style=" not in svg.text and "<script" not in svg.text


@pytest.mark.skipif(not capabilities.has("risk"), reason="the progression engine is not in this build")
def test_risk_page__missing_inputs_named(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    headers = sqlite_world.token("doc@a.org")
    pid = sqlite_world.client.post("/api/v1/patients", json={"label": "Sam", "sex": "male"}, headers=headers).json()["id"]
    page = browser.get(f"/patients/{pid}/risk")
    assert page.status_code == 422 and "genotype result recorded" in page.text


@pytest.mark.skipif(not capabilities.has("interpret"), reason="the interpretation engine is not in this build")
def test_patient_page__shows_interpretation_and_next_steps(sqlite_world: World) -> None:
    browser, pid = _patient_with_results(sqlite_world)
    page = browser.get(f"/patients/{pid}")
    assert page.status_code == 200 and "Interpretation" in page.text and "Next steps" in page.text
    assert browser.get(f"/patients/{pid}/report.pdf").content.startswith(b"%PDF")
