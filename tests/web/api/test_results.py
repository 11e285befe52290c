"""Corrections of results: edit and retract with a reason, both in the hash-chained audit log."""

from __future__ import annotations

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
