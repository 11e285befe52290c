"""Clinician risk page: opens with a form, takes every exposure of ``aatd risk``, keeps height and smoking on the
record, shows scenarios as a table; numbers equal the core's on the same inputs."""

from __future__ import annotations

import html
import re

from aatd.clinic.augmentation import NOT_POST_BRONCHODILATOR
from aatd.risk.answers import describe_risk
from aatd.risk.lung_function import describe_interpretation_with_spirometry, lung_function
from aatd.web.clinician.labels import readable
from web.clinician.test_pages import _member_id, _new_family
from web.conftest import World


def _patient(world: World) -> tuple[object, int, str]:
    browser = world.login("doc@a.org")
    family_id, token = _new_family(browser)
    pid = _member_id(browser.get(f"/families/{family_id}").text, "Proband")
    browser.post(f"/patients/{pid}/results", data={"kind": "genotype", "taken_on": "2024-01-02", "text": "ZZ",
                                                   "csrf_token": token})
    return browser, pid, token


def test_risk_page__opens_with_a_form_not_an_error(sqlite_world: World) -> None:
    browser, pid, _token = _patient(sqlite_world)
    page = browser.get(f"/patients/{pid}/risk")  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert "Please correct this" not in page.text and "got None" not in page.text
    assert "the age (or a birth year on the record)" in page.text and 'id="risk-form"' in page.text
    for field in ("quit_age", "smoking_start_age", "cigarettes_per_day", "secondhand_smoke", "dust",
                  "family_emphysema", "asthma", "infections", "alcohol", "bmi", "diabetes", "augmentation"):
        assert f'name="{field}"' in page.text, field


def test_risk_page__former_smoker_with_quit_age_and_scenarios_table(sqlite_world: World) -> None:
    browser, pid, _token = _patient(sqlite_world)
    query = {"age": "50", "height_cm": "170", "smoking": "current", "pack_years": "20", "dust": "on",
             "alcohol": "moderate", "scenario": ["quit", "no-dust"], "scenario_text": "augmentation@55"}
    page = browser.get(f"/patients/{pid}/risk", params=query)  # type: ignore[attr-defined]
    assert page.status_code == 200, page.text
    table = page.text.split('id="scenarios"')[1].split("</table>")[0]
    assert table.count("<tr>") == 5  # header, as now, three scenarios
    core = describe_risk(genotype="ZZ", sex="female", age=50, height_cm=170, smoking="current", pack_years=20,
                         dust=True, alcohol="moderate", scenarios=["quit", "no-dust", "augmentation@55"], n=2000,
                         seed=0)
    by_80 = next(o for o in core["scenarios"]["quit"]["outcomes"] if o["age"] == 80)
    assert f"{100 * by_80['copd_lln']:.0f}%" in table
    former = browser.get(f"/patients/{pid}/risk", params={"age": "60", "height_cm": "170", "smoking": "former",  # type: ignore[attr-defined]
                                                          "pack_years": "20", "quit_age": "45"})
    assert former.status_code == 200 and 'id="outcomes"' in former.text
    bad = browser.get(f"/patients/{pid}/risk", params={"age": "60", "height_cm": "tall"})  # type: ignore[attr-defined]
    assert bad.status_code == 422 and "height_cm" in bad.text


def test_risk_page__height_and_smoking_kept_on_the_record(sqlite_world: World) -> None:
    browser, pid, token = _patient(sqlite_world)
    saved = browser.post(f"/patients/{pid}/risk-profile", data={  # type: ignore[attr-defined]
        "height_cm": "165", "smoking": "former", "pack_years": "12", "quit_age": "40", "csrf_token": token})
    assert saved.status_code == 200
    assert re.search(r'id="height_cm"[^>]*value="165"', saved.text)
    assert re.search(r'<option value="former" selected', saved.text)
    refused = browser.post(f"/patients/{pid}/risk-profile", data={"height_cm": "5", "csrf_token": token})  # type: ignore[attr-defined]
    assert refused.status_code == 422 and "height_cm" in refused.text


