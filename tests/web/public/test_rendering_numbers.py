"""Numbers on the public pages in the page's language: a decimal comma and a grouping point in Spanish
("el 6,0%", "unos 2,3 litros", "25.000"), the same digits as the English page, and English unchanged."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from aatd.patients.punnett import describe_untested_partner_chances
from aatd.web.public import rendering

LUNGS = {"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "50", "smoking": "never", "height_cm": "178"}
DECIMAL_POINT = re.compile(r"\d\.\d")


def _spanish(text: str) -> str:
    return text.translate({ord("."): ",", ord(","): "."})


def test_untested_partner__spanish_chances_use_a_decimal_comma_with_the_english_digits() -> None:
    english = describe_untested_partner_chances("ZZ", "Ireland", language="en")
    spanish = describe_untested_partner_chances("ZZ", "Ireland", language="es")
    chances = [row["chance"] for row in english["outcomes"]]  # type: ignore[index, union-attr]
    assert any(DECIMAL_POINT.search(str(c)) for c in chances)  # Ireland: some chances under 10% have a decimal
    assert [row["chance"] for row in spanish["outcomes"]] == [_spanish(str(c)) for c in chances]  # type: ignore[index, union-attr]
    assert not DECIMAL_POINT.search(str(spanish["summary"]) + str(spanish["note"]))


def test_our_family_page__spanish_answer_has_no_decimal_point(client: TestClient) -> None:
    data = {"punnett": "1", "p1": "MZ", "p2": "", "p2_country": "Ireland"}
    english = client.post("/public/our-family", data=data).text
    spanish = client.post("/public/our-family?lang=es", data=data).text
    found = re.findall(r"about a (\d+\.\d)% chance", english)
    assert found, "an English chance under 10% keeps its decimal point"
    for number in found:
        assert f"el {number.replace('.', ',')}%" in spanish
    answer = spanish[spanish.index('class="answer'):spanish.index("</section>", spanish.index('class="answer'))]
    assert not DECIMAL_POINT.search(answer)


def test_my_lungs__spanish_litres_use_a_decimal_comma_english_a_point(client: TestClient) -> None:
    english = client.post("/public/my-lungs", data=LUNGS).text
    spanish = client.post("/public/my-lungs?lang=es", data=LUNGS).text
    litres = re.findall(r"about (\d\.\d) litres", english)
    assert litres and re.findall(r"unos (\d,\d) litros", spanish) == [n.replace(".", ",") for n in litres]
    table = re.search(r"<tbody>(.*?)</tbody>", spanish[spanish.index("<table"):], re.S)
    assert table is not None and re.search(r"<td>\d,\d+</td>", table.group(1))
    assert not DECIMAL_POINT.search(table.group(1))


def test_error_messages__numbers_from_the_core_in_the_page_language() -> None:
    token = rendering._LANGUAGE.set("es")
    try:
        said = rendering.plain_expected("at most 1,000 characters (got 1,234)")
        bounds: dict[str, str] = {}
        rendering.number(rendering.Fields([("fev1", "9")]), "fev1", bounds, low=0.5, high=8)
    finally:
        rendering._LANGUAGE.reset(token)
    assert "1.000" in said and "1.234" in said
    assert "0,5" in bounds["fev1"] and "0.5" not in bounds["fev1"]
    english: dict[str, str] = {}
    rendering.number(rendering.Fields([("fev1", "9")]), "fev1", english, low=0.5, high=8)
    assert english["fev1"] == "Please enter a number from 0.5 to 8."
