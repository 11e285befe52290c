"""Family documents: the family PDF, a plain-language letter per relative (page and PDF, reading grade <= 7),
and the patient PDF with the family's probabilities, plan, drawing, eligibility and risk scenarios."""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllable_counter

from web.conftest import World
from web.public.test_readability import main_text

ROOT = Path(__file__).resolve().parents[3]
MAX_GRADE = 7.0


@pytest.fixture
def offline_textstat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat without the CMU dictionary (which nltk would download): syllables come from pyphen."""
    monkeypatch.setattr(syllable_counter, "get_cmudict", lambda lang: None)
    yield


def pdf_text(content: bytes) -> str:
    """The text drawn in a reportlab PDF (page streams inflated, strings of Tj/TJ operators joined)."""
    assert content.startswith(b"%PDF")
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\n?endstream", content, re.S):
        try:
            chunks.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
        except (ValueError, zlib.error):
            chunks.append(stream)
    text = b" ".join(re.findall(rb"\((.*?)(?<!\\)\)", b"\n".join(chunks), re.S))
    return text.decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def _family(world: World) -> tuple[Any, dict[str, int], int]:
    """The documented consanguineous family, imported; a logged-in browser, ids by name, the family id."""
    h = world.token("doc@a.org")
    doc = json.loads((ROOT / "tests" / "data" / "pedigrees" / "consanguineous.json").read_text())
    family = world.client.post("/api/v1/families/import", json=doc, headers=h).json()["id"]
    members = world.client.get(f"/api/v1/families/{family}/members", headers=h).json()
    return world.login("doc@a.org"), {m["label"]: m["id"] for m in members}, family


def test_family_report_pdf__drawing_probabilities_plan_and_sources(sqlite_world: World) -> None:
    browser, _ids, family = _family(sqlite_world)
    response = browser.get(f"/families/{family}/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    for heading in ("Pedigree", "Genotype probabilities", "Cascade-testing plan", "Chances for a child", "Sources"):
        assert heading in text, heading
    assert "explicit allele frequencies" in text and "Author list not retrieved" not in text
    assert "q2" in text and "ZZ 92.0%" in text


def test_letter__plain_language_chance_test_and_contact(sqlite_world: World, offline_textstat: None) -> None:
    browser, ids, family = _family(sqlite_world)
    page = browser.get(f"/families/{family}/letters/{ids['q']}")
    assert page.status_code == 200
    letter = page.text.split('id="letter"')[1]
    assert letter.index("Get help now") < letter.index("Your chance")  # urgent help first
    assert "about 96 in 100" in letter and "You are first on the list" in letter
    assert "Clinic A" in letter and "doc@a.org" in letter and "blood" in letter
    text = main_text(page.text)
    assert float(textstat.flesch_kincaid_grade(text)) <= MAX_GRADE, textstat.flesch_kincaid_grade(text)
    pdf = browser.get(f"/families/{family}/letters/{ids['q']}.pdf")
    assert pdf.status_code == 200 and "about 96 in 100" in pdf_text(pdf.content)
    for name in ("u", "aw", "p"):  # every relative gets a letter that reads as easily
        text = main_text(browser.get(f"/families/{family}/letters/{ids[name]}").text)
        assert float(textstat.flesch_kincaid_grade(text)) <= MAX_GRADE, name


def test_patient_pdf__relative_first_in_plan_gets_family_chances_not_only_no_results(sqlite_world: World) -> None:
    browser, ids, _family_id = _family(sqlite_world)
    text = pdf_text(browser.get(f"/patients/{ids['q']}/report.pdf").content)
    assert "No results recorded." not in text
    assert "Rank 1 in the family's cascade-testing plan" in text and "P(severe genotype) 95.7%" in text
    assert "Lung and liver risk: scenarios" in text


def test_patient_pdf__eligibility_and_risk_scenarios(sqlite_world: World) -> None:
    browser, ids, _family_id = _family(sqlite_world)
    pid = ids["p"]
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get(f"/patients/{pid}").text).group(1)  # type: ignore[union-attr]
    browser.post(f"/patients/{pid}/details", data={"label": "p", "sex": "female", "birth_year": "1975",
                                                   "csrf_token": token})
    browser.post(f"/patients/{pid}/risk-profile", data={"height_cm": "165", "smoking": "current",
                                                        "pack_years": "10", "csrf_token": token})
    browser.post(f"/patients/{pid}/results", data={"kind": "spirometry", "taken_on": "2024-01-01", "fev1_l": "1.5",
                                                   "fvc_l": "3.0", "csrf_token": token})
    text = pdf_text(browser.get(f"/patients/{pid}/report.pdf").content)
    assert "Augmentation eligibility" in text and "GLI Global 2022" in text
    assert "stop smoking at" in text and "COPD by 70" in text
    assert "not_indicated" not in text


def test_letter__a_tested_person_without_family_chances_is_not_told_a_test_will_tell() -> None:
    """When the family's chances cannot be worked out (results that conflict), the letter to someone already
    tested speaks of their results; the letter to someone untested still offers a test."""
    from aatd.web.clinician.letters import relative_letter

    def words(tested: bool) -> str:
        letter = relative_letter("Ann", None, None, "Clinic A", "doc@a.org", tested=tested)
        return " ".join(line for _, lines in letter.sections for line in lines)

    tested, untested = words(True), words(False)
    assert "A test will tell you" not in tested and "ask for a test" not in tested
    assert "Your test results are on our record" in tested and "to talk about your results" in tested
    assert "A test will tell you for sure" in untested and "to ask for a test" in untested


def test_letter__says_aatd_may_run_in_the_family_unless_a_relative_has_it(sqlite_world: World) -> None:
    """The opening is true of the family's results: "Someone in your family has AATD" only when another
    member's own results show it."""
    from aatd.web.clinician.letters import relative_letter

    def opening(family_has_aatd: bool) -> str:
        letter = relative_letter("Ann", None, None, "Clinic A", "doc@a.org", family_has_aatd=family_has_aatd)
        return letter.sections[0][1][0]

    assert opening(True).startswith("Someone in your family has alpha-1 antitrypsin deficiency")
    assert opening(False).startswith("We are writing because alpha-1 antitrypsin deficiency (AATD) may run")
    browser, ids, family = _family(sqlite_world)  # the documented family: a relative with ZZ
    assert "Someone in your family has" in browser.get(f"/families/{family}/letters/{ids['q']}").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/patients").text).group(1)  # type: ignore[union-attr]
    made = browser.post("/patients", data={"csrf_token": token, "label": "Solo", "sex": "female"})
    solo_family = int(str(made.url).rstrip("/").split("/")[-1])
    solo = browser.get(f"/families/{solo_family}")
    solo_id = int(re.findall(r'/patients/(\d+)"', solo.text)[0])
    letter = browser.get(f"/families/{solo_family}/letters/{solo_id}").text
    assert "may run in your family" in letter and "Someone in your family has" not in letter
