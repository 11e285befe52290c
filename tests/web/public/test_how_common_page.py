"""The "How common is AATD?" answer: a country picker, its sentences and every country's row."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from aatd.knowledge import knowledge
from aatd.limits import LABEL


def test_no_country__the_picker_and_every_country(client: TestClient) -> None:
    page = client.get("/public/ask/how-common")
    assert page.status_code == 200
    assert "How common is it where you live?" in page.text
    assert page.text.count('<th scope="row">') == len(knowledge().countries)
    assert 'id="where"' not in page.text


def test_a_country__its_sentences_and_source(client: TestClient) -> None:
    page = client.get("/public/ask/how-common", params={"country": "Spain"})
    assert page.status_code == 200
    assert "In Spain, about 1 in 2,600 people has two Z genes (ZZ)" in page.text
    assert "Source: Blanco 1999, PMID 10562938." in page.text
    assert '<option value="Spain" selected>' in page.text


def test_unknown_country__422_naming_the_value_and_the_choices(client: TestClient) -> None:
    page = client.get("/public/ask/how-common", params={"country": "<script>alert(1)</script>"})
    assert page.status_code == 422
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text and "Please enter a country from the list." in page.text


def test_a_very_long_country__422_at_the_label_limit(client: TestClient) -> None:
    page = client.get("/public/ask/how-common", params={"country": "x" * (LABEL + 1)})
    assert page.status_code == 422
    assert f"at most {LABEL:,} characters (you entered {LABEL + 1:,})" in page.text


def test_other_questions__no_country_panel(client: TestClient) -> None:
    page = client.get("/public/ask/can-you-catch-it", params={"country": "Narnia"})
    assert page.status_code == 200
    assert "How common is it where you live?" not in page.text


def test_spanish(client: TestClient) -> None:
    page = client.get("/public/ask/how-common", params={"country": "Japan", "lang": "es"})
    assert "En Japón, el estudio no encontró ningún gen Z." in page.text


def test_spanish__country_names_in_spanish_values_stay_the_table_keys(client: TestClient) -> None:
    page = client.get("/public/ask/how-common", params={"country": "Spain", "lang": "es"})
    assert '<option value="Spain" selected>España</option>' in page.text
    assert "En España, alrededor de 1 de cada 2.600 personas tiene dos genes Z (ZZ)" in page.text
    options = [label for value, label in re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page.text)]
    assert options.index("Canadá") < options.index("Corea del Sur") < options.index("Cuba")  # accents ignored
    family = client.get("/public/our-family", params={"lang": "es"})
    assert '<option value="USA" selected>Estados Unidos</option>' in family.text


def test_z_only_survey__zz_shown_sz_not_measured_and_the_family_page_does_not_offer_it(client: TestClient) -> None:
    """Denmark's survey published Z only: the answer gives ZZ and the Z carriers, says S is not counted, and its
    table row reads "not known" for SZ; the family page (which needs S) does not list it."""
    page = client.get("/public/ask/how-common", params={"country": "Denmark"})
    assert page.status_code == 200
    assert "In Denmark, about 1 in 1,700 people has two Z genes (ZZ)" in page.text
    assert "The survey report does not count the S gene, so we cannot say how common SZ is there." in page.text
    assert '<th scope="row">Denmark</th><td>1,700</td><td>not known</td><td>9,187</td>' in page.text
    family = client.get("/public/our-family")
    assert '<option value="Ireland"' in family.text and '<option value="Denmark"' not in family.text