def test_patient_page__augmentation_eligibility_from_level_spirometry_and_smoking(sqlite_world: World) -> None:
    """Stored FEV1/FVC below its lower limit decides airflow obstruction, so the page reaches ``consider``
    (ATS/ERS, A1F) with the core's verdicts on the same values, and says the spirometry is not marked
    post-bronchodilator (the record has no such mark)."""
    browser, pid, token = _patient(sqlite_world)
    browser.post(f"/patients/{pid}/details", data={"label": "Proband", "sex": "female", "birth_year": "1970",  # type: ignore[attr-defined]
                                                   "csrf_token": token})
    browser.post(f"/patients/{pid}/risk-profile", data={"height_cm": "165", "smoking": "former",  # type: ignore[attr-defined]
                                                        "csrf_token": token})
    for data in ({"kind": "level", "value": "5", "unit": "umol/L", "method": "nephelometry"},
                 {"kind": "spirometry", "fev1_l": "1.2", "fvc_l": "2.9"}):
        browser.post(f"/patients/{pid}/results", data=data | {"taken_on": "2024-03-01", "csrf_token": token})  # type: ignore[attr-defined]
    page = html.unescape(browser.get(f"/patients/{pid}").text)  # type: ignore[attr-defined]
    section = page.split('id="eligibility"')[1].split("</section>")[0]
    assert "% of predicted (GLI Global 2022" in section and "Smoking: former smoker" in section
    assert "not_indicated" not in page
    spirometry = {"fev1_l": 1.2, "fvc_l": 2.9, "sex": "female", "height_cm": 165.0, "age": 54}
    core = describe_interpretation_with_spirometry(genotype="ZZ", level=5, unit="umol/L", method="nephelometry",
                                                   smoking="former", age=54, spirometry=spirometry)
    pct = float(section.split(" is ")[1].split("%")[0])
    assert pct == lung_function(1.2, 2.9, "female", 54, 165).fev1_pct == core["inputs"]["fev1_pct"]
    assert "FEV1/FVC 0.41 is below its lower limit of normal" in section and "obstruction present" in section
    decisions = {v["guideline"]: v["decision"] for v in core["eligibility"]}
    assert decisions["ats_ers2003"] == decisions["a1f2016"] == "consider"
    for verdict in core["eligibility"]:
        assert f"<td>{verdict['name']}</td><td>{readable(verdict['decision'])}" in section
    assert NOT_POST_BRONCHODILATOR in section
    # marked post-bronchodilator (a correction, audited): the same verdicts, without the caveat
    rid = re.search(r'id="c-bd-(\d+)"', page)
    assert rid is not None
    corrected = browser.post(f"/patients/{pid}/results/{rid.group(1)}/correct", data={  # type: ignore[attr-defined]
        "fev1_l": "1.2", "fvc_l": "2.9", "post_bronchodilator": "yes", "reason": "report says post-BD",
        "csrf_token": token})
    assert corrected.status_code == 200, corrected.text
    page = html.unescape(browser.get(f"/patients/{pid}").text)  # type: ignore[attr-defined]
    section = page.split('id="eligibility"')[1].split("</section>")[0]
    assert NOT_POST_BRONCHODILATOR not in section and "FEV1/FVC 0.41, post-bronchodilator" in page
    marked = describe_interpretation_with_spirometry(
        genotype="ZZ", level=5, unit="umol/L", method="nephelometry", smoking="former", age=54,
        spirometry=spirometry | {"post_bronchodilator": True})
    for verdict in marked["eligibility"]:
        assert f"<td>{verdict['name']}</td><td>{readable(verdict['decision'])}" in section


def test_risk_page__country_chooses_the_life_table_and_the_page_names_it(sqlite_world: World) -> None:
    browser, pid, _token = _patient(sqlite_world)
    query = {"age": "50", "height_cm": "170", "country": "Japan"}
    page = browser.get(f"/patients/{pid}/risk", params=query)  # type: ignore[attr-defined]
    assert page.status_code == 200, page.text
    assert '<option value="Japan" selected>' in page.text
    assert "life table of Japan, United Nations World Population Prospects 2019" in page.text
    core = describe_risk(genotype="ZZ", sex="female", age=50, height_cm=170, country="Japan", n=2000, seed=0)
    died = next(o for o in core["outcomes"] if o["age"] == 80)["death"]
    table = page.text.split('id="outcomes"')[1].split("</table>")[0]
    assert f"{100 * died:.0f}%" in table
    bad = browser.get(f"/patients/{pid}/risk", params=query | {"country": "Atlantis"})  # type: ignore[attr-defined]
    assert bad.status_code == 422 and "country" in bad.text and "United Kingdom" in bad.text


def test_risk_page__starts_at_the_family_country_and_the_report_uses_it_too(sqlite_world: World) -> None:
    browser, pid, token = _patient(sqlite_world)
    page = browser.get(f"/patients/{pid}")  # type: ignore[attr-defined]
    family_id = int(re.search(r'href="/families/(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    browser.post(f"/families/{family_id}/settings", data={"country": "sweden", "csrf_token": token})  # type: ignore[attr-defined]
    page = browser.get(f"/patients/{pid}/risk", params={"age": "50", "height_cm": "170"})  # type: ignore[attr-defined]
    assert page.status_code == 200 and '<option value="Sweden" selected>' in page.text
    assert "life table of Sweden" in page.text
    chosen = browser.get(f"/patients/{pid}/risk", params={"age": "50", "height_cm": "170", "country": "USA"})  # type: ignore[attr-defined]
    assert "life table of USA" in chosen.text
