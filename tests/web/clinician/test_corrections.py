"""Patient page: correct and retract results with a reason; deletion only once confirmed, naming who is unlinked."""

from __future__ import annotations

import re

from web.clinician.test_pages import _csrf, _member_id, _new_family
from web.conftest import World


def test_patient_page__correct_then_retract_a_result(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    pid = _member_id(browser.get(f"/families/{family_id}").text, "Proband")
    browser.post(f"/patients/{pid}/results", data={"kind": "level", "taken_on": "2024-01-02", "value": "30",
                                                   "unit": "mg/dL", "method": "nephelometry", "csrf_token": token})
    page = browser.get(f"/patients/{pid}").text
    rid = int(re.search(r'id="result-(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert "radial immunodiffusion (RID)" in page and "radial_immunodiffusion<" not in page
    no_reason = browser.post(f"/patients/{pid}/results/{rid}/correct",
                             data={"taken_on": "2024-01-02", "value": "80", "unit": "mg/dL",
                                   "method": "nephelometry", "csrf_token": token})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    fixed = browser.post(f"/patients/{pid}/results/{rid}/correct",
                         data={"taken_on": "2024-01-02", "value": "80", "unit": "mg/dL", "method": "nephelometry",
                               "reason": "typing error", "csrf_token": token})
    assert fixed.status_code == 200 and "80 mg/dL (nephelometry)" in fixed.text and "(corrected)" in fixed.text
    unconfirmed = browser.post(f"/patients/{pid}/results/{rid}/retract",
                               data={"reason": "wrong patient", "csrf_token": token})
    assert unconfirmed.status_code == 422 and "<del>" not in unconfirmed.text
    retracted = browser.post(f"/patients/{pid}/results/{rid}/retract",
                             data={"reason": "wrong patient", "confirm": "yes", "csrf_token": token})
    assert retracted.status_code == 200
    assert "<del>80 mg/dL (nephelometry)</del> <strong>retracted</strong>: wrong patient" in retracted.text
    assert "Interpretation" not in retracted.text  # the retracted level is no longer read


def test_patient_page__delete_needs_confirmation_and_names_the_unlinked(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    url = f"/families/{family_id}"
    proband = _member_id(browser.get(url).text, "Proband")
    browser.post(f"{url}/members", data={"member_id": proband, "relation": "child", "label": "Kid", "sex": "male",
                                          "csrf_token": token})
    page = browser.get(f"/patients/{proband}").text
    assert "unlinks: Kid" in page
    refused = browser.post(f"/patients/{proband}/delete", data={"csrf_token": _csrf(page)})
    assert refused.status_code == 422 and "confirm" in refused.text
    assert browser.get(f"/patients/{proband}").status_code == 200
    done = browser.post(f"/patients/{proband}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 200 and browser.get(f"/patients/{proband}").status_code == 404


def test_admin_page__removing_two_step_login_needs_confirmation(sqlite_world: World) -> None:
    admin = sqlite_world.login("admin@a.org")
    page = admin.get("/admin/users").text
    doc_id = sqlite_world.client.get("/api/v1/me", headers=sqlite_world.token("doc@a.org")).json()["id"]
    refused = admin.post(f"/admin/users/{doc_id}/totp/remove", data={"csrf_token": _csrf(page)})
    assert refused.status_code == 422 and "confirm" in refused.text
    done = admin.post(f"/admin/users/{doc_id}/totp/remove", data={"csrf_token": _csrf(page), "confirm": "yes"})
    assert done.status_code == 200


def test_patient_page__a_crp_entered_in_the_wrong_unit_is_corrected_to_mg_dl(sqlite_world: World) -> None:
    """A US report's 1.2 mg/dL first saved as 1.2 mg/L (normal) is corrected to mg/dL: the page then shows it in both
    units and the interpretation reads it as raised (12 mg/L); the form's CRP unit is the CRP's own list."""
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    pid = _member_id(browser.get(f"/families/{family_id}").text, "Proband")
    for data in ({"kind": "level", "value": "100", "unit": "mg/dL", "method": "unspecified", "crp_unit": "mg/L"},
                 {"kind": "crp", "value": "1.2", "unit": "mg/dL", "method": "unspecified", "crp_unit": "mg/L"}):
        browser.post(f"/patients/{pid}/results", data={**data, "taken_on": "2024-01-02", "csrf_token": token})
    page = browser.get(f"/patients/{pid}").text
    assert "1.2 mg/L" in page and "CRP 1.2 mg/L is below the inflammation cut-off" in page
    rid = int(re.findall(r'id="result-(\d+)"', page)[0])  # newest first: the CRP
    assert re.search(rf'<select id="c-unit-{rid}" name="unit"><option selected>mg/L</option><option >mg/dL', page)
    fixed = browser.post(f"/patients/{pid}/results/{rid}/correct",
                         data={"taken_on": "2024-01-02", "value": "1.2", "unit": "mg/dL",
                               "reason": "the report gives mg/dL", "csrf_token": token})
    assert fixed.status_code == 200 and "1.2 mg/dL (12 mg/L)" in fixed.text and "(corrected)" in fixed.text
    assert "CRP 1.2 mg/dL (12 mg/L) is at or above the inflammation cut-off (5 mg/L)" in fixed.text
