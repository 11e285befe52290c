"""REST API on real SQLite and PostgreSQL: resources, isolation, CSRF, roles, soft delete, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from web.conftest import PASSWORD, World

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _patient(world: World, headers: dict[str, str], **fields: object) -> dict[str, object]:
    response = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female", **fields},
                                 headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_patients__create_read_update_list(world: World) -> None:
    h = world.token("doc@a.org")
    p = _patient(world, h, birth_year=1970)
    assert world.client.get(f"/api/v1/patients/{p['id']}", headers=h).json()["birth_year"] == 1970
    changed = world.client.patch(f"/api/v1/patients/{p['id']}", json={"deceased": True}, headers=h).json()
    assert changed["deceased"] is True
    assert [x["label"] for x in world.client.get("/api/v1/patients", headers=h).json()] == ["Ann"]


def test_results__stored_in_canonical_form_and_listed(world: World) -> None:
    h = world.token("doc@a.org")
    p = _patient(world, h)
    url = f"/api/v1/patients/{p['id']}/results"
    posts = [{"kind": "genotype", "taken_on": "2023-05-01", "text": "PI*Z/Z", "panel": "S/Z PCR"},
             {"kind": "level", "taken_on": "2023-05-01", "value": "<20", "unit": "umol/L", "method": "neph"},
             {"kind": "crp", "taken_on": "2023-05-01", "value": 4.2},
             {"kind": "phenotype", "taken_on": "2022-01-01", "text": "Z"},
             {"kind": "spirometry", "taken_on": "2024-02-02", "fev1_l": 2.1, "fvc_l": 3.5}]
    for body in posts:
        assert world.client.post(url, json=body, headers=h).status_code == 201
    stored = world.client.get(url, headers=h).json()
    assert [r["kind"] for r in stored] == ["phenotype", "genotype", "level", "crp", "spirometry"]
    level = stored[2]
    assert (stored[1]["text"], level["value"], level["below"], level["method"]) == ("ZZ", 20.0, True, "nephelometry")


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "genotype", "taken_on": "2023-05-01", "text": "ZX"}, "text"),
    ({"kind": "level", "taken_on": "2023-05-01", "value": 80, "unit": "mg/L"}, "level.unit"),
    ({"kind": "spirometry", "taken_on": "2023-05-01", "fev1_l": 4.0, "fvc_l": 3.0}, "fev1_l"),
    ({"kind": "crp", "taken_on": "1800-01-01", "value": 1}, "taken_on"),
    ({"kind": "blood", "taken_on": "2023-05-01"}, "kind"),
])
def test_results__bad_input_names_the_field(world: World, body: dict[str, object], field: str) -> None:
    h = world.token("doc@a.org")
    p = _patient(world, h)
    response = world.client.post(f"/api/v1/patients/{p['id']}/results", json=body, headers=h)
    assert response.status_code == 422
    error = response.json()
    assert error["ok"] is False and error["status"] == 422
    assert error["errors"][0]["field"] == field
    assert world.client.get(f"/api/v1/patients/{p['id']}/results", headers=h).json() == []


def test_isolation__other_organisation_gets_404_everywhere(world: World) -> None:
    mine = world.token("doc@a.org")
    theirs = world.token("doc@b.org")
    p = _patient(world, mine)
    pid, fid = p["id"], p["family_id"]
    calls = [("GET", f"/api/v1/patients/{pid}", None), ("PATCH", f"/api/v1/patients/{pid}", {"label": "x"}),
             ("DELETE", f"/api/v1/patients/{pid}", None), ("GET", f"/api/v1/patients/{pid}/results", None),
             ("POST", f"/api/v1/patients/{pid}/results", {"kind": "crp", "taken_on": "2024-01-01", "value": 1}),
             ("GET", f"/api/v1/families/{fid}", None), ("GET", f"/api/v1/families/{fid}/export", None),
             ("GET", f"/api/v1/families/{fid}/members", None)]
    for method, url, body in calls:
        response = world.client.request(method, url, json=body, headers=theirs)
        assert response.status_code == 404, (method, url, response.text)
    assert world.client.get("/api/v1/patients", headers=theirs).json() == []
    linked = world.client.post("/api/v1/patients", json={"label": "B", "family_id": fid}, headers=theirs)
    assert linked.status_code == 404
    assert world.client.get(f"/api/v1/patients/{pid}", headers=mine).json()["label"] == "Ann"


def test_csrf__cookie_calls_need_the_token_bearer_calls_do_not(world: World) -> None:
    browser = world.login("doc@a.org")
    refused = browser.post("/api/v1/patients", json={"label": "X"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "csrf_token"
    page = browser.get("/patients").text
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    assert browser.post("/api/v1/patients", json={"label": "X"}, headers={"X-CSRF-Token": token}).status_code == 201
    assert browser.get("/api/v1/patients").status_code == 200
    bearer = world.token("doc@a.org")
    assert world.client.post("/api/v1/patients", json={"label": "Y"}, headers=bearer).status_code == 201


def test_roles__clinician_refused_admin_resources(world: World) -> None:
    doc = world.token("doc@a.org")
    for url in ("/api/v1/audit", "/api/v1/users"):
        response = world.client.get(url, headers=doc)
        assert response.status_code == 403 and response.json()["status"] == 403
    p = _patient(world, doc)
    world.client.delete(f"/api/v1/patients/{p['id']}", headers=doc)
    assert world.client.post(f"/api/v1/patients/{p['id']}/restore", headers=doc).status_code == 403


def test_soft_delete__hidden_then_restored_by_admin(world: World) -> None:
    doc, admin = world.token("doc@a.org"), world.token("admin@a.org")
    p = _patient(world, doc)
    assert world.client.delete(f"/api/v1/patients/{p['id']}", headers=doc).json()["deleted_at"] is not None
    assert world.client.get(f"/api/v1/patients/{p['id']}", headers=doc).status_code == 404
    deleted = world.client.get("/api/v1/patients", params={"deleted": True}, headers=admin).json()
    assert [x["id"] for x in deleted] == [p["id"]]
    assert world.client.post(f"/api/v1/patients/{p['id']}/restore", headers=admin).json()["deleted_at"] is None
    assert world.client.get(f"/api/v1/patients/{p['id']}", headers=doc).status_code == 200


def test_audit__records_reads_and_changes_and_is_append_only(world: World) -> None:
    doc, admin = world.token("doc@a.org"), world.token("admin@a.org")
    p = _patient(world, doc)
    world.client.get(f"/api/v1/patients/{p['id']}", headers=doc)
    events = world.client.get("/api/v1/audit", headers=admin).json()
    seen = {(e["actor"], e["action"], e["entity"], e["entity_id"]) for e in events}
    assert {("doc@a.org", "create", "patient", p["id"]), ("doc@a.org", "read", "patient", p["id"])} <= seen
    assert all(e["actor"] != "doc@b.org" for e in events)
    with pytest.raises(Exception, match="append-only"), world.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), world.app.state.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))


def test_family_json__export_then_import_round_trip(world: World) -> None:
    h = world.token("doc@a.org")
    doc = {"members": [{"id": "f", "sex": "male", "genotype": "MZ"}, {"id": "m", "sex": "female", "phenotype": "MS"},
                       {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "SZ"},
                       {"id": "s", "sex": "male", "father": "f", "mother": "m",
                        "level": {"value": 80, "unit": "mg/dL"}}]}
    family = world.client.post("/api/v1/families/import", json=doc, headers=h)
    assert family.status_code == 201, family.text
    exported = world.client.get(f"/api/v1/families/{family.json()['id']}/export", headers=h).json()
    by_label = {m["name"]: m for m in exported["members"]}
    ids = {m["id"]: m["name"] for m in exported["members"]}
    assert ids[by_label["p"]["father"]] == "f" and ids[by_label["p"]["mother"]] == "m"
    assert (by_label["f"]["genotype"], by_label["m"]["phenotype"], by_label["s"]["level"]["value"]) == ("MZ", "MS", 80)


def test_family_json__bad_reference_refused_and_nothing_stored(world: World) -> None:
    h = world.token("doc@a.org")
    doc = {"members": [{"id": "a", "sex": "male"}, {"id": "b", "sex": "female", "father": "zz"}]}
    response = world.client.post("/api/v1/families/import", json=doc, headers=h)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "members[1].father"
    bad_genotype = {"members": [{"id": "a", "sex": "male"}, {"id": "b", "sex": "female", "genotype": "QQ"}]}
    response = world.client.post("/api/v1/families/import", json=bad_genotype, headers=h)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "members[1].genotype"
    assert world.client.get("/api/v1/families", headers=h).json() == []


def test_users__admin_adds_clinician_to_own_organisation(world: World) -> None:
    admin = world.token("admin@a.org")
    made = world.client.post("/api/v1/users", json={"email": "new@a.org", "password": PASSWORD}, headers=admin)
    assert made.status_code == 201
    again = world.client.post("/api/v1/users", json={"email": "new@a.org", "password": PASSWORD}, headers=admin)
    assert again.status_code == 409
    assert world.client.get("/api/v1/me", headers=world.token("new@a.org")).json()["organisation"] == "Clinic A"


def test_prevalence__ancestry_group_answers_and_an_unknown_one_is_422_naming_the_field(sqlite_world: World) -> None:
    answer = sqlite_world.client.get("/api/v1/prevalence", params={"ancestry": "White British"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["ancestry"] == "White British" and body["unreported_alleles"] == ["S"]
    assert list(body["genotypes"]) == ["ZZ"]
    unknown = sqlite_world.client.get("/api/v1/prevalence", params={"ancestry": "Atlantean"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["ancestry"]


def test_prevalence__a_z_only_country_answers_and_family_priors_refuse_it(sqlite_world: World) -> None:
    """Denmark's survey published Z only: the prevalence answer names S as not published (as the CLI does); a
    pedigree or a family with that country is a 422 on ``country`` saying what to do instead."""
    body = sqlite_world.client.get("/api/v1/prevalence", params={"country": "Denmark"}).json()
    assert body["country"] == "Denmark" and body["unreported_alleles"] == ["S"] and list(body["genotypes"]) == ["ZZ"]
    pedigree = {"country": "Denmark", "members": [{"id": "a", "sex": "male"}, {"id": "b", "sex": "female"}]}
    refused = sqlite_world.client.post("/api/v1/pedigree", json=pedigree)
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "country" and "S frequency not published for Denmark" in error["message"]
