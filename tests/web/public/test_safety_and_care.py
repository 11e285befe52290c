"""Public pages: crisis help first in "Ask a question", the Find care page and its deployer settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aatd.errors import InputError
from aatd.patients.find_care import COLUMNS, load_places, places_for

from .support import build_app


@pytest.mark.parametrize("query", ["i want to die", "I feel suicidal", "quiero morirme"])
def test_ask__distress_shows_the_crisis_line_first_and_no_did_you_mean(client: TestClient, query: str) -> None:
    html = client.get("/public/ask", params={"q": query}).text
    assert 'class="crisis"' in html and "988" in html and 'href="tel:988"' in html
    assert "Did you mean" not in html
    assert html.index('class="crisis"') < html.index("results-title")


def test_ask__crisis_line_follows_the_configured_country(tmp_path: Path) -> None:
    with TestClient(build_app(tmp_path, {"AATD_COUNTRY": "GB"})) as c:
        html = c.get("/public/ask", params={"q": "I want to kill myself"}).text
    assert "Samaritans" in html and "116 123" in html and "999" in html


def test_ask__urgent_symptoms_keep_the_emergency_box(client: TestClient) -> None:
    html = client.get("/public/ask", params={"q": "coughing blood"}).text
    assert 'class="urgent"' in html and 'class="crisis"' not in html


def test_ask__specialist_answers_link_to_find_care(client: TestClient) -> None:
    html = client.get("/public/ask", params={"q": "where can I find a specialist"}).text
    assert 'href="/public/find-care"' in html.split("results-title", 1)[1]
    assert 'href="/public/find-care"' in client.get("/public/ask/find-specialist").text


def test_find_care__lists_the_country_first_with_check_dates(client: TestClient) -> None:
    html = client.get("/public/find-care").text
    assert html.index("Alpha-1 Foundation") < html.index("Alpha-1 UK Support Group")
    assert "Checked on 2026-11-29" in html and "1-800-LUNGUSA" in html
    assert "Where we checked it" in html


def test_find_care__deployer_table_replaces_the_packaged_one(tmp_path: Path) -> None:
    table = tmp_path / "care.csv"
    table.write_text(",".join(COLUMNS) + "\n"
                     "nz-clinic,Auckland Alpha-1 Clinic,NZ,patient organisation,https://example.org,0800 000 000,"
                     "Clinic and support,English,https://example.org/about,2026-11-01,\n", encoding="utf-8")
    with TestClient(build_app(tmp_path, {"AATD_COUNTRY": "NZ", "AATD_FIND_CARE_FILE": str(table)})) as c:
        html = c.get("/public/find-care").text
        home = c.get("/public").text
    assert "Auckland Alpha-1 Clinic" in html and "Alpha-1 Foundation" not in html
    assert "Auckland Alpha-1 Clinic: 0800 000 000" in home


def test_find_care__bad_deployer_table_names_the_field(tmp_path: Path) -> None:
    table = tmp_path / "care.csv"
    table.write_text(",".join(COLUMNS) + "\nx,X,NZ,shop,,,y,,https://e.org,yesterday,\n", encoding="utf-8")
    with pytest.raises(InputError, match="kind"):
        load_places(table)
    with pytest.raises(InputError, match="AATD_FIND_CARE_FILE"):
        load_places(tmp_path / "missing.csv")


def test_find_care_table__every_entry_is_cited_and_dated() -> None:
    places = load_places()
    assert len(places) >= 8
    assert all(p.source_url.startswith(("https://", "http://")) and len(p.checked) == 10 for p in places)
    assert {p.country for p in places} >= {"US", "GB", "CA", "EU", "ES"}
    spain = places_for("ES")["here"]
    assert any(p.country == "EU" for p in spain) and any(p.country == "ES" for p in spain)


def test_language__switch_sets_a_cookie_and_accept_language_chooses_spanish(client: TestClient) -> None:
    r = client.get("/public/find-care", params={"lang": "es"})
    assert 'lang="es"' in r.text and "aatd_lang=es" in r.headers.get("set-cookie", "")
    with TestClient(client.app) as fresh:
        assert '<html lang="es">' in fresh.get("/public", headers={"accept-language": "es-US,es;q=0.9"}).text
        assert '<html lang="en">' in fresh.get("/public", headers={"accept-language": "en-US"}).text
        fresh.cookies.set("aatd_lang", "es")
        assert '<html lang="es">' in fresh.get("/public/ask").text


def test_find_care__spanish_page_names_each_kind_in_spanish(client: TestClient) -> None:
    html = client.get("/public/find-care", params={"lang": "es"}).text
    assert "Asociación de pacientes" in html and "Línea de ayuda" in html and "Patient group" not in html
