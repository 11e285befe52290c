"""Real-browser walks (Debian Chromium via Playwright) of the issue-14 flows, in English and Spanish,
at phone and desktop sizes: crisis help first, Find care, a result with CRP and its PDF, the family
page with an untested partner and an added relative, the lungs page in feet and inches with a
measured FEV1, the testing answer first, and the language switch. Each walk runs axe-core (no
serious or critical violations) and saves phone and desktop screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import PHONE
from .test_browser import check
from .test_pages import PAGES

pytestmark = pytest.mark.browser
LANGUAGES = ["en", "es"]
TEXT = {
    "en": {"search": "Search", "question": "Your question", "crisis": "Please reach out now",
           "explain": "Explain my result",
           "level": "Level", "type": "Your type", "crp": "CRP", "crp_unit": "Unit (as on your report)",
           "pdf": "Download a one-page summary for my doctor (PDF)", "chances": "Show the chances",
           "first": "First parent's type", "add": "Add a relative", "lungs": "Show my lungs over time",
           "answer": "Show my answer", "todo": "What to do next", "told": "What you told us"},
    "es": {"search": "Buscar", "question": "Su pregunta", "crisis": "Pida ayuda ahora",
           "explain": "Explicar mi resultado",
           "level": "Nivel", "type": "Su tipo", "crp": "PCR", "crp_unit": "Unidad (como en su informe)",
           "pdf": "Descargar un resumen de una página para mi médico (PDF)", "chances": "Ver las probabilidades",
           "first": "Tipo del primer padre", "add": "Añadir un familiar", "lungs": "Ver mis pulmones con los años",
           "answer": "Ver mi respuesta", "todo": "Qué hacer ahora", "told": "Lo que nos dijo"},
}


@pytest.fixture()
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser page (phone-sized first) on the live server, with no language cookie."""
    context = browser.new_context(viewport=PHONE, accept_downloads=True, base_url=live_server)
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def visit(page: Any, path: str, lang: str) -> None:
    separator = "&" if "?" in path else "?"
    page.goto(f"{path}{separator}lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", [*PAGES, "/public/find-care", "/public/learn/what-is-aatd"])
def test_every_public_page__in_each_language_passes_axe(page: Any, screenshots: Path, path: str, lang: str) -> None:
    visit(page, path, lang)
    assert page.locator("main h1").count() == 1
    check(page, screenshots, f"{lang}-page-" + (path.strip("/").replace("/", "-") or "home"))


