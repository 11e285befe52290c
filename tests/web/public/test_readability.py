"""Our own text on the public pages reads at about age 12: Flesch-Kincaid grade 8 or below."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllable_counter
from fastapi.testclient import TestClient

from .test_pages import FAMILY_OF_FOUR

MAX_GRADE = 8.0
VISITS: list[tuple[str, dict[str, str] | None]] = [
    ("/public", None),
    ("/public/should-i-be-tested", {"submitted": "1", "finding": "copd"}),
    ("/public/my-result", {"submitted": "1", "level": "40", "unit": "mg/dL", "result": "ZZ"}),
    ("/public/our-family", {"punnett": "1", "p1": "MZ", "p2": "MZ"}),
    ("/public/our-family", FAMILY_OF_FOUR),  # the family tree's chances, its drawing's legend and notes
    ("/public/my-lungs", {"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "40", "height_cm": "178",
                          "smoking": "current"}),
    ("/public/ask", None),
    ("/public/ask/how-common?country=Spain", None),
    ("/public/ask/how-common?country=Japan", None),
]
_SKIP = re.compile(r"<(svg|details|table|nav|form)\b.*?</\1>", re.S)


@pytest.fixture
def offline_textstat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat without the CMU dictionary (which nltk would download): syllables come from pyphen."""
    monkeypatch.setattr(syllable_counter, "get_cmudict", lambda lang: None)
    yield


def main_text(page: str) -> str:
    """The sentences of ``<main>``: no drawings, tables, citations or form labels (fragments, not sentences)."""
    match = re.search(r"<main.*?</main>", page, re.S)
    assert match is not None
    return html.unescape(re.sub(r"<[^>]+>", " ", _SKIP.sub(" ", match.group(0))))


@pytest.mark.parametrize(("path", "form"), VISITS)
def test_public_text__flesch_kincaid_grade_at_most_8(client: TestClient, offline_textstat: None, path: str,
                                                     form: dict[str, str] | None) -> None:
    response = client.post(path, data=form) if form else client.get(path)
    assert response.status_code in (200, 422), path
    text = main_text(response.text)
    assert len(text.split()) > 40
    assert float(textstat.flesch_kincaid_grade(text)) <= MAX_GRADE


SPANISH_VISITS = [*VISITS, ("/public/learn", None), ("/public/learn/lungs", None), ("/public/find-care", None),
                  ("/public/ask", {"q": "puedo volar"})]
MIN_SZIGRISZT = 55.0
"""INFLESZ scale of Szigriszt-Pazos: 55-65 'normal', above 65 'fairly easy' (health texts for patients)."""


@pytest.mark.parametrize(("path", "form"), SPANISH_VISITS)
def test_public_text__spanish_pages_read_easily_on_szigriszt_pazos(client: TestClient, offline_textstat: None,
                                                                   path: str, form: dict[str, str] | None) -> None:
    url = f"{path}{'&' if '?' in path else '?'}lang=es"
    response = client.post(url, data=form) if form else client.get(url)
    assert '<html lang="es">' in response.text
    text = main_text(response.text)
    assert len(text.split()) > 40
    textstat.set_lang("es")
    try:
        assert float(textstat.szigriszt_pazos(text)) >= MIN_SZIGRISZT
    finally:
        textstat.set_lang("en")


@pytest.mark.parametrize("path", ["/public/find-care", "/public/learn/lungs"])
def test_public_text__new_english_pages_read_at_grade_8_or_below(client: TestClient, offline_textstat: None,
                                                                 path: str) -> None:
    text = main_text(client.get(path).text)
    assert float(textstat.flesch_kincaid_grade(text)) <= MAX_GRADE
