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
    made = sqlite_world.client.post("/api/v1/patients", json={"label": "Sam", "sex": "male"}, headers=headers)
    pid = made.json()["id"]
    page = browser.get(f"/patients/{pid}/risk")
    assert page.status_code == 422 and "genotype result recorded" in page.text


@pytest.mark.skipif(not capabilities.has("interpret"), reason="the interpretation engine is not in this build")
def test_patient_page__shows_interpretation_and_next_steps(sqlite_world: World) -> None:
    browser, pid = _patient_with_results(sqlite_world)
    page = browser.get(f"/patients/{pid}")
    assert page.status_code == 200 and "Interpretation" in page.text and "Next steps" in page.text
    assert browser.get(f"/patients/{pid}/report.pdf").content.startswith(b"%PDF")


@pytest.mark.skipif(not capabilities.has("should-test"), reason="the testing engine is not in this build")
def test_should_test_page__guidelines_for_findings(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    page = browser.get("/should-test", params={"findings": "copd, emphysema", "age": "", "pack_years": "20"})
    assert page.status_code == 200 and "Recommendation of each guideline" in page.text
    bad = browser.get("/should-test", params={"findings": "headache-xyz"})
    assert bad.status_code == 422 and "headache-xyz" in bad.text


@pytest.mark.skipif(not capabilities.has("pedigree"), reason="the pedigree engine is not in this build")
def test_family_page__probabilities_cascade_plan_and_drawing(sqlite_world: World) -> None:
    headers = sqlite_world.token("doc@a.org")
    doc = {"country": "Ireland", "members": [
        {"id": "f", "label": "Dad", "sex": "male"}, {"id": "m", "label": "Mum", "sex": "female"},
        {"id": "p", "label": "Ann", "sex": "female", "father": "f", "mother": "m", "genotype": "ZZ"},
        {"id": "s", "label": "Bob", "sex": "male", "father": "f", "mother": "m"}]}
    family = sqlite_world.client.post("/api/v1/families/import", json=doc, headers=headers).json()
    assert family["country"] == "Ireland"
    browser = sqlite_world.login("doc@a.org")
    page = browser.get(f"/families/{family['id']}")
    assert page.status_code == 200 and "Cascade testing plan" in page.text and "probabilities-table" in page.text
    plan = page.text.split('<ol class="plan">')[1].split("</ol>")[0]
    assert plan.index("Bob") < plan.index("Mum")  # the untested sibling of a ZZ proband comes first
    svg = browser.get(f"/families/{family['id']}/pedigree.svg")
    assert svg.status_code == 200 and svg.text.lstrip().startswith("<svg") and "Bob" in svg.text


@pytest.mark.skipif(not capabilities.has("pedigree"), reason="the pedigree engine is not in this build")
def test_pedigree_api__plan_and_field_errors(sqlite_world: World) -> None:
    doc = {"country": "Ireland", "members": [{"id": "a", "sex": "male", "genotype": "ZZ"},
                                             {"id": "b", "sex": "female", "genotype": "MM"},
                                             {"id": "c", "sex": "female", "father": "a", "mother": "b"}]}
    answer = sqlite_world.client.post("/api/v1/pedigree", params={"plan": True}, json=doc)
    assert answer.status_code == 200 and answer.json()["plan"][0]["id"] == "c"
    assert answer.json()["members"]["c"]["p_carrier"] == pytest.approx(1.0)
    impossible = doc | {"members": [*doc["members"][:2], {"id": "c", "sex": "female", "father": "a", "mother": "b",
                                                          "genotype": "MM"}]}
    refused = sqlite_world.client.post("/api/v1/pedigree", json=impossible)
    assert refused.status_code == 422 and refused.json()["ok"] is False


def test_family_settings__unknown_country_refused_with_suggestions(sqlite_world: World) -> None:
    headers = sqlite_world.token("doc@a.org")
    made = sqlite_world.client.post("/api/v1/families", json={"name": "F", "country": "Irland"}, headers=headers)
    assert made.status_code == 422 and made.json()["errors"][0]["field"] == "country"
    assert "Ireland" in made.json()["error"]


@pytest.mark.skipif(not capabilities.has("interpret"), reason="the interpretation engine is not in this build")
def test_patient_page__panel_passed_to_interpretation_or_explained(sqlite_world: World) -> None:
    browser, pid = _patient_with_results(sqlite_world)
    headers = sqlite_world.token("doc@a.org")
    body = {"kind": "genotype", "taken_on": "2021-01-01", "text": "ZZ", "panel": "sequencing"}
    sqlite_world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=headers)
    page = browser.get(f"/patients/{pid}").text
    assert "panel not stated" not in page and 'list="panel-codes"' in page
    body |= {"taken_on": "2022-01-01", "panel": "in-house PCR"}
    sqlite_world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=headers)
    assert "panel &#39;in-house PCR&#39; is not one the interpretation knows" in browser.get(f"/patients/{pid}").text
