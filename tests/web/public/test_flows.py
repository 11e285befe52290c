"""Should I be tested (answer first, symptoms), Our family (add a relative, untested partner),
My lungs (units, measured FEV1)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

LUNGS = {"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "50", "smoking": "never"}


def test_should_i_be_tested__answer_then_what_to_do_then_reasons_collapsed(client: TestClient) -> None:
    html = client.post("/public/should-i-be-tested", data={"submitted": "1", "finding": "copd"}).text
    answer, todo, told = html.index('class="answer'), html.index("What to do next"), html.index("What you told us")
    reasons = html.index('<details class="reasons">')
    assert answer < todo < told < reasons


def test_should_i_be_tested__symptoms_lead_to_a_breathing_test(client: TestClient) -> None:
    html = client.post("/public/should-i-be-tested", data={"submitted": "1", "symptoms": "1"}).text
    assert "Ask your doctor for a breathing test" in html and 'href="/public/ask/breathless-test"' in html
    plain = client.post("/public/should-i-be-tested", data={"submitted": "1"}).text
    assert "Ask your doctor for a breathing test" not in plain


def test_should_i_be_tested__a_sibling_result_links_to_the_family_chances(client: TestClient) -> None:
    html = client.post("/public/should-i-be-tested", data={"submitted": "1", "finding": "sibling_with_aatd"}).text
    assert 'href="/public/our-family#tree"' in html


def test_our_family__shows_filled_rows_and_one_empty_row_then_adds_one(client: TestClient) -> None:
    assert client.get("/public/our-family").text.count('class="relative"') == 5
    html = client.post("/public/our-family", data={"tree": "1", "country": "USA", "m0_name": "Ann",
                                                   "m0_result": "ZZ", "add_row": "1"}).text
    assert html.count('class="relative"') == 3 and "Each relative's chances" not in html


def test_our_family__untested_partner_uses_the_country_frequencies(client: TestClient) -> None:
    html = client.post("/public/our-family", data={"punnett": "1", "p1": "ZZ", "p2": "", "p2_country": "Ireland"}).text
    assert "was not tested" in html and "Ireland" in html
    assert re.search(r"about a \d+(\.\d)?% chance of a severe form", html)


@pytest.mark.parametrize(("field", "data"), [
    ("p2_country", {"punnett": "1", "p1": "ZZ", "p2": ""}),
    ("country", {"tree": "1", "m0_name": "Ann", "m0_genotype": "ZZ"}),
])
@pytest.mark.parametrize("country", ["Atlantis", "Denmark"])  # unknown; a survey that published Z only
def test_our_family__a_country_that_cannot_be_used_is_refused_on_its_own_field(
        client: TestClient, field: str, data: dict[str, str], country: str) -> None:
    bad = client.post("/public/our-family", data=data | {field: country})
    assert bad.status_code == 422
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', bad.text, re.S)
    assert error is not None and country in error.group(1)
    assert ("S and Z" in error.group(1)) == (country == "Denmark")
    assert re.search(rf'<select id="{field}" name="{field}" aria-describedby="{field}-error" aria-invalid="true">',
                     bad.text)


def test_my_lungs__feet_and_inches_give_the_same_answer_as_centimetres(client: TestClient) -> None:
    cm = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "177.8"}).text
    ft = client.post("/public/my-lungs", data=LUNGS | {"height_ft": "5", "height_in": "10"}).text
    assert re.findall(r"about (\d\.\d) litres", cm) == re.findall(r"about (\d\.\d) litres", ft)


def test_my_lungs__a_measured_fev1_anchors_the_curve(client: TestClient) -> None:
    model = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "178"}).text
    measured = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "178", "fev1": "1.6"}).text
    first = re.findall(r"about (\d\.\d) litres", model)[0]
    anchored = re.findall(r"about (\d\.\d) litres", measured)[0]
    assert float(anchored) < float(first)


def test_my_lungs__pounds_and_bad_heights_are_checked(client: TestClient) -> None:
    ok = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "178", "weight": "180", "weight_unit": "lb"})
    assert ok.status_code == 200
    bad = client.post("/public/my-lungs", data=LUNGS | {"height_ft": "9"})
    assert bad.status_code == 422 and 'id="height_ft-error"' in bad.text


def test_should_i_be_tested__a_sibling_with_aatd_is_turned_into_chances(client: TestClient) -> None:
    html = client.post("/public/should-i-be-tested", data={"submitted": "1", "finding": "sibling_with_aatd"}).text
    assert "1 in 4 chance of being ZZ" in html and "1 in 2 chance of being MZ" in html
    es = client.post("/public/should-i-be-tested?lang=es", data={"submitted": "1", "finding": "sibling_with_aatd"}).text
    assert "probabilidad de 1 de cada 4 de ser ZZ" in es


def test_my_lungs__the_country_chooses_the_life_table_and_the_page_names_it(client: TestClient) -> None:
    form = client.get("/public/my-lungs").text
    assert 'name="country"' in form and '<option value="Nigeria">' in form
    assert '<option value="USA" selected>' in form
    html = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "178", "country": "Nigeria"}).text
    assert "Life table used: Nigeria." in html
    assert "United Nations" in html  # the UN table is cited among the sources
    us = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "178"}).text
    assert "Life table used: USA." in us
    # the lung curves do not depend on the life table, as the page says
    assert re.findall(r"about (\d\.\d) litres", html) == re.findall(r"about (\d\.\d) litres", us)
    pdf = client.post("/public/my-lungs.pdf", data=LUNGS | {"height_cm": "178", "country": "Nigeria"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


def test_my_lungs__a_country_without_a_table_is_refused_on_its_field(client: TestClient) -> None:
    bad = client.post("/public/my-lungs", data=LUNGS | {"height_cm": "178", "country": "Atlantis"})
    assert bad.status_code == 422 and 'id="country-error"' in bad.text and "United Kingdom" in bad.text


def test_should_i_be_tested__panniculitis_at_16_is_not_covered_not_do_not_test(client: TestClient) -> None:
    """Wave 9: ATS/ERS and A1F 2016 name panniculitis for adults; at 16 the answer says the guidelines do not
    cover this age and to ask a doctor, never that they do not call for a test (English and Spanish)."""
    import html as markup

    data = {"submitted": "1", "finding": "necrotising_panniculitis", "age": "16"}
    page = markup.unescape(client.post("/public/should-i-be-tested?lang=en", data=data).text)
    assert "so they do not answer this for your age. Ask your doctor. A test can be done at any age." in page
    assert "the guidelines do not call for a test" not in page
    assert "Guidelines written for older people, so they do not cover your age:" in page
    es = markup.unescape(client.post("/public/should-i-be-tested?lang=es", data=data).text)
    assert "así que no responden a esto para su edad. Pregunte a su médico." in es
    adult = markup.unescape(client.post("/public/should-i-be-tested?lang=en", data=data | {"age": "18"}).text)
    assert "Yes. From your answers, guidelines recommend a test for AATD." in adult
