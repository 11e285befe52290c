"""Corrections of results: edit and retract with a reason, both in the hash-chained audit log."""

from __future__ import annotations

from sqlalchemy import select

from aatd.web.api.results import RESULT_LIST
from aatd.web.db import transaction
from aatd.web.models import User
from aatd.web.schemas import ResultOut
from aatd.web.workspace.repository import Workspace
from web.conftest import World


def _patient_with_level(world: World) -> tuple[dict[str, str], int, int]:
    h = world.token("doc@a.org")
    p = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=h).json()
    r = world.client.post(f"/api/v1/patients/{p['id']}/results", headers=h,
                          json={"kind": "level", "taken_on": "2024-01-02", "value": 30, "unit": "mg/dL",
                                "method": "nephelometry"}).json()
    return h, p["id"], r["id"]


def test_correct_result__new_value_kept_and_old_one_audited_with_the_reason(world: World) -> None:
    h, pid, rid = _patient_with_level(world)
    fixed = world.client.patch(f"/api/v1/patients/{pid}/results/{rid}", headers=h,
                               json={"value": 80, "reason": "typing error: 80 not 30"})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["value"] == 80 and fixed.json()["updated_at"] is not None
    events = world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
    event = next(e for e in events if e["action"] == "correct")
    assert event["entity_id"] == rid and event["detail"]["reason"] == "typing error: 80 not 30"
    assert event["detail"]["before"] == {"value": 30.0} and event["detail"]["after"] == {"value": 80.0}
    assert world.client.get("/api/v1/audit/verify", headers=world.token("admin@a.org")).json()["ok"] is True


