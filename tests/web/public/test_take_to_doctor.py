"""Results people can take to the doctor: CRP, no claim beyond the inputs, inputs repeated, one-page PDFs."""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from aatd.web.public.result_view import CORE_PATIENT_SENTENCES
from web.clinician.test_documents import pdf_text

ZZ_NORMAL_LEVEL = {"submitted": "1", "level": "120", "unit": "mg/dL", "kind": "genotype", "result": "ZZ"}
LUNGS = {"submitted": "1", "genotype": "ZZ", "sex": "female", "age": "45", "height_cm": "165", "smoking": "former",
         "pack_years": "15", "quit_age": "40"}


def one_page_pdf(content: bytes) -> bool:
    return content.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", content)) == 1


def test_my_result__without_crp_makes_no_claim_of_illness_and_says_ask_your_doctor(client: TestClient) -> None:
    html = client.post("/public/my-result", data=ZZ_NORMAL_LEVEL).text
    assert "fighting an illness" not in html and "We will" not in html and "We will send you" not in html
    assert "No CRP result was entered" in html and "Ask your doctor about" in html


def test_my_result__raised_crp_is_named_and_a_normal_crp_is_not_called_an_illness(client: TestClient) -> None:
    raised = client.post("/public/my-result", data=ZZ_NORMAL_LEVEL | {"crp": "40"}).text
    assert "Your CRP is raised" in raised and "40 mg/L" in raised
    normal = client.post("/public/my-result", data=ZZ_NORMAL_LEVEL | {"crp": "2"}).text
    assert "Your CRP is raised" not in normal and "No CRP result was entered" not in normal


def test_my_result__repeats_what_was_entered(client: TestClient) -> None:
    html = client.post("/public/my-result", data=ZZ_NORMAL_LEVEL | {"smoking": "never"}).text
    entered = html.split("What you entered", 1)[1].split("What it means", 1)[0]
    assert "120 mg/dL" in entered and "ZZ" in entered and "I never smoked" in entered and "Not given" in entered


def test_my_result__bad_crp_names_the_field(client: TestClient) -> None:
    r = client.post("/public/my-result", data={"submitted": "1", "level": "40", "crp": "high"})
    assert r.status_code == 422 and 'id="crp-error"' in r.text


def test_my_result__specialist_step_links_to_find_care(client: TestClient) -> None:
    html = client.post("/public/my-result", data={"submitted": "1", "level": "20", "unit": "mg/dL",
                                                  "result": "ZZ"}).text
    assert "seeing a lung doctor who knows alpha-1 well" in html and 'href="/public/find-care"' in html


@pytest.mark.parametrize(("path", "data"), [
    ("/public/my-result.pdf", ZZ_NORMAL_LEVEL | {"crp": "40"}),
    ("/public/our-family.pdf", {"punnett": "1", "p1": "MZ", "p2": "SZ"}),
    ("/public/my-lungs.pdf", LUNGS),
])
def test_take_to_doctor_pdfs__are_one_page(client: TestClient, path: str, data: dict[str, str]) -> None:
    r = client.post(path, data=data)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert one_page_pdf(r.content)
    assert "attachment" in r.headers["content-disposition"]


@pytest.mark.parametrize("path", ["/public/my-result.pdf", "/public/our-family.pdf", "/public/my-lungs.pdf"])
def test_take_to_doctor_pdfs__bad_input_gives_the_form_with_errors(client: TestClient, path: str) -> None:
    r = client.post(path, data={"submitted": "1", "punnett": "1", "level": "x", "p1": "QQ"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("path", "data"), [
    ("/public/my-result", ZZ_NORMAL_LEVEL), ("/public/our-family", {"punnett": "1", "p1": "MZ", "p2": "MZ"}),
    ("/public/my-lungs", LUNGS),
])
def test_result_family_lungs_pages__offer_the_pdf_and_print(client: TestClient, path: str,
                                                             data: dict[str, str]) -> None:
    html = client.post(path, data=data).text
    assert f'action="{path}.pdf"' in html and "data-print" in html


def test_core_patient_sentences__match_the_core_tables_so_they_are_translated() -> None:
    texts = set()
    for name, column in (("patient_messages.csv", "text"), ("discordance_explanations.csv", "patient_text")):
        rows = csv.DictReader(resources.files("aatd").joinpath("data", name).read_text(encoding="utf-8").splitlines())
        texts |= {r[column] for r in rows}
    assert texts == set(CORE_PATIENT_SENTENCES)


def test_lungs_page__marks_the_risk_disclaimer_for_translation() -> None:
    from aatd.risk.answers import DISCLAIMER
    from aatd.web.public.lungs_page import RISK_DISCLAIMER

    assert RISK_DISCLAIMER == DISCLAIMER


def test_testing_and_family_pages__mark_the_core_disclaimers_for_translation() -> None:
    from aatd.clinic.who_to_test import DISCLAIMER as TESTING
    from aatd.family.cascade import DISCLAIMER as FAMILY
    from aatd.web.public.testing_page import FAMILY_NOTE, TESTING_DISCLAIMER

    assert TESTING_DISCLAIMER == TESTING and FAMILY_NOTE == FAMILY


def test_should_i_be_tested_pdf__reasons_in_spanish_are_the_statements_ticked(client: TestClient) -> None:
    """The PDF words each guideline's reasons as the page does: no English criterion on a Spanish summary."""
    query = [("submitted", "1"), ("finding", "copd"), ("finding", "asthma_persistent_obstruction"), ("age", "50")]
    spanish = pdf_text(client.get("/public/should-i-be-tested.pdf", params=[*query, ("lang", "es")]).content)
    assert "EPOC" in spanish and "obstruction" not in spanish and "COPD" not in spanish
    english = pdf_text(client.get("/public/should-i-be-tested.pdf", params=[*query, ("lang", "en")]).content)
    assert "COPD (persistent airflow obstruction)" in english
