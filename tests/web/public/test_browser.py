"""Real-browser walks of the public pages (headless Debian Chromium via Playwright), with axe-core checks.

Each test acts as a person would, checks the page with axe-core (no serious or critical
violations) and saves phone (390x844) and desktop (1280x800) screenshots.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from .support import DESKTOP, NARROW, PHONE
from .test_pages import PAGES

pytestmark = pytest.mark.browser
_AXE = Axe()


@pytest.fixture()
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser page (phone-sized first) on the live server."""
    context = browser.new_context(viewport=PHONE, accept_downloads=True, base_url=live_server)
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def serious_violations(page: Any) -> list[str]:
    """axe-core violations of serious or critical impact on the current page, as readable lines."""
    results = _AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]


def capture(page: Any, folder: Path, name: str) -> list[Path]:
    """Full-page screenshots of the current page at phone and desktop sizes."""
    paths = []
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        path = folder / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(PHONE)
    return paths


def wider_than_the_screen(page: Any) -> list[str]:
    """Elements that reach past the right edge of the viewport outside any scrolling box (sideways scroll)."""
    return list(page.evaluate("""() => {
      const width = document.documentElement.clientWidth, found = [];
      for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 1) continue;
        let scroller = el.parentElement;
        while (scroller && !['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(scroller).overflowX)) {
          scroller = scroller.parentElement;
        }
        if (!scroller) found.push(`${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(box.right)} px`);
      }
      return found.slice(0, 5);
    }"""))


def check(page: Any, folder: Path, name: str) -> None:
    """axe on the current page, nothing wider than a phone or a 320 px screen, then the two screenshots."""
    assert serious_violations(page) == []
    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        assert wider_than_the_screen(page) == [], size
    page.set_viewport_size(PHONE)
    assert all(p.stat().st_size > 0 for p in capture(page, folder, name))


