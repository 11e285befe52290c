"""The clinician workspace on a phone (390 x 844, English), in real Chromium: no page scrolls sideways, the
audit log and a patient's results show one card per row with every column in sight (a result's correction
form was out of sight to the right), and the family page writes the drawing's footnote as text under it (in
the drawing, a phone cut it off at the right)."""

from __future__ import annotations

import re

import pytest

from web.clinician.test_browser import _add_result, _login, _shot, browser, server

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
__all__ = ["browser", "server"]
LONG_NAME = "Proband Ann Elizabeth Montgomery-Smith"


def _scroll_width(page: object) -> tuple[int, int]:
    """``document.scrollWidth`` and the window's inner width (px)."""
    width, inner = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, window.innerWidth]")
    return int(width), int(inner)


def test_workspace_pages__fit_a_phone_audit_as_cards_and_the_drawing_s_footnote_as_text(server: str,
                                                                                      browser: object) -> None:
    page = _login(browser, server, "admin@a.org", viewport=PHONE)
    page.get_by_label("Name or label", exact=True).fill(LONG_NAME)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create patient and family").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}/families/*")  # type: ignore[attr-defined]
    family = page.url.split("?")[0]  # type: ignore[attr-defined]
    note = page.locator("p.pedigree-note")  # type: ignore[attr-defined]
    assert note.inner_text().startswith("Labels: generation and number, name")
    drawing = page.locator(".pedigree svg").first  # type: ignore[attr-defined]
    assert "Labels:" not in drawing.evaluate("svg => svg.textContent")  # the footnote is text, not in the drawing
    select = page.locator("#select-member")  # type: ignore[attr-defined]
    if select.count():  # the person list takes the panel's whole width on a phone
        assert select.bounding_box()["width"] > 0.8 * page.locator("#editor-panel").bounding_box()["width"]  # type: ignore[attr-defined]
    patient = page.locator("main a[href^='/patients/']").first.get_attribute("href")  # type: ignore[attr-defined]
    fid = family.rsplit("/", 1)[1]
    pid = str(patient).rsplit("/", 1)[1]
    # a patient's results: one card each, the correction form as wide as the card and in sight
    page.goto(f"{server}/patients/{pid}")  # type: ignore[attr-defined]
    _add_result(page, "level", **{"Value (level or CRP)": "5", "Unit": "umol/L"})
    row = page.locator("#history tbody tr").filter(has_text="Serum AAT level")  # type: ignore[attr-defined]
    row.get_by_text("Correct or retract").click()
    reason = row.get_by_label("Reason for the correction")
    box, card = reason.bounding_box(), row.bounding_box()
    assert box is not None and card is not None
    assert box["x"] + box["width"] <= PHONE["width"] and box["width"] > 0.8 * card["width"]
    _shot(page, "w10-patient-results-phone")
    for url in ("/patients", f"/patients/{pid}", f"/patients/{pid}/risk", f"/patients/{pid}/dna-import", "/families",
                f"/families/{fid}", f"/families/{fid}/letters/{pid}", "/should-test", "/account", "/admin/users",
                "/admin/audit", "/admin/deleted", "/patients/999999", "/families/abc"):
        page.goto(f"{server}{url}")  # type: ignore[attr-defined]
        width, inner = _scroll_width(page)
        assert width <= inner, f"{url} is {width} px wide on a {inner} px phone"
    # the audit log: one card per event, every column in sight (the detail was out of sight to the right)
    page.goto(f"{server}/admin/audit")  # type: ignore[attr-defined]
    card = page.locator("table.stack tbody tr").first  # type: ignore[attr-defined]
    detail = card.locator("td[data-label='Detail']")
    box = detail.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert re.search(r"\{.*\}", detail.inner_text())
    _shot(page, "w10-audit-phone")
