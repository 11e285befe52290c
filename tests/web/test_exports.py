"""A patient's results as CSV and the record as FHIR, from the workspace pages and the API alike."""

from __future__ import annotations

import csv
import io
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from web.conftest import World

NOTE = '=HYPERLINK("http://x.example","open"), "quoted"\nsecond line; Zoë'


def _patient_with_results(world: World, h: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    pid = world.client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=h).json()["id"]
    bodies = [
        {"kind": "level", "taken_on": "2024-01-10", "value": 0.1 + 0.2, "unit": "mg/dL", "method": "nephelometry"},
        {"kind": "level", "taken_on": "2024-01-11", "value": "<20", "unit": "umol/L", "note": NOTE},
        {"kind": "crp", "taken_on": "2024-01-10", "value": 12.5},
        {"kind": "genotype", "taken_on": "2024-02-01", "text": "SZ", "panel": "sz"},
        {"kind": "phenotype", "taken_on": "2024-02-02", "text": "SZ", "note": "-1 @lab +x"},
        {"kind": "spirometry", "taken_on": "2024-03-01", "fev1_l": 2.31, "fvc_l": 3.9},
    ]
    stored = []
    for body in bodies:
        response = world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=h)
        assert response.status_code == 201, response.text
        stored.append(response.json())
    retracted = world.client.post(f"/api/v1/patients/{pid}/results/{stored[0]['id']}/retract",
                                  json={"reason": "sample mix-up"}, headers=h)
    assert retracted.status_code == 200, retracted.text
    stored[0] = retracted.json()
    return pid, stored


def _parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_results_csv__every_stored_field_reads_back_and_formulas_are_text(world: World) -> None:
    h = world.token("doc@a.org")
    pid, stored = _patient_with_results(world, h)
    api = world.client.get(f"/api/v1/patients/{pid}/results.csv", headers=h)
    assert api.status_code == 200 and api.headers["content-type"] == "text/csv; charset=utf-8"
    assert api.headers["content-disposition"] == f'attachment; filename="aatd-patient-{pid}-results.csv"'
    rows = _parsed(api.text)
    by_id = {s["id"]: s for s in stored}
    oldest_first = sorted(stored, key=lambda s: (s["taken_on"], s["id"]))
    assert [int(r["result_id"]) for r in rows] == [s["id"] for s in oldest_first]
    for row in rows:
        result = by_id[int(row["result_id"])]
        for field in ("value", "fev1_l", "fvc_l"):
            assert (float(row[field]) if row[field] else None) == result[field]  # exact floats (0.1 + 0.2 too)
        expected = (result["kind"], result["taken_on"], result["unit"])
        assert (row["kind"], row["taken_on"], row["unit"] or None) == expected
        assert row["below_detection"] == ("yes" if result["below"] else "no")
        assert row["status"] == ("retracted" if result["retracted_at"] else "current")
    cells = {int(r["result_id"]): r for r in rows}
    assert cells[stored[0]["id"]]["retraction_reason"] == "sample mix-up"
    assert cells[stored[1]["id"]]["note"] == "'" + NOTE  # shown as text by a spreadsheet, otherwise as stored
    assert cells[stored[4]["id"]]["note"] == "'-1 @lab +x"
    assert (cells[stored[3]["id"]]["text"], cells[stored[3]["id"]]["panel"]) == ("SZ", "sz")


def test_exports__page_and_api_give_the_same_file_and_are_audited(world: World) -> None:
    h = world.token("doc@a.org")
    pid, _ = _patient_with_results(world, h)
    browser = world.login("doc@a.org")
    page = browser.get(f"/patients/{pid}").text
    assert f'href="/patients/{pid}/results.csv"' in page and f'href="/patients/{pid}/fhir.json"' in page
    csv_page, csv_api = browser.get(f"/patients/{pid}/results.csv"), world.client.get(
        f"/api/v1/patients/{pid}/results.csv", headers=h)
    assert csv_page.status_code == 200 and csv_page.content == csv_api.content
    fhir_page = browser.get(f"/patients/{pid}/fhir.json")
    assert fhir_page.status_code == 200, fhir_page.text[-1500:]
    fhir_api = world.client.get(f"/api/v1/patients/{pid}/fhir", headers=h)
    assert fhir_page.headers["content-type"].startswith("application/fhir+json")
    assert fhir_page.headers["content-disposition"] == f'attachment; filename="aatd-patient-{pid}-fhir.json"'
    page_doc, api_doc = fhir_page.json(), fhir_api.json()
    Bundle.model_validate(page_doc)
    for doc in (page_doc, api_doc):  # each Bundle has its own id and time stamp
        doc.pop("id", None)
        doc.pop("timestamp", None)
    assert page_doc == api_doc
    events = world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
    exports = [(e["entity_id"], e["detail"]["format"]) for e in events if e["action"] == "export"]
    assert sorted(exports) == sorted([(pid, "csv")] * 2 + [(pid, "fhir")] * 2)


