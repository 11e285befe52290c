"""In real Chromium, the browser review's "not fixed" items of the workspace: families with the same name
told apart on ``/families``, the pedigree legend seen whole on a phone, and checkboxes large enough to tap
(WCAG 2.2 target size, 24 x 24 CSS px). Screenshots at 390 x 844 and 1280 x 800 go to
``test-artifacts/screenshots/w9-pages/``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from web.clinician.test_browser import PASSWORD, _login, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[3]
SHOTS = ROOT / "test-artifacts" / "screenshots" / "w9-pages"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _token(server: str) -> dict[str, str]:  # noqa: F811
    made = httpx.post(f"{server}/api/v1/auth/token", json={"email": "admin@a.org", "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {made['token']}"}


def _import_example(server: str, headers: dict[str, str]) -> int:  # noqa: F811
    """The documented example family (8 members), imported through the API; its family number."""
    doc = json.loads((ROOT / "examples" / "family.json").read_text(encoding="utf-8"))
    made = httpx.post(f"{server}/api/v1/families/import", json=doc, headers=headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.fixture(scope="module")
def families(server: str) -> tuple[int, int]:  # noqa: F811
    """The example family imported twice: two families with the same name."""
    headers = _token(server)
    return _import_example(server, headers), _import_example(server, headers)


@pytest.fixture(scope="module")
def page(server: str, browser: object) -> Iterator[Any]:  # noqa: F811
    """One logged-in page for the module; each test sets the screen size it looks at."""
    found: Any = _login(browser, server, "admin@a.org", viewport=PHONE)
    yield found
    found.context.close()


def test_families__two_with_the_same_name_show_number_members_and_date(server: str, page: Any,  # noqa: F811
                                                                         families: tuple[int, int]) -> None:
    first, second = families
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        page.goto(f"{server}/families")
        rows = {int(re.search(r"/families/(\d+)", row.locator("a").get_attribute("href")).group(1)): row.inner_text()
                for row in page.locator("#families-table tbody tr").all()}
        assert f"family {first}" in rows[first] and f"family {second}" in rows[second]
        assert "8 members" in rows[first] and "8 members" in rows[second]
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", rows[first])
        assert rows[first] != rows[second]  # same name, told apart by their numbers
        assert _sideways(page) == 0
        _shot(page, f"families-{name}")
    page.goto(f"{server}/families/{second}")
    assert page.locator("#family-number").inner_text().startswith(f"Family {second} · 8 members · created ")


def test_pedigree_legend__wraps_under_the_drawing_on_a_phone(server: str, page: Any,  # noqa: F811
                                                             families: tuple[int, int]) -> None:
    family = families[0]
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        page.goto(f"{server}/families/{family}")
        legend = page.locator("#pedigree-legend li")
        assert legend.count() == 14
        assert page.locator(".pedigree svg g.legend").count() == 0  # the drawing's own legend is the text below
        for box in (legend.nth(i).bounding_box() for i in range(legend.count())):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box
        assert "P proband" in page.locator("#pedigree-legend").inner_text()
        hint = page.locator("#pedigree-scroll-hint")
        assert hint.is_visible() == (name == "phone")  # the drawing scrolls sideways only on a phone
        assert _sideways(page) == 0
        _shot(page, f"pedigree-legend-{name}")
    drawing = page.request.get(f"{server}/families/{family}/pedigree.svg")
    assert drawing.status == 200 and '<g class="legend">' in drawing.text()  # the download keeps its legend


def test_checkboxes__tap_targets_at_least_24_px_without_breaking_the_desktop(server: str, page: Any,  # noqa: F811
                                                                             families: tuple[int, int]) -> None:
    page.goto(f"{server}/families/{families[0]}")
    patient = page.locator("#members-table tbody a[href^='/patients/']").first.get_attribute("href")
    page.goto(f"{server}{patient}/risk")
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        boxes = page.locator("main input[type=checkbox]")
        assert boxes.count() >= 3
        for i in range(boxes.count()):
            box = boxes.nth(i).bounding_box()
            assert box is not None and box["width"] >= 24 and box["height"] >= 24, (name, i, box)
            label = boxes.nth(i).locator("xpath=..").bounding_box()
            assert label is not None and label["height"] <= 60, (name, i, label)  # one line, not a stretched row
        assert _sideways(page) == 0
        _shot(page, f"checkboxes-risk-{name}")
