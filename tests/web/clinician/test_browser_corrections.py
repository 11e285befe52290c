"""In real Chromium: correct and retract a result, the risk page's form and scenario table, a relative's letter;
screenshots at phone (390x844) and desktop (1366x900) sizes, and axe finds no serious violations on these pages."""

from __future__ import annotations

import pytest

from web.clinician.test_browser import _add_result, _login, _shot, browser, server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
__all__ = ["browser", "server"]


def _serious(page: object) -> list[str]:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    return [f"{page.url}: {v['id']} ({v['impact']})" for v in results.response["violations"]  # type: ignore[attr-defined]
            if v["impact"] in ("serious", "critical")]


def test_corrections_risk_and_letter__in_chromium(server: str, browser: object) -> None:
    page = _login(browser, server, "admin@a.org", viewport=DESKTOP, bypass_csp=True)
    page.get_by_label("Name or label", exact=True).fill("Proband Zoe")  # type: ignore[attr-defined]
    page.get_by_label("Sex").select_option("female")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create patient and family").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}/families/*")  # type: ignore[attr-defined]
    family_url = page.url  # type: ignore[attr-defined]
    page.get_by_role("link", name="Proband Zoe", exact=True).click()  # type: ignore[attr-defined]
    patient_url = page.url  # type: ignore[attr-defined]
    page.get_by_text("Edit details").click()  # type: ignore[attr-defined]
    page.get_by_label("Birth year").fill("1972")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save details").click()  # type: ignore[attr-defined]
    page.get_by_text("born 1972").wait_for()  # type: ignore[attr-defined]
    _add_result(page, "genotype", **{"Genotype or phenotype": "ZZ", "Genotyping panel": "sz"})
    _add_result(page, "level", **{"Value (level or CRP)": "50", "Unit": "umol/L"})
    _add_result(page, "spirometry", **{"FEV1 (L)": "1.4", "FVC (L)": "3.1"})
    level_row = page.locator("#history tbody tr").filter(has_text="Serum AAT level")  # type: ignore[attr-defined]
    level_row.get_by_text("Correct or retract").click()
    level_row.get_by_label("Value").fill("5")
    level_row.get_by_label("Reason for the correction").fill("transcription error: 5 not 50")
    level_row.get_by_role("button", name="Save the correction").click()
    page.get_by_text("(corrected)").wait_for()  # type: ignore[attr-defined]
    spiro_row = page.locator("#history tbody tr").filter(has_text="Spirometry")  # type: ignore[attr-defined]
    spiro_row.get_by_text("Correct or retract").click()
    spiro_row.get_by_label("Reason for retracting").fill("test done during a chest infection")
    spiro_row.get_by_label("Yes, retract this result").check()
    spiro_row.get_by_role("button", name="Retract").click()
    page.get_by_text("retracted", exact=True).wait_for()  # type: ignore[attr-defined]
    page.get_by_text("Delete this patient…").click()  # type: ignore[attr-defined]
    assert "No relative is linked" in page.locator("#delete-patient").inner_text()  # type: ignore[attr-defined]
    _shot(page, "13b-patient-corrections-desktop")
    problems = _serious(page)

    page.get_by_role("link", name="Lung and liver risk").click()  # type: ignore[attr-defined]
    assert page.get_by_role("alert").count() == 0  # type: ignore[attr-defined]
    assert "the height in cm" in page.locator("#risk-needs").inner_text()  # type: ignore[attr-defined]
    _shot(page, "13b-risk-form-desktop")
    problems += _serious(page)
    page.get_by_label("Height (cm)").fill("163")  # type: ignore[attr-defined]
    page.get_by_label("Smoking", exact=True).select_option("former")  # type: ignore[attr-defined]
    page.get_by_label("Pack-years", exact=True).fill("15")  # type: ignore[attr-defined]
    page.get_by_label("Age at quitting (former smokers)").fill("40")  # type: ignore[attr-defined]
    page.get_by_label("Dusty or fume-laden work or home").check()  # type: ignore[attr-defined]
    page.get_by_label("no more dust or fumes").check()  # type: ignore[attr-defined]
    page.get_by_label("starts augmentation now").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Estimate").click()  # type: ignore[attr-defined]
    page.locator("#scenarios").wait_for()  # type: ignore[attr-defined]
    assert page.locator("#scenarios tbody tr").count() == 3  # type: ignore[attr-defined]
    plot = page.locator("img.plot")  # type: ignore[attr-defined]
    sync_api.expect(plot).to_have_js_property("complete", True)
    _shot(page, "13b-risk-scenarios-desktop")
    problems += _serious(page)
    page.get_by_role("button", name="Keep height and smoking on the record").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{patient_url}/risk")  # type: ignore[attr-defined]
    assert page.get_by_label("Height (cm)").input_value() == "163"  # type: ignore[attr-defined]

    page.goto(patient_url)  # type: ignore[attr-defined]
    assert "Augmentation eligibility" in page.locator("#eligibility").inner_text()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Letter to Proband Zoe (print or PDF)").click()  # type: ignore[attr-defined]
    page.locator("#letter").wait_for()  # type: ignore[attr-defined]
    _shot(page, "13b-letter-desktop")
    problems += _serious(page)

    phone = _login(browser, server, "admin@a.org", viewport=PHONE)
    for url, name in ((patient_url, "patient"), (f"{patient_url}/risk?height_cm=163&smoking=never"
                                                 "&scenario=no-dust&dust=on", "risk"),
                      (page.url, "letter")):  # type: ignore[attr-defined]
        phone.goto(url)  # type: ignore[attr-defined]
        width = phone.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= PHONE["width"] + 1, (name, width)  # nothing wider than the phone screen
        _shot(phone, f"13b-{name}-phone")
    assert family_url and problems == []
