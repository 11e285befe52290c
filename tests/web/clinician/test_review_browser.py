"""In real Chromium, what a clinician trips over outside the main flows: the account page's tab title, the
account and users pages on a phone, error pages that say their message once, and no console error on the
first visit (the site icon is served)."""

from __future__ import annotations

import pytest

from web.clinician.test_browser import _login, _shot, browser, server

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
__all__ = ["browser", "server"]


def _sideways(page: object) -> int:
    """How many pixels the page reaches past the right edge of the screen."""
    return int(page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_account__tab_title_is_the_page_name_not_the_two_step_key(server: str, browser: object) -> None:
    page = _login(browser, server, "admin@a.org")
    page.goto(f"{server}/account")  # type: ignore[attr-defined]
    key = page.locator("main code").first.inner_text()  # type: ignore[attr-defined]
    assert len(key) >= 16
    assert page.title() == "Your account · aatd"  # type: ignore[attr-defined]
    assert page.get_by_role("button", name="Turn on two-step login").count() == 1  # type: ignore[attr-defined]


def test_account_users_and_patients__fit_a_phone_and_a_320_px_screen(server: str, browser: object) -> None:
    phone = _login(browser, server, "admin@a.org", viewport=PHONE)
    phone.get_by_label("Name or label", exact=True).fill("Maternal grandmother of the proband")  # type: ignore[attr-defined]
    phone.get_by_role("button", name="Create patient and family").click()  # type: ignore[attr-defined]
    phone.wait_for_url(f"{server}/families/*")  # type: ignore[attr-defined]
    for url, name in (("/account", "account"), ("/admin/users", "users"), ("/patients", "patients")):
        phone.goto(f"{server}{url}")  # type: ignore[attr-defined]
        for width in (PHONE["width"], 320):
            phone.set_viewport_size({"width": width, "height": PHONE["height"]})  # type: ignore[attr-defined]
            assert _sideways(phone) == 0, (name, width)
        phone.set_viewport_size(PHONE)  # type: ignore[attr-defined]
        _shot(phone, f"review3-{name}-phone")
        if name == "users":  # one card per user on a phone
            assert "admin@a.org" in phone.locator("table.stack tbody tr").first.inner_text()  # type: ignore[attr-defined]


def test_error_pages__say_their_message_once(server: str, browser: object) -> None:
    page = _login(browser, server, "admin@a.org")
    response = page.goto(f"{server}/patients/999999")  # type: ignore[attr-defined]
    assert response is not None and response.status == 404
    main = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert page.get_by_role("heading", name="Not found").is_visible()  # type: ignore[attr-defined]
    assert "Please correct this" not in main and main.count("patient") <= 1
    response = page.goto(f"{server}/families/abc")  # type: ignore[attr-defined]
    assert response is not None and response.status == 422
    main = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert main.count("got 'abc'") == 1 and "Please correct this" in main
    _shot(page, "review3-error-422")


@pytest.mark.parametrize("path", ["/login", "/public"])
def test_first_visit__no_console_error(server: str, browser: object, path: str) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{server}{path}", wait_until="networkidle")
    page.wait_for_timeout(500)  # the browser asks for the site icon after the page has loaded
    context.close()
    assert problems == []


def test_who_to_test__a_mistyped_age_comes_back_in_the_form_naming_the_field(server: str, browser: object) -> None:
    page = _login(browser, server, "admin@a.org", viewport=PHONE)
    page.goto(f"{server}/should-test")  # type: ignore[attr-defined]
    page.get_by_label("Findings", exact=False).fill("copd, bronchiectasis")  # type: ignore[attr-defined]
    page.get_by_label("Age (years)").fill("fifty")  # type: ignore[attr-defined]
    with page.expect_navigation() as navigation:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Check the guidelines").click()  # type: ignore[attr-defined]
    assert navigation.value.status == 422
    assert "age: got 'fifty'" in page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    assert page.get_by_label("Age (years)").input_value() == "fifty"  # type: ignore[attr-defined]
    assert page.get_by_label("Findings", exact=False).input_value() == "copd, bronchiectasis"  # type: ignore[attr-defined]
    page.get_by_label("Age (years)").fill("50")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Check the guidelines").click()  # type: ignore[attr-defined]
    page.get_by_text("Overall:").wait_for()  # type: ignore[attr-defined]
    assert _sideways(page) == 0
    _shot(page, "review3-who-to-test-phone")


def _luminance(rgb: str) -> float:
    """Relative luminance (WCAG 2) of a CSS ``rgb(r, g, b)`` colour."""
    parts = [int(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in parts)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_keyboard_focus__ring_contrasts_three_to_one_with_the_white_page(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/login")
    page.get_by_label("Email").focus()
    page.keyboard.press("Tab")  # focus moved by the keyboard: :focus-visible applies
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    width = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    page.close()
    contrast = (1.0 + 0.05) / (_luminance(ring) + 0.05)
    assert width >= 2 and contrast >= 3, (ring, contrast)
