"""Workspace pages through a real app and SQLite: forms, CSRF, relatives, results, admin pages."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from web.conftest import World


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _new_family(browser: TestClient, label: str = "Proband") -> tuple[int, str]:
    token = _csrf(browser.get("/patients").text)
    response = browser.post("/patients", data={"label": label, "sex": "female", "csrf_token": token})
    assert response.status_code == 200 and "/families/" in str(response.url)
    return int(str(response.url).rsplit("/", 1)[1]), token


def _member_id(html: str, label: str) -> int:
    return int(re.search(rf'<a href="/patients/(\d+)">{re.escape(label)}</a>', html).group(1))  # type: ignore[union-attr]


def test_pages__login_required_redirects_to_login(sqlite_world: World) -> None:
    response = sqlite_world.client.get("/patients?q=a", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Fpatients")


def test_login__wrong_password_and_missing_csrf_refused(sqlite_world: World) -> None:
    client = sqlite_world.client
    client.get("/login")
    no_csrf = client.post("/login", data={"email": "doc@a.org", "password": "x" * 12})
    assert no_csrf.status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    wrong = client.post("/login", data={"email": "doc@a.org", "password": "x" * 12, "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong email or password" in wrong.text


def test_login__session_cookie_is_httponly_and_samesite(sqlite_world: World) -> None:
    client = TestClient(sqlite_world.app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    from web.conftest import PASSWORD

    response = client.post("/login", data={"email": "doc@a.org", "password": PASSWORD, "csrf_token": token,
                                            "next": "//evil.example"}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "aatd_session=" in cookie
    assert response.headers["location"] == "/patients"


def test_forms__post_without_csrf_token_refused(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    response = browser.post("/patients", data={"label": "X", "sex": "male"})
    assert response.status_code == 403 and "CSRF" in response.text


def test_family_page__add_parents_partner_siblings_children(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    url = f"/families/{family_id}"
    proband = _member_id(browser.get(url).text, "Proband")
    for relation, label, sex in (("parent", "Dad", "male"), ("parent", "Mum", "female"), ("sibling", "Bro", "male"),
                                 ("partner", "Husband", "male"), ("child", "Kid", "female")):
        response = browser.post(f"{url}/members", data={"member_id": proband, "relation": relation, "label": label,
                                                         "sex": sex, "csrf_token": token})
        assert response.status_code == 200, response.text
    exported = json.loads(browser.get(f"{url}/export.json").text)
    members = exported["members"]
    by_label = {m["name"]: m for m in members}
    ids = {m["id"]: m["name"] for m in members}
    assert ids[by_label["Bro"]["father"]] == "Dad" and ids[by_label["Bro"]["mother"]] == "Mum"
    assert ids[by_label["Kid"]["mother"]] == "Proband" and ids[by_label["Kid"]["father"]] == "Husband"
    assert ids[by_label["Dad"]["partner"]] == "Mum"


def test_family_page__second_father_refused_with_message(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    proband = _member_id(browser.get(f"/families/{family_id}").text, "Proband")
    data = {"member_id": proband, "relation": "parent", "label": "Dad", "sex": "male", "csrf_token": token}
    browser.post(f"/families/{family_id}/members", data=data)
    again = browser.post(f"/families/{family_id}/members", data=data | {"label": "Dad2"})
    assert again.status_code == 422 and "without a father yet" in again.text and "Dad2" not in again.text


def test_patient_page__result_entry_error_keeps_input_and_stores_nothing(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    pid = _member_id(browser.get(f"/families/{family_id}").text, "Proband")
    bad = browser.post(f"/patients/{pid}/results", data={"kind": "genotype", "taken_on": "2024-01-02",
                                                          "text": "ZQ", "csrf_token": token})
    assert bad.status_code == 422 and "text: got &#39;ZQ&#39;" in bad.text and 'value="ZQ"' in bad.text
    assert "No results yet." in bad.text
    good = browser.post(f"/patients/{pid}/results", data={"kind": "genotype", "taken_on": "2024-01-02",
                                                           "text": "ZZ", "csrf_token": token})
    assert good.status_code == 200 and "Severity" in good.text
    assert browser.get(f"/patients/{pid}/report.pdf").content.startswith(b"%PDF")


def test_patients_page__htmx_search_returns_rows_only(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    _new_family(browser, "Alice")
    _new_family(browser, "Bob")
    rows = browser.get("/patients", params={"q": "ali"}, headers={"HX-Request": "true"}).text
    assert "Alice" in rows and "Bob" not in rows and "<html" not in rows


def test_admin_pages__delete_restore_and_audit(sqlite_world: World) -> None:
    doc = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(doc, "Carol")
    pid = _member_id(doc.get(f"/families/{family_id}").text, "Carol")
    doc.post(f"/patients/{pid}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert doc.get(f"/patients/{pid}").status_code == 404
    assert doc.get("/admin/audit").status_code == 403
    admin = sqlite_world.login("admin@a.org")
    admin_token = _csrf(admin.get("/admin/deleted").text)
    assert "Carol" in admin.get("/admin/deleted").text
    admin.post(f"/admin/deleted/{pid}/restore", data={"csrf_token": admin_token})
    assert doc.get(f"/patients/{pid}").status_code == 200
    audit = admin.get("/admin/audit").text
    assert "restore" in audit and "doc@a.org" in audit


def test_pages__other_organisation_gets_404(sqlite_world: World) -> None:
    doc = sqlite_world.login("doc@a.org")
    family_id, _ = _new_family(doc, "Dana")
    pid = _member_id(doc.get(f"/families/{family_id}").text, "Dana")
    other = sqlite_world.login("doc@b.org")
    for url in (f"/families/{family_id}", f"/patients/{pid}", f"/patients/{pid}/report.pdf",
                f"/families/{family_id}/export.json"):
        assert other.get(url).status_code == 404, url


def test_import_page__upload_creates_family_and_bad_file_explained(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    token = _csrf(browser.get("/families").text)
    doc = {"members": [{"id": "a", "sex": "male", "genotype": "MZ"}, {"id": "b", "sex": "female", "father": "a"}]}
    ok = browser.post("/families/import", data={"csrf_token": token},
                      files={"file": ("fam.json", json.dumps(doc), "application/json")})
    assert ok.status_code == 200 and "MZ" in ok.text
    bad = browser.post("/families/import", data={"csrf_token": token},
                       files={"file": ("fam.json", "{not json", "application/json")})
    assert bad.status_code == 422 and "UTF-8 JSON" in bad.text


def test_logout__session_no_longer_valid(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    token = _csrf(browser.get("/patients").text)
    cookie = browser.cookies.get("aatd_session")
    browser.post("/logout", data={"csrf_token": token})
    replay = TestClient(sqlite_world.app, cookies={"aatd_session": cookie or ""})
    assert replay.get("/patients", follow_redirects=False).status_code == 303


def test_pages__disclaimer_on_every_page(sqlite_world: World) -> None:
    browser = sqlite_world.login("admin@a.org")
    for url in ("/login", "/patients", "/families", "/admin/audit", "/admin/users", "/admin/deleted", "/nowhere"):
        assert "supports, and does not replace, clinical judgement" in browser.get(url).text, url


def test_patient_page__control_characters_in_note_refused(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser, "Nora")
    pid = _member_id(browser.get(f"/families/{family_id}").text, "Nora")
    bad = browser.post(f"/patients/{pid}/results", data={"kind": "crp", "taken_on": "2024-01-02", "value": "3",
                                                          "note": "a\x00b", "csrf_token": token})
    assert bad.status_code == 422 and "note: got" in bad.text


def test_family_page__view_runs_inference_once(sqlite_world: World, monkeypatch: object) -> None:
    """Probabilities, plan, children's chances and the drawing come from one inference per page view."""
    import pytest

    from aatd.family import answers

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    url = f"/families/{family_id}"
    proband = _member_id(browser.get(url).text, "Proband")
    for relation, label, sex in (("parent", "Dad", "male"), ("parent", "Mum", "female"), ("sibling", "Bro", "male")):
        browser.post(f"{url}/members", data={"member_id": proband, "relation": relation, "label": label, "sex": sex,
                                             "csrf_token": token})
    calls: list[int] = []
    real_infer = answers.infer

    def counting_infer(*args: object, **kwargs: object) -> answers.PedigreeResult:
        calls.append(1)
        return real_infer(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(answers, "infer", counting_infer)
    from aatd.web.clinician.answers import _family_answers

    _family_answers.cache_clear()
    page = browser.get(url)
    assert page.status_code == 200
    assert "Cascade testing plan" in page.text and "<svg" in page.text
    assert len(calls) == 1
    browser.get(url)  # unchanged family: answered from the cache
    assert len(calls) == 1