@pytest.mark.parametrize(("lang", "words"), [("en", "i want to die"), ("es", "quiero morirme")])
def test_ask__distress_shows_the_crisis_line_before_anything_else(page: Any, screenshots: Path, lang: str,
                                                                  words: str) -> None:
    visit(page, "/public/ask", lang)
    page.get_by_label(TEXT[lang]["question"]).fill(words)
    with page.expect_navigation():
        page.get_by_role("button", name=TEXT[lang]["search"], exact=True).click()
    crisis = page.locator("section.crisis")
    assert crisis.is_visible() and "988" in crisis.inner_text()
    assert page.locator(".did-you-mean").count() == 0
    box = crisis.bounding_box()
    results = page.locator("#results-title").bounding_box()
    assert box is not None and results is not None and box["y"] < results["y"]
    # the line's languages in the page's language: a Spanish reader must read "marque 2", not "press 2"
    assert {"en": "English; Spanish (press 2)", "es": "inglés; español (marque 2)"}[lang] in crisis.inner_text()
    check(page, screenshots, f"{lang}-ask-crisis")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_result__crp_inputs_repeated_and_pdf(page: Any, screenshots: Path, tmp_path: Path, lang: str) -> None:
    t = TEXT[lang]
    visit(page, "/public/my-result", lang)
    page.get_by_label(t["level"], exact=True).fill("120")
    page.get_by_label(t["type"], exact=True).fill("ZZ")
    with page.expect_navigation():
        page.get_by_role("button", name=t["explain"]).click()
    entered = page.locator("dl.entered").inner_text()
    assert "120 mg/dL" in entered and "ZZ" in entered
    # a level in the usual range with a ZZ type: the headline says they disagree, never "very low"
    assert page.locator(".answer").inner_text() == {
        "en": "Your results do not agree. Your gene test points to a lower level than your blood test shows.",
        "es": "Sus resultados no coinciden. Su prueba genética apunta a un nivel más bajo que el que muestra su "
              "análisis de sangre."}[lang]
    assert "fighting" not in page.locator("main").inner_text()
    check(page, screenshots, f"{lang}-my-result-no-crp")
    page.get_by_label(t["crp"], exact=True).fill("35")
    with page.expect_navigation():
        page.get_by_role("button", name=t["explain"]).click()
    assert "35 mg/L" in page.locator("dl.entered").inner_text()
    check(page, screenshots, f"{lang}-my-result-crp")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=t["pdf"]).click()
    saved = tmp_path / "result.pdf"
    download_info.value.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_our_family__untested_partner_and_add_a_relative(page: Any, screenshots: Path, lang: str) -> None:
    t = TEXT[lang]
    visit(page, "/public/our-family", lang)
    page.get_by_label(t["first"]).fill("ZZ")
    page.locator("#p2").fill("")
    page.locator("#p2_country").select_option("Ireland")
    with page.expect_navigation():
        page.get_by_role("button", name=t["chances"], exact=True).click()
    assert {"en": "Ireland", "es": "Irlanda"}[lang] in page.locator("#square").inner_text()
    check(page, screenshots, f"{lang}-our-family-untested-partner")
    before = page.locator("fieldset.relative").count()
    page.get_by_role("button", name=t["add"]).click()
    assert page.locator("fieldset.relative").count() == before + 1
    check(page, screenshots, f"{lang}-our-family-add-relative")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_lungs__feet_inches_and_measured_fev1_on_a_phone(page: Any, screenshots: Path, lang: str) -> None:
    visit(page, "/public/my-lungs", lang)
    page.locator("#genotype").fill("ZZ")
    page.locator("#sex").select_option("female")
    page.locator("#age").fill("45")
    page.locator("#height_ft").fill("5")
    page.locator("#height_in").fill("5")
    page.locator("#weight").fill("150")
    page.locator("#weight_unit").select_option("lb")
    page.locator("#fev1").fill("2.1")
    with page.expect_navigation():
        page.get_by_role("button", name=TEXT[lang]["lungs"]).click()
    # phone: the drawing made for a narrow screen, whole (no sideways scrolling) and with readable text
    chart = page.locator("svg.lung-plot-narrow")
    assert chart.is_visible() and not page.locator("svg.lung-plot-wide").is_visible()
    assert chart.locator("path.band").count() >= 1
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    assert page.locator(".plot-wrap").evaluate("el => el.scrollWidth <= el.clientWidth")
    # drawn at (nearly) its own size: 13-unit text stays at 12 px or more (the wide drawing shrunk: 7-9 px)
    assert box["width"] / chart.evaluate("el => el.viewBox.baseVal.width") >= 12 / 13
    check(page, screenshots, f"{lang}-my-lungs-fev1")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_should_i_be_tested__answer_first_with_symptoms(page: Any, screenshots: Path, lang: str) -> None:
    t = TEXT[lang]
    visit(page, "/public/should-i-be-tested", lang)
    page.locator("#symptoms").check()
    page.locator("#f-copd").check()
    with page.expect_navigation():
        page.get_by_role("button", name=t["answer"]).click()
    page.wait_for_load_state("load")
    page.locator(".answer").wait_for()
    answer = page.locator(".answer").bounding_box()
    todo = page.get_by_role("heading", name=t["todo"], exact=True).bounding_box()
    told = page.get_by_role("heading", name=t["told"], exact=True).bounding_box()
    assert answer and todo and told and answer["y"] < todo["y"] < told["y"]
    assert not page.locator("details.reasons ul.guidelines").is_visible()  # reasons collapsed
    page.locator("details.reasons > summary").click()
    reasons = page.locator("details.reasons ul.guidelines").inner_text()
    if lang == "es":  # the guidelines' English criteria never show on a Spanish page
        assert "EPOC" in reasons and "obstruction" not in reasons and "COPD" not in reasons
    check(page, screenshots, f"{lang}-should-i-be-tested-answer")


def test_language_switch__remembered_on_the_next_page(page: Any, screenshots: Path) -> None:
    page.goto("/public")
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    page.goto("/public/find-care")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Buscar atención y apoyo").is_visible()
    check(page, screenshots, "es-find-care-after-switch")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_address__the_patients_own_error_page_in_their_language(page: Any, screenshots: Path,
                                                                      lang: str) -> None:
    response = page.goto(f"/public/no-such-page?lang={lang}")
    assert response is not None and response.status == 404
    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_by_role("navigation", name={"en": "Main", "es": "Principal"}[lang]).is_visible()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == {"en": "Page not found", "es": "No encontramos la página"}[lang]
    assert "Please correct this" not in page.locator("main").inner_text()
    check(page, screenshots, f"{lang}-not-found")


