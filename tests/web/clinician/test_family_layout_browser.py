"""The family page on a phone (390 px) and a desktop in real Chromium: its tables fit the screen
(one card per member on a phone, a table on a desktop), and the family PDF and relatives' letters
are linked. Screenshots go to ``test-artifacts/screenshots/family-layout/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from web.clinician.test_browser import PASSWORD, _login, browser, server  # noqa: F401 - fixtures
from web.clinician.test_editor_browser import serious_violations

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[3]
SHOTS = ROOT / "test-artifacts" / "screenshots" / "family-layout"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TABLES = ("#members-table", "#probabilities-table")


def _imported_family(server: str) -> str:  # noqa: F811
    """The documented example family (8 members, genotypes and a level), imported through the API."""
    token = httpx.post(f"{server}/api/v1/auth/token", json={"email": "admin@a.org", "password": PASSWORD}).json()
    doc = json.loads((ROOT / "examples" / "family.json").read_text(encoding="utf-8"))
    made = httpx.post(f"{server}/api/v1/families/import", json=doc,
                      headers={"Authorization": f"Bearer {token['token']}"})
    assert made.status_code == 201, made.text
    return f"{server}/families/{made.json()['id']}"


def _overflow(page: Any) -> dict[str, int]:
    """How many pixels the page and each table reach past their box (0: they fit)."""
    return page.evaluate("""(tables) => {
        const out = {page: document.documentElement.scrollWidth - document.documentElement.clientWidth};
        for (const id of tables) {
            const t = document.querySelector(id);
            out[id] = t ? Math.max(0, Math.ceil(t.getBoundingClientRect().right
                                                - t.parentElement.getBoundingClientRect().right),
                                   t.parentElement.scrollWidth - t.parentElement.clientWidth) : -1;
        }
        return out;
    }""", list(TABLES))


def test_family_page__tables_fit_a_phone_and_stay_tables_on_a_desktop(server: str, browser: object) -> None:  # noqa: F811
    family = _imported_family(server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = _login(browser, server, "admin@a.org", viewport=PHONE)
    phone.goto(family)
    assert _overflow(phone) == {"page": 0, **dict.fromkeys(TABLES, 0)}
    rows = phone.locator("#members-table tbody tr")
    assert rows.count() == 8
    first = rows.first.bounding_box()
    assert first is not None and first["width"] <= PHONE["width"]
    # each row is a card whose cells name their column; the header row is read by screen readers only
    assert phone.locator("#members-table thead").bounding_box()["height"] <= 1
    father = rows.filter(has=phone.get_by_role("rowheader", name="father", exact=True))
    assert "MZ" in father.locator("td[data-label='Latest result']").inner_text()
    assert father.locator("td[data-label='Mother']").count() == 1
    assert not phone.locator("#members-table td:empty").first.is_visible()  # the grandparents' empty parents
    # the column names drawn before each value are not read out a second time (the headers still are)
    assert phone.get_by_role("rowheader", name="father", exact=True).count() == 2  # members and probabilities
    mother = phone.locator("#probabilities-table tbody tr").filter(
        has=phone.get_by_role("rowheader", name="mother", exact=True))
    assert not mother.locator("td[data-label='Most likely']").inner_text().strip().endswith(";")
    # a card table's caption spans the screen instead of shrinking into a narrow column
    caption = phone.locator("#probabilities-table caption").bounding_box()
    cards = phone.locator("#probabilities-table").bounding_box()
    assert caption is not None and cards is not None and caption["width"] >= cards["width"] - 2
    phone.screenshot(path=str(SHOTS / "family-phone.png"), full_page=True)
    assert serious_violations(phone) == []

    desktop = _login(browser, server, "admin@a.org", viewport=DESKTOP)
    desktop.goto(family)
    assert _overflow(desktop) == {"page": 0, **dict.fromkeys(TABLES, 0)}
    assert desktop.evaluate("getComputedStyle(document.querySelector('#members-table tr')).display") == "table-row"
    assert desktop.locator("#members-table thead").bounding_box()["height"] > 10
    desktop.screenshot(path=str(SHOTS / "family-desktop.png"), full_page=True)


def test_family_page__links_the_family_pdf_and_each_relatives_letter(server: str, browser: object) -> None:  # noqa: F811
    family = _imported_family(server)
    page = _login(browser, server, "admin@a.org", viewport=DESKTOP)
    page.goto(family)
    with page.expect_download() as download:
        page.get_by_role("link", name="Family report (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    letters = page.locator("#members-table a", has_text="Letter")
    assert letters.count() == 8
    page.get_by_role("link", name="Letter to brother").click()
    page.wait_for_url("**/letters/**")
    assert page.get_by_role("link", name="Download the letter (PDF)").is_visible()
