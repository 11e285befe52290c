"""GET/POST /api/v1/patients/{id}/fhir: login, organisation isolation, R4 validity and the round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from web.conftest import World

DATA = Path(__file__).parents[2] / "data" / "fhir"


def make_patient(world: World, headers: dict[str, str]) -> int:
    response = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female", "birth_year": 1964},
                                 headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add(world: World, headers: dict[str, str], pid: int, **body: Any) -> None:
    response = world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=headers)
    assert response.status_code == 201, response.text


def validate(doc: dict[str, Any]) -> None:
    Bundle.model_validate(doc)
    for entry in doc["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])


def observations(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Observation"
            and e["resource"]["code"]["coding"][0]["code"] == code]


def test_export_is_an_r4_bundle_of_the_latest_results(world: World) -> None:
    h = world.token("doc@a.org")
    pid = make_patient(world, h)
    add(world, h, pid, kind="level", taken_on="2024-01-10", value=40, unit="mg/dL", method="nephelometry")
    add(world, h, pid, kind="genotype", taken_on="2024-02-01", text="SZ", panel="sz")
    response = world.client.get(f"/api/v1/patients/{pid}/fhir", headers=h)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    doc = response.json()
    validate(doc)
    patient = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"][0] == {"system": "urn:aatd:workspace-patient", "value": str(pid)}
    assert patient["birthDate"] == "1964"
    (level,) = observations(doc, "1825-9")
    assert level["valueQuantity"]["value"] == 40 and level["effectiveDateTime"] == "2024-01-10"
    assert observations(doc, "84413-4")[0]["valueCodeableConcept"]["text"] == "PI*SZ"
    assert any(e["resource"]["resourceType"] == "DiagnosticReport" for e in doc["entry"])


def test_import_stores_every_result_and_exports_them_back(world: World) -> None:
    h = world.token("doc@a.org")
    pid = make_patient(world, h)
    doc = json.loads((DATA / "ig_compound_heterozygote_sz.json").read_text(encoding="utf-8"))
    response = world.client.post(f"/api/v1/patients/{pid}/fhir", json=doc, headers=h)
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(r["kind"], r["text"], r["taken_on"]) for r in body["imported"]] == [("genotype", "SZ", "2019-03-05")]
    assert any("in trans" in n for n in body["notes"])
    stored = world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json()
    assert [r["text"] for r in stored] == ["SZ"]
    exported = world.client.get(f"/api/v1/patients/{pid}/fhir", headers=h).json()
    second = make_patient(world, h)
    assert world.client.post(f"/api/v1/patients/{second}/fhir", json=exported, headers=h).status_code == 201
    again = world.client.get(f"/api/v1/patients/{second}/results", headers=h).json()
    assert [(r["kind"], r["text"], r["panel"]) for r in again] == [("genotype", "SZ", None)]


def test_import_is_all_or_nothing_and_names_the_element(world: World) -> None:
    h = world.token("doc@a.org")
    pid = make_patient(world, h)
    good = {"resourceType": "Observation", "id": "ok", "status": "final", "effectiveDateTime": "2024-05-01",
            "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
            "valueQuantity": {"value": 4, "unit": "mg/L"}}
    undated = {"resourceType": "Observation", "id": "lvl", "status": "final",
               "code": {"coding": [{"system": "http://loinc.org", "code": "1825-9"}]},
               "valueQuantity": {"value": 90, "unit": "mg/dL"}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": good}, {"resource": undated}]}
    response = world.client.post(f"/api/v1/patients/{pid}/fhir", json=bundle, headers=h)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Observation/lvl.effectiveDateTime"
    assert world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json() == []


def test_login_required_and_other_organisation_is_404(world: World) -> None:
    h = world.token("doc@a.org")
    pid = make_patient(world, h)
    assert world.client.get(f"/api/v1/patients/{pid}/fhir").status_code == 401
    other = world.token("doc@b.org")
    assert world.client.get(f"/api/v1/patients/{pid}/fhir", headers=other).status_code == 404
    doc = json.loads((DATA / "ig_snv_z_het.json").read_text(encoding="utf-8"))
    assert world.client.post(f"/api/v1/patients/{pid}/fhir", json=doc, headers=other).status_code == 404


def test_a_crp_stored_in_mg_dl_is_exported_in_mg_dl_and_imported_back_in_its_unit(sqlite_world: World) -> None:
    """A CRP is stored as entered (1.2 mg/dL), exported with that UCUM unit, read as raised (12 mg/L) and imported
    into another record in the same unit: the unit is never lost or relabelled on the way."""
    world = sqlite_world
    h = world.token("doc@a.org")
    pid = make_patient(world, h)
    add(world, h, pid, kind="level", taken_on="2024-05-02", value=100, unit="mg/dL")
    add(world, h, pid, kind="crp", taken_on="2024-05-02", value=1.2, unit="mg/dL")
    doc = world.client.get(f"/api/v1/patients/{pid}/fhir", headers=h).json()
    validate(doc)
    (crp,) = observations(doc, "1988-5")
    assert crp["valueQuantity"] == {"value": 1.2, "unit": "mg/dL", "system": "http://unitsofmeasure.org",
                                    "code": "mg/dL"}
    report = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    assert "1.2 mg/dL (12 mg/L) is at or above the inflammation cut-off" in json.dumps(report)
    second = make_patient(world, h)
    assert world.client.post(f"/api/v1/patients/{second}/fhir", json=doc, headers=h).status_code == 201
    again = world.client.get(f"/api/v1/patients/{second}/results", headers=h).json()
    assert [(r["value"], r["unit"]) for r in again if r["kind"] == "crp"] == [(1.2, "mg/dL")]


def _crp_bundle(n: int) -> dict[str, Any]:
    """``n`` CRP observations with varied dates and values, a level, a genotype and an ignored resource."""
    entries: list[dict[str, Any]] = [{"resource": {
        "resourceType": "Observation", "id": f"c{i}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
        "effectiveDateTime": f"20{10 + i % 14:02d}-0{1 + i % 9}-1{i % 10}",
        "valueQuantity": {"value": 1 + i % 50, "unit": "mg/L"}}} for i in range(n)]
    entries.append({"resource": {"resourceType": "Observation", "id": "lvl", "status": "final",
                                 "effectiveDateTime": "2024-05-01",
                                 "code": {"coding": [{"system": "http://loinc.org", "code": "1825-9"}]},
                                 "valueQuantity": {"value": 60, "unit": "mg/dL"}}})
    entries.append({"resource": {"resourceType": "Practitioner", "id": "dr"}})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _stored(world: World, pid: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], bool]:
    """A patient's results (in id order), their audit events (in chain order) and the tested flag."""
    from sqlalchemy import select

    from aatd.web.db import transaction
    from aatd.web.models import AuditEvent, Patient, Result

    columns = ("kind", "taken_on", "value", "below", "unit", "method", "text", "panel", "note", "created_by",
               "idempotency_key", "organisation_id")
    with transaction(world.app.state.sessions) as db:
        results = db.scalars(select(Result).where(Result.patient_id == pid).order_by(Result.id)).all()
        order = {r.id: k for k, r in enumerate(results)}
        events = db.scalars(select(AuditEvent).where(AuditEvent.entity == "result").order_by(AuditEvent.seq)).all()
        chain = [(e.action, order[e.entity_id], e.actor, e.organisation_id, {**e.detail, "patient_id": None})
                 for e in events if e.entity_id in order and e.detail.get("patient_id") == pid]
        tested = bool(db.get(Patient, pid).tested)  # type: ignore[union-attr]
        return [tuple(getattr(r, c) for c in columns) for r in results], chain, tested


