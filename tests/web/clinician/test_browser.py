"""End to end in a real headless Chromium (Debian's /usr/bin/chromium) against ``aatd serve`` on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aatd.web.clinician.views import KIND_LABELS
from web.pg import free_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).parents[3] / "test-artifacts" / "screenshots"
PASSWORD = "browser test password"

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _aatd(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "aatd", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``aatd serve`` on a fresh data directory; yields the base URL."""
    data = tmp_path_factory.mktemp("serve") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AATD_")} | {"AATD_DATA_DIR": str(data)}
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aatd", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    banner = ""
    while "serving on" not in banner:
        line = process.stdout.readline()
        assert line, f"server exited: {banner}"
        banner += line
    assert "no user exists yet" in banner and "aatd user create" in banner
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    _aatd(["user", "create", "--org", "Clinic A", "--email", "admin@a.org", "--admin", "--password-stdin"], env,
          PASSWORD + "\n")
    _aatd(["user", "create", "--org", "Clinic B", "--email", "doc@b.org", "--password-stdin"], env, PASSWORD + "\n")
    yield base
    process.terminate()
    process.wait(timeout=20)
    process.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _login(browser: object, base: str, email: str, **context: object) -> object:
    ctx = browser.new_context(accept_downloads=True, **context)  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/patients")
    return page


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _add_relative(page: object, of: str, relation: str, label: str, sex: str) -> None:
    form = page.locator("#add-relative")  # type: ignore[attr-defined]
    form.get_by_label("Relative of").select_option(label=of)
    form.get_by_label("Relation").select_option(relation)
    form.get_by_label("Name or label").fill(label)
    form.get_by_label("Sex").select_option(sex)
    form.get_by_role("button", name="Add").click()
    page.get_by_role("link", name=label, exact=True).wait_for()  # type: ignore[attr-defined]


def _add_result(page: object, kind: str, **fields: str) -> None:
    form = page.locator("#result-form")  # type: ignore[attr-defined]
    form.get_by_label("Kind").select_option(kind)
    for label, value in fields.items():
        target = form.get_by_label(label, exact=True)
        if label in ("Unit", "Method"):
            target.select_option(value)
        else:
            target.fill(value)
    form.get_by_role("button", name="Save result").click()
    page.get_by_role("cell", name=KIND_LABELS[kind], exact=True).first.wait_for()  # type: ignore[attr-defined]


