"""The public pages in process: every page renders, bad input names the field, the PDF is one page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aatd.errors import InputError
from aatd.web.public.rendering import PublicSettings, load_public_settings, percent

from .support import HELPLINE, build_app

PAGES = ["/public", "/public/learn", "/public/should-i-be-tested", "/public/my-result", "/public/our-family",
         "/public/my-lungs", "/public/ask"]
FAMILY_OF_FOUR = {"tree": "1", "country": "USA",
                  "m0_name": "Mum", "m0_sex": "female", "m0_result": "MZ",
                  "m1_name": "Dad", "m1_sex": "male", "m1_result": "MZ",
                  "m2_name": "Anna", "m2_sex": "female", "m2_father": "Dad", "m2_mother": "Mum", "m2_result": "ZZ",
                  "m3_name": "Ben", "m3_sex": "male", "m3_father": "Dad", "m3_mother": "Mum"}


@pytest.mark.parametrize("path", PAGES)
def test_public_pages__render_with_landmarks_and_disclaimer(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code in (200, 404)  # 404 only for a page whose engine is absent
    assert '<main id="main"' in r.text and "<nav" in r.text and '<html lang="en">' in r.text
    assert "does not replace" in r.text
    assert "content-security-policy" in r.headers


def test_home__links_each_available_part_and_shows_the_helpline(client: TestClient) -> None:
    html = client.get("/public").text
    assert 'href="/public/my-result"' in html and 'href="/public/our-family"' in html
    assert HELPLINE["AATD_HELPLINE_TEXT"] in html and 'href="tel:0800123456"' in html


def test_home__shows_the_country_helpline_from_the_find_care_table_by_default(tmp_path: Path) -> None:
    with TestClient(build_app(tmp_path, {})) as c:
        html = c.get("/public").text
    assert "Talk to someone near you" in html and "Lung HelpLine" in html and 'href="tel:18005864872"' in html


def test_home__contact_block_can_be_switched_off(tmp_path: Path) -> None:
    with TestClient(build_app(tmp_path, {"AATD_HELPLINE": "off"})) as c:
        html = c.get("/public").text
    assert "Talk to someone near you" not in html


def test_load_public_settings__refuses_a_script_url_and_bad_country() -> None:
    with pytest.raises(InputError, match="AATD_HELPLINE_URL"):
        load_public_settings({"AATD_HELPLINE_TEXT": "x", "AATD_HELPLINE_URL": "javascript:alert(1)"})
    with pytest.raises(InputError, match="AATD_COUNTRY"):
        load_public_settings({"AATD_COUNTRY": "United Kingdom"})
    with pytest.raises(InputError, match="AATD_HELPLINE"):
        load_public_settings({"AATD_HELPLINE": "maybe"})
    assert load_public_settings({"AATD_HELPLINE": "off"}) == PublicSettings()
    assert load_public_settings({"AATD_COUNTRY": "gb"}).helpline_text.startswith("Alpha-1 UK")


def test_percent__rounds_for_people() -> None:
    assert [percent(0.25), percent(0.001), percent(0.999), percent(None)] == ["25%", "<1%", ">99%", ""]


def test_learn_page__shows_sources_and_diagram(client: TestClient) -> None:
    html = client.get("/public/learn/how-it-is-inherited").text
    assert "<h2 id=\"sources-title\">Sources</h2>" in html and "<svg" in html
    assert client.get("/public/learn/no-such-page").status_code == 404


def test_should_i_be_tested__gives_the_guideline_answer_and_why(client: TestClient) -> None:
    r = client.post("/public/should-i-be-tested", data={"submitted": "1", "finding": ["sibling_with_aatd"]})
    assert r.status_code == 200
    assert "guidelines recommend a test" in r.text and "A brother or sister with AATD" in r.text


def test_should_i_be_tested__names_the_bad_field(client: TestClient) -> None:
    r = client.post("/public/should-i-be-tested", data={"submitted": "1", "age": "forty"})
    assert r.status_code == 422
    assert 'id="age-error"' in r.text and 'aria-invalid="true"' in r.text


def test_should_i_be_tested_pdf__is_one_page(client: TestClient) -> None:
    r = client.get("/public/should-i-be-tested.pdf",
                   params=[("submitted", "1"), ("finding", "copd"), ("finding", "smoking_history"), ("age", "52")])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", r.content)) == 1


def test_my_result__explains_a_severe_result(client: TestClient) -> None:
    r = client.post("/public/my-result", data={"submitted": "1", "level": "40", "unit": "mg/dL",
                                               "kind": "genotype", "result": "ZZ"})
    assert r.status_code == 200 and "Your result is very low." in r.text
    assert "Questions to ask your doctor" in r.text


def test_my_result__says_when_to_repeat(client: TestClient) -> None:
    r = client.post("/public/my-result", data={"submitted": "1", "level": "150", "unit": "mg/dL",
                                               "kind": "genotype", "result": "ZZ"})
    assert "This result should be checked again" in r.text


def test_my_result__names_the_bad_field(client: TestClient) -> None:
    r = client.post("/public/my-result", data={"submitted": "1", "level": "lots", "unit": "mg/dL", "result": ""})
    assert r.status_code == 422 and 'id="level-error"' in r.text and "Traceback" not in r.text


def test_my_result__uses_the_engine_for_a_discordant_result() -> None:
    from aatd.web.public.result_view import ResultInput, interpret

    view = interpret(ResultInput(level="150", result="ZZ"))
    assert view["consistent"] is False and view["repeat"] is True


def test_our_family__punnett_square_for_two_carriers(client: TestClient) -> None:
    r = client.post("/public/our-family", data={"punnett": "1", "p1": "MZ", "p2": "MZ"})
    assert r.status_code == 200 and "ZZ" in r.text and ("1 in 4" in r.text or "25%" in r.text)


def test_our_family__names_the_bad_parent(client: TestClient) -> None:
    r = client.post("/public/our-family", data={"punnett": "1", "p1": "MZ", "p2": "QQ"})
    assert r.status_code == 422 and 'id="p2-error"' in r.text


def test_our_family__family_of_four_gives_each_childs_chances(client: TestClient) -> None:
    r = client.post("/public/our-family", data=FAMILY_OF_FOUR)
    assert r.status_code == 200
    ben = re.search(r'<th scope="row"[^>]*>Ben</th><td[^>]*>not tested</td>\s*<td[^>]*>(\S+)</td><td[^>]*>(\S+)</td>',
                    r.text)
    assert ben is not None and ben.groups() == ("25%", "50%")


def test_our_family__unknown_parent_name_is_shown_next_to_the_field(client: TestClient) -> None:
    r = client.post("/public/our-family", data=FAMILY_OF_FOUR | {"m3_mother": "Nobody"})
    assert r.status_code == 422 and 'id="m3_mother-error"' in r.text


def test_my_lungs__plots_smoking_and_quitting_with_a_band(client: TestClient) -> None:
    r = client.post("/public/my-lungs", data={"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "40",
                                              "height_cm": "178", "smoking": "current", "pack_years": "20"})
    assert r.status_code == 200
    assert 'class="band band-0"' in r.text and 'class="median median-1"' in r.text and "If you stop smoking" in r.text


def test_my_lungs__names_the_bad_field(client: TestClient) -> None:
    r = client.post("/public/my-lungs", data={"submitted": "1", "genotype": "ZZ", "age": "", "height_cm": "170"})
    assert r.status_code == 422 and 'id="age-error"' in r.text


def test_ask__corrects_a_misspelt_query(client: TestClient) -> None:
    r = client.get("/public/ask", params={"q": "emfysema"})
    assert r.status_code == 200 and "Did you mean:" in r.text and "<mark>" in r.text
    assert "Talk to your doctor" in r.text and HELPLINE["AATD_HELPLINE_TEXT"] in r.text


def test_ask__escalates_urgent_symptoms(client: TestClient) -> None:
    r = client.get("/public/ask", params={"q": "chest pain and I cannot breathe"})
    assert 'class="urgent" role="alert"' in r.text


def test_ask__question_page_and_unknown_id(client: TestClient) -> None:
    assert "Related questions" in client.get("/public/ask/what-is-emphysema").text
    assert client.get("/public/ask/no-such-question").status_code == 404


def test_home__lists_every_public_page_including_the_dna_check_and_find_care(client: TestClient) -> None:
    names = {"en": ("Check my DNA file", "Find care"), "es": ("Revisar mi archivo de ADN", "Buscar ayuda")}
    for lang, words in names.items():
        html = client.get(f"/public?lang={lang}").text
        parts = html.split('id="parts-title"')[1]
        assert '<a href="/public/check-my-dna">' in parts and '<a href="/public/find-care">' in parts
        assert all(w in parts for w in words)
