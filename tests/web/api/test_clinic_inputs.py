"""POST /api/v1/interpret takes age, pregnancy, lung disease and panniculitis (issue 12)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from aatd.web.app import create_app


def _client() -> TestClient:
    return TestClient(create_app())


def test_interpret__age_and_lung_disease_reach_the_engine() -> None:
    body = {"level": 22, "unit": "mg/dL", "genotype": "ZZ", "fev1_pct": 50, "smoking": "never", "emphysema": True,
            "lung_disease": True}
    with _client() as client:
        adult = client.post("/api/v1/interpret", json={**body, "age": 50}).json()
        infant = client.post("/api/v1/interpret", json={**body, "age": 0.5}).json()
    assert {e["decision"] for e in adult["eligibility"]} == {"consider"}
    assert {e["decision"] for e in infant["eligibility"]} == {"not_indicated"}
    assert "consider_augmentation" not in infant["next_steps"]


def test_interpret__impossible_level_is_a_4xx_naming_the_field() -> None:
    with _client() as client:
        r = client.post("/api/v1/interpret", json={"level": 5000, "unit": "mg/dL", "pregnant": True})
    assert r.status_code in (400, 422) and "level.value" in r.text


def test_interpret__crp_unit_is_declared_with_its_allowed_values_and_defaults_to_mg_l() -> None:
    with _client() as client:
        schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["InterpretIn"]
        body = {"level": "100", "unit": "mg/dL", "crp": "1.2"}
        us = client.post("/api/v1/interpret", json={**body, "crp_unit": "mg/dL"}).json()
        default = client.post("/api/v1/interpret", json=body).json()
        wrong = client.post("/api/v1/interpret", json={**body, "crp_unit": "mmol/L"})
    prop = schema["properties"]["crp_unit"]
    assert prop["enum"] == ["mg/L", "mg/dL"] and prop["default"] == "mg/L"
    assert (us["inflamed"], us["inputs"]["crp_mg_l"], us["inputs"]["crp_unit"]) == (True, 12.0, "mg/dL")
    assert (default["inflamed"], default["inputs"]["crp_mg_l"], default["inputs"]["crp_unit"]) == (False, 1.2, "mg/L")
    assert wrong.status_code == 422 and wrong.json()["ok"] is False
    assert wrong.json()["errors"][0]["field"] == "crp_unit" and wrong.json()["errors"][0]["value"] == "mmol/L"