def test_import_of_many_observations_stores_and_audits_what_the_row_by_row_path_did(world: World) -> None:
    """The bulk import (one validation pass, one flush) against the pre-ninth-wave path (add_result per row):
    the same rows, the same audit events in the same order, the same tested flag; and the chain verifies."""
    from sqlalchemy import select

    from aatd.interop.fhir_in import read_results
    from aatd.web.db import transaction
    from aatd.web.models import User
    from aatd.web.workspace import audit
    from aatd.web.workspace.repository import Workspace

    h = world.token("doc@a.org")
    bulk, reference = make_patient(world, h), make_patient(world, h)
    bundle = _crp_bundle(598)
    response = world.client.post(f"/api/v1/patients/{bulk}/fhir", json=bundle, headers=h)
    assert response.status_code == 201, response.text
    assert len(response.json()["imported"]) == 599
    with transaction(world.app.state.sessions) as db:  # the old route, row by row
        ws = Workspace(db, db.scalars(select(User).where(User.email == "doc@a.org")).one())
        for record in read_results(bundle).results:
            data = {k: v for k, v in record.items() if k != "source"} | {
                "taken_on": str(record["taken_on"])[:10], "note": f"FHIR {record['source']}"}
            ws.add_result(reference, data)
    new, old = _stored(world, bulk), _stored(world, reference)
    assert len(new[0]) == 599 and len(new[1]) == 599 and new[2] is True
    assert new == old
    assert [r["id"] for r in response.json()["imported"]] == sorted(r["id"] for r in response.json()["imported"])
    with transaction(world.app.state.sessions) as db:
        assert audit.verify(db).ok


def test_import_with_a_bad_row_stores_nothing_and_names_the_first_bad_row(world: World) -> None:
    """All or nothing: a CRP out of range after valid rows is a 422 naming it; no result and no event is stored."""
    h = world.token("doc@a.org")
    pid = make_patient(world, h)
    bundle = _crp_bundle(30)
    bundle["entry"][20]["resource"]["valueQuantity"]["value"] = 5000
    bundle["entry"][25]["resource"]["valueQuantity"]["value"] = 3000
    response = world.client.post(f"/api/v1/patients/{pid}/fhir", json=bundle, headers=h)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["value"] in (5000, 5000.0, "5000")
    assert _stored(world, pid) == ([], [], False)
    bundle["entry"][25]["resource"]["valueQuantity"]["value"] = -1  # not a CRP at all: refused as the Bundle is read
    response = world.client.post(f"/api/v1/patients/{pid}/fhir", json=bundle, headers=h)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "Observation/c25.valueQuantity.value"
    assert _stored(world, pid) == ([], [], False)