def test_correct_result__needs_a_reason_a_change_and_a_valid_value(world: World) -> None:
    h, pid, rid = _patient_with_level(world)
    url = f"/api/v1/patients/{pid}/results/{rid}"
    no_reason = world.client.patch(url, headers=h, json={"value": 80})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"].endswith("reason")
    same = world.client.patch(url, headers=h, json={"value": 30, "reason": "checked"})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "result"
    bad = world.client.patch(url, headers=h, json={"value": "lots", "reason": "checked"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("level")
    other = world.client.patch(url, headers=world.token("doc@b.org"), json={"value": 80, "reason": "mine"})
    assert other.status_code == 404


def test_retract_result__kept_on_record_and_left_out_of_answers(world: World) -> None:
    h, pid, rid = _patient_with_level(world)
    url = f"/api/v1/patients/{pid}/results/{rid}/retract"
    assert world.client.post(url, headers=h, json={"reason": "x"}).status_code == 422
    done = world.client.post(url, headers=h, json={"reason": "sample from another patient"})
    assert done.status_code == 200 and done.json()["retraction_reason"] == "sample from another patient"
    assert world.client.post(url, headers=h, json={"reason": "again please"}).status_code == 409
    listed = world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json()
    assert listed[0]["retracted_at"] is not None
    family = world.client.get(f"/api/v1/patients/{pid}", headers=h).json()["family_id"]
    exported = world.client.get(f"/api/v1/families/{family}/export", headers=h).json()
    assert "level" not in exported["members"][0]
    assert exported["records"][str(pid)]["results"][0]["retracted"] == "sample from another patient"
    events = world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
    assert any(e["action"] == "retract" and e["detail"]["reason"] == "sample from another patient" for e in events)
    fix = world.client.patch(f"/api/v1/patients/{pid}/results/{rid}", headers=h, json={"value": 80, "reason": "no"})
    assert fix.status_code == 422


def test_list_results__same_json_as_the_results_read_as_orm_objects(world: World) -> None:
    """The list is built from column values (``Workspace.result_values``) for speed; its JSON must be byte for
    byte what the ORM objects of ``Workspace.results`` give, in the same order (date, then id), retracted and
    corrected results included, on both databases."""
    h = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=h).json()["id"]
    url = f"/api/v1/patients/{pid}/results"
    sent = [{"kind": "level", "taken_on": "2024-03-01", "value": "<20", "unit": "mg/dL", "method": "nephelometry"},
            {"kind": "genotype", "taken_on": "2023-01-05", "text": "PI*ZZ", "note": 'said "Z" <b>twice</b> é'},
            {"kind": "phenotype", "taken_on": "2024-03-01", "text": "MS"},
            {"kind": "crp", "taken_on": "2022-12-31", "value": 3.25, "unit": "mg/L"},
            {"kind": "spirometry", "taken_on": "2024-02-29", "fev1_l": 1.92, "fvc_l": 3.1},
            {"kind": "level", "taken_on": "2023-01-05", "value": 11, "unit": "µM"}]
    ids = []
    for body in sent:
        made = world.client.post(url, headers=h, json=body)
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    fixed = world.client.patch(f"{url}/{ids[3]}", headers=h, json={"value": 4, "reason": "typing error"})
    retracted = world.client.post(f"{url}/{ids[5]}/retract", headers=h, json={"reason": "wrong patient"})
    assert fixed.status_code == 200 and retracted.status_code == 200

    listed = world.client.get(url, headers=h)
    with transaction(world.app.state.sessions) as db:
        ws = Workspace(db, db.scalar(select(User).where(User.email == "doc@a.org")))
        from_orm = [ResultOut.model_validate(r) for r in ws.results(ws.patient(pid), include_retracted=True)]
        expected = RESULT_LIST.dump_json(from_orm)
    assert listed.status_code == 200 and listed.content == expected
    got = listed.json()
    assert [r["id"] for r in got] == [ids[3], ids[1], ids[5], ids[4], ids[0], ids[2]]
    assert got[0]["value"] == 4 and got[0]["updated_at"] is not None
    assert got[2]["retraction_reason"] == "wrong patient" and got[4]["below"] is True
    assert world.client.get(url, headers=world.token("doc@b.org")).status_code == 404


def test_spirometry__post_bronchodilator_is_stored_returned_corrected_and_exported(world: World) -> None:
    """Wave 9: a spirometry says whether it was measured after a bronchodilator (the guidelines judge airflow
    obstruction on post-bronchodilator values); left out, it is not said (null), never guessed."""
    h = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=h).json()["id"]
    url = f"/api/v1/patients/{pid}/results"
    marked = world.client.post(url, headers=h, json={"kind": "spirometry", "taken_on": "2024-02-01", "fev1_l": 1.2,
                                                     "fvc_l": 2.9, "post_bronchodilator": True})
    unmarked = world.client.post(url, headers=h, json={"kind": "spirometry", "taken_on": "2024-02-02",
                                                       "fev1_l": 1.3, "fvc_l": 2.9})
    assert marked.status_code == unmarked.status_code == 201, marked.text
    assert marked.json()["post_bronchodilator"] is True and unmarked.json()["post_bronchodilator"] is None
    bad = world.client.post(url, headers=h, json={"kind": "spirometry", "taken_on": "2024-02-03", "fev1_l": 1.3,
                                                  "fvc_l": 2.9, "post_bronchodilator": "perhaps"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("post_bronchodilator")
    fixed = world.client.patch(f"{url}/{unmarked.json()['id']}", headers=h,
                               json={"post_bronchodilator": False, "reason": "report: before salbutamol"})
    assert fixed.status_code == 200 and fixed.json()["post_bronchodilator"] is False
    kept = world.client.patch(f"{url}/{marked.json()['id']}", headers=h, json={"note": "x", "reason": "a note"})
    assert kept.json()["post_bronchodilator"] is True  # a correction keeps what it does not change
    listed = {r["taken_on"]: r["post_bronchodilator"] for r in world.client.get(url, headers=h).json()}
    assert listed == {"2024-02-01": True, "2024-02-02": False}


def test_post_bronchodilator__form_words_are_read_and_anything_else_is_refused() -> None:
    import pytest

    from aatd.errors import InputError
    from aatd.web.workspace.result_values import clean_result

    base = {"kind": "spirometry", "taken_on": "2024-01-01", "fev1_l": "1.2", "fvc_l": "2.9"}
    for given, stored in (("yes", True), ("no", False), ("", None), (None, None), (True, True)):
        assert clean_result(base | {"post_bronchodilator": given})["post_bronchodilator"] is stored
    with pytest.raises(InputError) as info:
        clean_result(base | {"post_bronchodilator": "maybe"})
    assert info.value.field == "post_bronchodilator"


def test_correct_result__other_fields_of_a_below_detection_result_keep_their_exact_value(sqlite_world: World) -> None:
    """Correcting the date of "<0.30000000000000004 g/L" kept "<0.3" (the stored value was re-read from 6
    significant digits): a correction changes only what it names (found by the export round-trip property)."""
    world = sqlite_world
    h = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "Lo", "sex": "male"}, headers=h).json()["id"]
    for body in ({"kind": "level", "value": f"<{0.1 + 0.2!r}", "unit": "g/L"},
                 {"kind": "crp", "value": f"<{1 / 3!r}", "unit": "mg/dL"}):
        stored = world.client.post(f"/api/v1/patients/{pid}/results", headers=h,
                                   json=body | {"taken_on": "2024-01-01"}).json()
        fixed = world.client.patch(f"/api/v1/patients/{pid}/results/{stored['id']}", headers=h,
                                   json={"taken_on": "2024-01-02", "reason": "date typed wrong"})
        assert fixed.status_code == 200, fixed.text
        assert (fixed.json()["value"], fixed.json()["below"]) == (stored["value"], True)