def test_exports__login_required_and_other_organisation_is_404(world: World) -> None:
    pid, _ = _patient_with_results(world, world.token("doc@a.org"))
    other = world.token("doc@b.org")
    assert world.client.get(f"/api/v1/patients/{pid}/results.csv").status_code == 401
    assert world.client.get(f"/api/v1/patients/{pid}/results.csv", headers=other).status_code == 404
    assert world.client.get(f"/patients/{pid}/results.csv", follow_redirects=False).status_code == 303
    browser = world.login("doc@b.org")
    assert browser.get(f"/patients/{pid}/results.csv").status_code == 404
    assert browser.get(f"/patients/{pid}/fhir.json").status_code == 404


STORED_FIELDS = ("kind", "taken_on", "value", "below", "unit", "method", "text", "panel")


def _comparable(results: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A record's results as they must survive an export and an import: every stored field, and the state."""
    return sorted((*(r[f] for f in STORED_FIELDS), r["retracted_at"] is not None, r["retraction_reason"],
                   r["updated_at"] is not None) for r in results)


def _conflicting_record(world: World, h: dict[str, str]) -> int:
    """Phenotype Z and genotype SS (no genotype fits both), with levels in two units, a CRP in mg/dL, a corrected
    level and a retracted genotype."""
    pid = world.client.post("/api/v1/patients", json={"label": "Bea", "sex": "female"}, headers=h).json()["id"]
    bodies = [
        {"kind": "level", "taken_on": "2024-01-10", "value": 0.1 + 0.2, "unit": "g/L", "method": "nephelometry"},
        {"kind": "level", "taken_on": "2024-01-11", "value": "<20", "unit": "umol/L"},
        {"kind": "crp", "taken_on": "2024-01-11", "value": 1.2, "unit": "mg/dL"},
        {"kind": "genotype", "taken_on": "2024-02-01", "text": "MZ", "panel": "sz"},
        {"kind": "genotype", "taken_on": "2024-02-02", "text": "SS", "panel": "sz"},
        {"kind": "phenotype", "taken_on": "2024-02-03", "text": "Z", "note": "=1+1"},
    ]
    ids = []
    for body in bodies:
        response = world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=h)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    fixed = world.client.patch(f"/api/v1/patients/{pid}/results/{ids[0]}", headers=h,
                               json={"value": 0.25, "reason": "transcription error"})
    assert fixed.status_code == 200, fixed.text
    retracted = world.client.post(f"/api/v1/patients/{pid}/results/{ids[3]}/retract", json={"reason": "wrong patient"},
                                  headers=h)
    assert retracted.status_code == 200, retracted.text
    return int(pid)


def test_conflicting_record__fhir_export_keeps_both_results_states_the_conflict_and_round_trips(world: World) -> None:
    """A record whose phenotype (Z) and genotype (SS) cannot both be right was a 422 (the interpretation engine
    refuses the pair); it now exports as valid R4 with each result as recorded, the conflict stated and no severity,
    and imports into a new patient as the same stored results (values, units, dates, retracted and corrected)."""
    h = world.token("doc@a.org")
    pid = _conflicting_record(world, h)
    response = world.client.get(f"/api/v1/patients/{pid}/fhir", headers=h)
    assert response.status_code == 200, response.text
    doc = response.json()
    Bundle.model_validate(doc)
    for entry in doc["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    observations = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Observation"]
    values = {(o["code"]["coding"][0]["code"], o["status"], (o.get("valueCodeableConcept") or {}).get("text"))
              for o in observations}
    assert {("32769-2", "final", "Pi Z"), ("84413-4", "final", "PI*SS"),
            ("84413-4", "entered-in-error", "PI*MZ")} <= values
    levels = sorted((o["status"], o["valueQuantity"]["value"], o["valueQuantity"]["unit"],
                     o["valueQuantity"].get("comparator")) for o in observations if o["code"]["coding"][0]["code"]
                    == "1825-9")
    assert levels == [("corrected", 0.25, "g/L", None), ("final", 20.0, "umol/L", "<")]
    (report,) = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "DiagnosticReport"]
    assert report["conclusionCode"][0]["coding"][0]["code"] == "indeterminate"
    assert "The IEF phenotype Pi Z and the genotype PI*SS" in report["conclusion"]
    assert "neither is chosen" in report["conclusion"]
    (task,) = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Task"]
    assert task["code"]["coding"][0]["code"] == "sequence_serpina1"
    referenced = {r["reference"] for r in report["result"]}
    retracted_urls = {e["fullUrl"] for e in doc["entry"] if e["resource"].get("status") == "entered-in-error"}
    assert retracted_urls and not referenced & retracted_urls  # the report rests on current results only
    page = world.login("doc@a.org").get(f"/patients/{pid}/fhir.json")
    assert page.status_code == 200
    assert [e for e in page.json()["entry"] if e["resource"]["resourceType"] == "Observation"] == [
        e for e in doc["entry"] if e["resource"]["resourceType"] == "Observation"]

    second = world.client.post("/api/v1/patients", json={"label": "Copy", "sex": "female"}, headers=h).json()["id"]
    imported = world.client.post(f"/api/v1/patients/{second}/fhir", json=doc, headers=h)
    assert imported.status_code == 201, imported.text
    original = world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json()
    copy = world.client.get(f"/api/v1/patients/{second}/results", headers=h).json()
    assert len(original) == 6 and _comparable(copy) == _comparable(original)
    admin = world.token("admin@a.org")
    assert world.client.get("/api/v1/audit/verify", headers=admin).json()["ok"] is True