@pytest.mark.parametrize("path", PAGES)
def test_public_page__passes_axe_on_phone_and_desktop(page: Any, screenshots: Path, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status in (200, 404)
    assert page.locator("main h1").count() == 1
    check(page, screenshots, "page-" + (path.strip("/").replace("/", "-") or "home"))


def test_keyboard__skip_link_moves_focus_to_the_main_content(page: Any) -> None:
    page.goto("/public")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_learn__reads_a_page_with_its_diagram_and_sources(page: Any, screenshots: Path) -> None:
    page.goto("/public/learn")
    page.get_by_role("link", name=re.compile("passed on|inherited", re.I)).first.click()
    assert page.locator("figure.diagram svg").count() >= 1
    page.get_by_role("heading", name="Sources").wait_for(state="visible")
    check(page, screenshots, "learn-article")


def test_should_i_be_tested__answer_print_and_download(page: Any, screenshots: Path, tmp_path: Path) -> None:
    page.goto("/public/should-i-be-tested")
    page.get_by_label("A brother or sister has AATD.").check()
    page.get_by_label("I smoke now, or I smoked in the past.").check()
    page.get_by_label("Your age in years").fill("38")
    page.get_by_role("button", name="Show my answer").click()
    assert "guidelines recommend a test" in page.locator(".answer").inner_text()
    page.get_by_role("button", name="Print this summary").wait_for(state="visible")  # shown by public.js
    check(page, screenshots, "should-i-be-tested-answer")
    page.emulate_media(media="print")
    assert not page.locator("form.questionnaire").is_visible() and page.locator("#answer").is_visible()
    printed = screenshots / "should-i-be-tested-print.pdf"
    page.pdf(path=str(printed), format="A4")
    assert printed.read_bytes().startswith(b"%PDF")
    page.emulate_media(media="screen")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the summary (PDF)").click()
    saved = tmp_path / "summary.pdf"
    download_info.value.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF")


def test_my_result__enter_a_level_and_a_type(page: Any, screenshots: Path) -> None:
    page.goto("/public/my-result")
    page.get_by_label("Level", exact=True).fill("lots")
    page.get_by_role("button", name="Explain my result").click()
    page.locator("#level-error").wait_for(state="visible")
    check(page, screenshots, "my-result-error")
    page.get_by_label("Level", exact=True).fill("45")
    page.get_by_label("Unit", exact=True).select_option("mg/dL")
    page.get_by_label("Your type").fill("ZZ")
    page.get_by_role("button", name="Explain my result").click()
    assert page.locator(".answer").inner_text() == "Your result is very low."
    page.get_by_role("heading", name="Questions to ask your doctor").wait_for(state="visible")
    check(page, screenshots, "my-result-answer")


def test_our_family__punnett_then_a_family_of_four(page: Any, screenshots: Path) -> None:
    page.goto("/public/our-family")
    page.get_by_label("First parent's type").fill("MZ")
    page.get_by_label("Second parent's type").fill("MZ")
    page.get_by_role("button", name="Show the chances").click()
    assert "1 in 4" in page.locator("#square").inner_text()
    check(page, screenshots, "our-family-punnett")
    tree = page.locator("form.tree-form")
    assert tree.locator("#m0_name").input_value() == "Mum" and tree.locator("#m3_name").input_value() == "Child 2"
    tree.locator("#m2_result").fill("ZZ")
    page.get_by_role("button", name="Show each relative's chances").click()
    row = page.locator("table.chances tr", has=page.locator("th", has_text="Child 2"))
    cells = row.locator("td").all_inner_texts()
    assert cells[:3] == ["not tested", "25%", "50%"]  # parents MZ (from the square), a ZZ sister
    assert page.locator("ol.plan li").first.inner_text().startswith("Child 2")
    # on a phone the drawing keeps most of its size (labels stay readable) and scrolls in its own box
    drawing = page.locator("figure.tree-drawing img")
    assert drawing.evaluate("img => img.getBoundingClientRect().width / img.naturalWidth") >= 0.75
    check(page, screenshots, "our-family-tree")


def test_my_lungs__smoking_and_quitting_plot(page: Any, screenshots: Path) -> None:
    page.goto("/public/my-lungs")
    page.get_by_label("Your type").fill("ZZ")
    page.get_by_label("Sex (used for lung size)").select_option("male")
    page.get_by_label("Age in years").fill("40")
    page.get_by_label("Height in cm").fill("178")
    page.get_by_label("Do you smoke?").select_option("current")
    page.get_by_label("Pack-years (if you smoke or smoked)").fill("20")
    page.get_by_role("button", name="Show my lungs over time").click()
    assert page.locator("svg.lung-plot path.band").count() >= 2
    assert "If you stop smoking" in page.locator(".lung-summary").inner_text()
    check(page, screenshots, "my-lungs-answer")


def test_ask__misspelt_search_did_you_mean_and_related(page: Any, screenshots: Path) -> None:
    page.goto("/public/ask")
    page.get_by_label("Your question").fill("emfysema smokng")
    page.get_by_role("button", name="Search").click()
    suggestion = page.locator(".did-you-mean a")
    assert suggestion.inner_text() == "emphysema smoking"
    assert page.locator("ol.result-list li").count() >= 1
    page.get_by_role("heading", name="Talk to your doctor").wait_for(state="visible")
    check(page, screenshots, "ask-results")
    suggestion.click()
    page.locator("ol.result-list h3 a").first.click()
    page.get_by_role("heading", name="Sources").wait_for(state="visible")
    check(page, screenshots, "ask-question")


def test_how_common__choose_a_country_and_read_every_country(page: Any, screenshots: Path) -> None:
    page.goto("/public/ask/how-common")
    page.get_by_label("Country").select_option("Spain")
    page.get_by_role("button", name="Show").click()
    answer = page.locator("#where .answer")
    answer.wait_for(state="visible")
    assert answer.inner_text().startswith("In Spain, about 1 in 2,600 people has two Z genes (ZZ)")
    assert "survey of 1,116 people" in page.locator("#where").inner_text()
    assert page.locator(".how-common-table tbody th[scope=row]").count() >= 34
    check(page, screenshots, "how-common")
