"""The public "my result" form passes age and pregnancy to the same core function (issue 12)."""

from __future__ import annotations

from fastapi.testclient import TestClient

DRIP = "There is a treatment given by drip into a vein."


def test_my_result__an_infant_is_not_offered_augmentation(client: TestClient) -> None:
    form = {"submitted": "1", "level": "22", "unit": "mg/dL", "kind": "genotype", "result": "ZZ", "age": "1"}
    r = client.post("/public/my-result", data=form)
    assert r.status_code == 200 and DRIP not in r.text
    assert "clinic will check the liver and growth" in r.text


def test_my_result__pregnancy_is_said(client: TestClient) -> None:
    form = {"submitted": "1", "level": "140", "unit": "mg/dL", "kind": "genotype", "result": "", "pregnant": "yes"}
    r = client.post("/public/my-result", data=form)
    assert r.status_code == 200 and "Pregnancy raises alpha-1 levels." in r.text


def test_my_result__a_bad_age_names_the_field(client: TestClient) -> None:
    r = client.post("/public/my-result", data={"submitted": "1", "level": "40", "unit": "mg/dL", "age": "old"})
    assert r.status_code == 422 and 'id="age-error"' in r.text


def test_my_result__an_implausible_unit_is_flagged(client: TestClient) -> None:
    r = client.post("/public/my-result", data={"submitted": "1", "level": "120", "unit": "g/L"})
    assert r.status_code == 200 and "The unit on your result looks wrong." in r.text