def test_workspace__family_of_five_results_pdf_and_isolation(server: str, browser: object, tmp_path: Path) -> None:
    login = browser.new_page()  # type: ignore[attr-defined]
    login.goto(f"{server}/login")
    _shot(login, "login")
    login.close()
    page = _login(browser, server, "admin@a.org")
    page.get_by_label("Name or label", exact=True).fill("Proband Ann")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Create patient and family").click()
    page.wait_for_url(f"{server}/families/*")
    family_url = page.url
    for of, relation, label, sex in (("Proband Ann", "parent", "Father Bob", "male"),
                                     ("Proband Ann", "parent", "Mother Cat", "female"),
                                     ("Proband Ann", "sibling", "Brother Dan", "male"),
                                     ("Proband Ann", "partner", "Husband Eli", "male"),
                                     ("Proband Ann", "child", "Son Eve", "male")):
        _add_relative(page, of, relation, label, sex)
    assert page.locator("#members-table tbody tr").count() == 6
    page.get_by_role("link", name="Proband Ann", exact=True).click()
    page.get_by_text("Edit details").click()
    page.get_by_label("Birth year").fill("1975")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("born 1975").wait_for()
    _add_result(page, "genotype", **{"Genotype or phenotype": "ZZ", "Genotyping panel": "sz"})
    _add_result(page, "level", **{"Value (level or CRP)": "5", "Unit": "umol/L"})
    _add_result(page, "spirometry", **{"FEV1 (L)": "2.1", "FVC (L)": "3.4"})
    assert page.get_by_role("heading", name="Genotype ZZ").is_visible()
    _shot(page, "patient")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = tmp_path / "report.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert page.get_by_role("heading", name="Interpretation").is_visible()
    page.get_by_role("link", name="Lung and liver risk").click()
    page.get_by_label("Height (cm)").fill("165")
    page.get_by_label("no more dust or fumes").check()
    page.get_by_role("button", name="Estimate").click()
    plot = page.locator("img.plot")
    plot.wait_for()
    sync_api.expect(plot).to_have_js_property("complete", True)
    assert plot.evaluate("img => img.naturalWidth") > 0
    _shot(page, "risk")
    page.goto(family_url)
    assert page.locator("#members-table").get_by_role("cell", name="ZZ", exact=True).is_visible()
    page.get_by_label("Population of the founders (allele frequencies)").select_option("Ireland")
    page.get_by_role("button", name="Use this population").click()
    page.get_by_role("heading", name="Cascade testing plan").wait_for()
    assert "Ireland" in page.locator("#probabilities-table caption").inner_text()
    assert page.locator("#probabilities-table tbody tr").count() == 6
    assert page.locator("ol.plan li").first.inner_text().startswith(("Brother Dan", "Son Eve"))
    drawing = page.locator("div.pedigree svg")
    assert drawing.get_attribute("viewBox") is not None
    assert drawing.bounding_box() is not None
    _shot(page, "family")
    page.goto(f"{server}/patients")
    _shot(page, "patients")
    page.goto(f"{server}/admin/audit")
    _shot(page, "audit")
    page.goto(f"{server}/should-test")
    page.get_by_label("Findings (comma-separated", exact=False).fill("copd, bronchiectasis")
    page.get_by_role("button", name="Check the guidelines").click()
    page.get_by_text("Overall:").wait_for()
    _shot(page, "should-test")
    phone = _login(browser, server, "admin@a.org", viewport={"width": 390, "height": 844})
    phone.goto(family_url)
    _shot(phone, "family-phone")

    other = _login(browser, server, "doc@b.org")
    response = other.goto(family_url)
    assert response is not None and response.status == 404
    assert other.get_by_role("heading", name="Not found").is_visible()
    api = other.request.get(family_url.replace("/families/", "/api/v1/families/"))
    assert api.status == 404 and api.json()["ok"] is False
    token = httpx.post(f"{server}/api/v1/auth/token", json={"email": "doc@b.org", "password": PASSWORD}).json()["token"]
    members = httpx.get(family_url.replace("/families/", "/api/v1/families/") + "/members",
                        headers={"Authorization": f"Bearer {token}"})
    assert members.status_code == 404


def test_workspace__no_console_errors_or_csp_violations(server: str, browser: object) -> None:
    page = _login(browser, server, "admin@a.org")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    for url in ("/families", "/admin/audit", "/patients"):
        page.goto(f"{server}{url}")
    page.get_by_label("Search by name or label").fill("Prob")
    page.wait_for_timeout(600)
    assert problems == []


def test_workspace__axe_finds_no_serious_accessibility_violations(server: str, browser: object) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    page = _login(browser, server, "admin@a.org", bypass_csp=True)  # axe injects its own script
    serious: list[str] = []
    urls = ["/login", "/patients", "/families", "/admin/users", "/admin/audit", "/should-test?findings=copd&age=50"]
    for url in urls:
        page.goto(f"{server}{url}")
        results = axe_module.Axe().run(page)
        serious += [f"{url}: {v['id']} ({v['impact']})" for v in results.response["violations"]
                    if v["impact"] in ("serious", "critical")]
    family = page.get_by_role("link", name="Families").first
    family.click()
    links = page.locator("main ul.list a")
    if links.count():
        links.first.click()
        results = axe_module.Axe().run(page)
        serious += [f"family: {v['id']} ({v['impact']})" for v in results.response["violations"]
                    if v["impact"] in ("serious", "critical")]
    assert serious == []