def test_find_care__languages_of_each_place_read_in_spanish(page: Any, screenshots: Path) -> None:
    visit(page, "/public/find-care", "es")
    meta = " ".join(page.locator("li.care-place p.small").all_inner_texts())
    assert "inglés" in meta and "English" not in meta and "interpreters" not in meta


def test_my_result__a_spanish_level_with_a_decimal_comma(page: Any, screenshots: Path) -> None:
    """Spanish lab reports write "1,2 g/L": the page reads it as 1.2 g/L instead of refusing it."""
    visit(page, "/public/my-result", "es")
    page.get_by_label("Nivel", exact=True).fill("1,2")
    page.get_by_label("Unidad", exact=True).select_option("g/L")
    page.get_by_label("Su tipo", exact=True).fill("MM")
    with page.expect_navigation():
        page.get_by_role("button", name=TEXT["es"]["explain"]).click()
    assert page.locator(".error-summary").count() == 0
    assert "1,2 g/L" in page.locator("dl.entered").inner_text()
    check(page, screenshots, "es-my-result-decimal-comma")


@pytest.mark.parametrize(("path", "fill", "button"), [
    ("/public/my-result", {"level": "50", "type": "ZZ"}, "explain"),
    ("/public/our-family", {"first": "MZ"}, "chances"),
])
def test_language_switch__on_an_answer_page_shows_the_same_answer_in_spanish(
        page: Any, screenshots: Path, path: str, fill: dict[str, str], button: str) -> None:
    visit(page, path, "en")
    for field, value in fill.items():
        page.get_by_label(TEXT["en"][field], exact=True).first.fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name=TEXT["en"][button]).first.click()
    answer = "#answer, #square"
    english = page.locator(answer).first.inner_text()
    switch = page.locator(".language-switch").get_by_role("button", name="Español")
    assert switch.is_visible()
    reposted = dict(page.evaluate(
        "Array.from(document.querySelectorAll('.language-repost input')).map(i => [i.name, i.value])"))
    with page.expect_navigation():
        switch.click()
    assert page.locator("html").get_attribute("lang") == "es"
    spanish = page.locator(answer).first.inner_text()
    assert spanish and spanish != english
    for value in fill.values():
        assert value in spanish  # what was typed is repeated back, in Spanish words
    assert not any(f"={value}" in page.url for value in fill.values())  # nothing typed went into the address
    # the same answer as the form posted in Spanish directly
    direct = page.request.post(f"{path}?lang=es", form=reposted)
    other = page.context.new_page()
    other.set_content(direct.text())
    printed = "Imprimir esta página"  # a button that the page's script shows (no script in set_content)
    assert " ".join(other.locator(answer).first.inner_text().split()) == " ".join(spanish.replace(printed, "").split())
    other.close()
    check(page, screenshots, "es-switch-" + path.rsplit("/", 1)[1])
    with page.expect_navigation():
        page.locator(".language-switch").get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert " ".join(page.locator(answer).first.inner_text().split()) == " ".join(english.split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_my_result__a_crp_in_mg_dl_on_a_phone(page: Any, screenshots: Path, lang: str) -> None:
    """The CRP unit select sits next to the CRP field on a phone; 1.2 mg/dL is repeated with its 12 mg/L and read
    as raised (as 1.2 mg/L it was read as normal and the level taken at face value)."""
    t = TEXT[lang]
    visit(page, "/public/my-result", lang)
    assert page.viewport_size == PHONE
    page.get_by_label(t["level"], exact=True).fill("100")
    page.get_by_label(t["crp"], exact=True).fill("1.2")
    unit = page.get_by_label(t["crp_unit"], exact=True)
    assert unit.locator("option").all_inner_texts() == ["mg/L", "mg/dL"] and unit.input_value() == "mg/L"
    unit.select_option("mg/dL")
    field, select = page.locator("#crp").bounding_box(), unit.bounding_box()
    assert field is not None and select is not None
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in (field, select))
    assert abs(select["y"] - field["y"]) < 200  # beside or just below the field, not elsewhere on the page
    check(page, screenshots, f"{lang}-my-result-crp-unit-form")
    with page.expect_navigation():
        page.get_by_role("button", name=t["explain"]).click()
    assert page.locator(".error-summary").count() == 0
    assert "1.2 mg/dL (12 mg/L)" in page.locator("dl.entered").inner_text()
    raised = {"en": "Your CRP is raised", "es": "Su PCR está alta"}[lang]
    assert raised in page.locator("main").inner_text()
    assert page.get_by_label(t["crp_unit"], exact=True).input_value() == "mg/dL"  # kept for a second try
    check(page, screenshots, f"{lang}-my-result-crp-mg-dl")
