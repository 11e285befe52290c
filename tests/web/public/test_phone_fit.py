"""Every public page, answer page and error page fits a phone (390 x 844, and a 320 px screen) in English
and Spanish: the page never scrolls sideways (``document.scrollWidth`` at most the window's width), no table
needs its sideways-scrolling box at 390 px (only a large family's drawing may), and no list shows its chosen
words cut off (a long choice such as "Nunca he fumado" or "Estados Unidos" takes the whole row). Real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from .support import NARROW, PHONE
from .test_pages import FAMILY_OF_FOUR

pytestmark = pytest.mark.browser
BIG_FAMILY = {"tree": "1", "country": "USA",
              "m0_name": "Grandmother Josefina", "m0_sex": "female", "m0_result": "MZ",
              "m1_name": "Grandfather Eduardo", "m1_sex": "male",
              "m2_name": "Mother", "m2_sex": "female", "m2_father": "Grandfather Eduardo",
              "m2_mother": "Grandmother Josefina", "m3_name": "Father", "m3_sex": "male", "m3_result": "MZ",
              "m4_name": "Aunt", "m4_sex": "female", "m4_father": "Grandfather Eduardo",
              "m4_mother": "Grandmother Josefina",
              "m5_name": "Me", "m5_sex": "female", "m5_father": "Father", "m5_mother": "Mother", "m5_result": "ZZ",
              "m6_name": "Brother", "m6_sex": "male", "m6_father": "Father", "m6_mother": "Mother",
              "m7_name": "Cousin", "m7_mother": "Aunt",
              "m8_name": "Sister", "m8_sex": "female", "m8_father": "Father", "m8_mother": "Mother",
              "m8_kind": "phenotype", "m8_result": "MZ"}
LUNGS = {"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "50", "smoking": "current", "pack_years": "20",
         "height_cm": "178", "fev1": "1.6"}
PAGES: list[tuple[str, str, dict[str, str], int]] = [
    ("home", "/public", {}, 200), ("learn", "/public/learn", {}, 200),
    ("learn-page", "/public/learn/what-is-aatd", {}, 200), ("find-care", "/public/find-care", {}, 200),
    ("ask", "/public/ask", {}, 200), ("ask-answers", "/public/ask", {"q": "what is aatd"}, 200),
    ("ask-crisis", "/public/ask", {"q": "i want to die"}, 200),
    ("ask-urgent", "/public/ask", {"q": "my lips are blue and I cannot breathe"}, 200),
    ("question", "/public/ask/what-is-emphysema", {}, 200),
    ("how-common", "/public/ask/how-common", {"country": "Spain"}, 200),
    ("how-common-error", "/public/ask/how-common", {"country": "Atlantis"}, 422),
    ("testing", "/public/should-i-be-tested", {}, 200),
    ("testing-answer", "/public/should-i-be-tested", {"submitted": "1", "finding": "copd", "age": "45"}, 200),
    ("result", "/public/my-result", {}, 200),
    ("result-answer", "/public/my-result", {"submitted": "1", "level": "50", "unit": "mg/dL", "kind": "genotype",
                                            "result": "ZZ", "crp": "12"}, 200),
    ("result-error", "/public/my-result", {"submitted": "1", "level": "lots", "unit": "mg/dL", "kind": "genotype",
                                           "result": "ZX"}, 422),
    ("family", "/public/our-family", {}, 200),
    ("family-square", "/public/our-family", {"punnett": "1", "p1": "MZ", "p2": "MZ"}, 200),
    ("family-untested-partner", "/public/our-family", {"punnett": "1", "p1": "ZZ", "p2": "", "p2_country": "Ireland"},
     200),
    ("family-tree", "/public/our-family", FAMILY_OF_FOUR, 200),
    ("family-big-tree", "/public/our-family", BIG_FAMILY, 200),
    ("family-error", "/public/our-family", {**FAMILY_OF_FOUR, "m3_mother": "Nobody"}, 422),
    ("lungs", "/public/my-lungs", {}, 200), ("lungs-answer", "/public/my-lungs", LUNGS, 200),
    ("lungs-error", "/public/my-lungs", {**LUNGS, "height_cm": "", "height_ft": "9"}, 422),
    ("dna", "/public/check-my-dna", {}, 200),
    ("not-found", "/public/no-such-page", {}, 404), ("no-such-question", "/public/ask/no-such-question", {}, 404),
    ("no-such-learn-page", "/public/learn/no-such-page", {}, 404),
]
TABLES_IN_SIGHT = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(box => box.querySelector('table') && box.getClientRects().length && box.scrollWidth > box.clientWidth + 1)
  .map(box => `${box.querySelector('table').className}: ${box.scrollWidth} > ${box.clientWidth}`)"""
CUT_CHOICES = """() => {
  const canvas = document.createElement('canvas').getContext('2d'), cut = [];
  for (const select of document.querySelectorAll('select')) {
    if (!select.getClientRects().length || !select.selectedOptions.length) continue;
    const style = getComputedStyle(select), text = select.selectedOptions[0].text;
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    if (canvas.measureText(text).width > room) cut.push(`${select.id}: ${text}`);
  }
  return cut;
}"""


@pytest.fixture()
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh phone-sized page on the live server."""
    context = browser.new_context(viewport=PHONE, base_url=live_server)
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("name", "path", "fields", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page__fits_a_phone_without_sideways_scrolling_or_cut_choices(
        page: Any, name: str, path: str, fields: dict[str, str], status: int, lang: str) -> None:
    response = page.goto(f"{path}?{urlencode({**fields, 'lang': lang})}")
    assert response is not None and response.status == status, name
    assert page.locator("html").get_attribute("lang") == lang
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # tables folded away too
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{name} ({lang}) is {scroll_width} px wide on a {inner_width} px phone"
    assert page.evaluate(TABLES_IN_SIGHT) == []  # a table's last column and caption are not out of sight
    assert page.evaluate(CUT_CHOICES) == []
    page.set_viewport_size(NARROW)  # WCAG reflow: 1280 px at 400%; the Spanish Punnett square was 337 px wide
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{name} ({lang}) is {scroll_width} px wide on a {inner_width} px screen"


def _raw_data(z: str, s: str) -> bytes:
    """A consumer raw-data file (23andMe layout, GRCh37) with the Z and S sites."""
    z37, s37 = 94378610 + 466337, 94380925 + 466337  # GRCh38 + 466,337 in this region (alleles.csv)
    return ("# This data file generated by 23andMe at: Mon Jan 01 00:00:00 2024\n"
            "# We are using reference human assembly build 37 (also known as Annotation Release 104).\n"
            "# rsid\tchromosome\tposition\tgenotype\n"
            f"rs28929474\t14\t{z37}\t{z}\nrs17580\t14\t{s37}\t{s}\n").encode()


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("name", "content"), [("dna-answer", _raw_data("CT", "TT")), ("dna-error", b"# nothing\n")])
def test_check_my_dna__the_answer_and_the_error_fit_a_phone(page: Any, name: str, content: bytes, lang: str) -> None:
    page.goto(f"/public/check-my-dna?lang={lang}")
    page.locator("#dna_file").set_input_files({"name": "genome.txt", "mimeType": "text/plain", "buffer": content})
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == lang
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{name} ({lang}) is {scroll_width} px wide on a {inner_width} px phone"
    assert page.locator("main").inner_text().strip()
