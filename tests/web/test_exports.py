"""A patient's results as CSV and the record as FHIR, from the workspace pages and the API alike."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aatd.clinic.interpretation import describe_conflict
from aatd.interop.fhir_out import conclusion_text
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
    def without_time(doc: dict[str, object]) -> object:
        """Each Bundle has its own id, and its time of writing (also each result's `issued`, the report's and the
        provenance's) may fall in another second."""
        created = str(doc.pop("timestamp"))
        doc.pop("id", None)
        return json.loads(json.dumps(doc).replace(created, "CREATED"))

    assert without_time(page_doc) == without_time(api_doc)
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


STORED_FIELDS = ("kind", "taken_on", "value", "below", "unit", "method", "text", "panel", "note")


def _comparable(results: list[dict[str, Any]], *, imported: bool = False) -> list[tuple[Any, ...]]:
    """A record's results as they must survive an export and an import: every stored field, and the state.
    An imported result without a note in the file is noted with where it came from ("FHIR Observation/...")."""
    def note(r: dict[str, Any]) -> str | None:
        given: str | None = r["note"]
        return None if imported and given is not None and given.startswith("FHIR Observation/") else given

    return sorted((*(r[f] for f in STORED_FIELDS if f != "note"), note(r), r["retracted_at"] is not None,
                   r["retraction_reason"], r["updated_at"] is not None) for r in results)


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
    conflict = describe_conflict(phenotype="Z", genotype="SS", panel="sz")  # as `aatd interpret --format fhir`
    assert conflict is not None and report["conclusion"] == conclusion_text(conflict)
    assert "The IEF phenotype Pi Z and the genotype PI*SS" in report["conclusion"]
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
    assert len(original) == 6 and _comparable(copy, imported=True) == _comparable(original)
    admin = world.token("admin@a.org")
    assert world.client.get("/api/v1/audit/verify", headers=admin).json()["ok"] is True


# --- every export round-trips (Hypothesis) ---------------------------------------------------------------------------

LEVEL_UNITS = {"mg/dL": (1.0, 400.0), "g/L": (0.01, 4.0), "umol/L": (0.5, 80.0)}
CRP_UNITS = {"mg/L": (0.0, 300.0), "mg/dL": (0.0, 30.0)}
GENOTYPES = ("MM", "MZ", "ZZ", "SZ", "MS", "SS", "Z/Null", "Z/Mmalton", "S/I")
PHENOTYPES = ("M", "MZ", "Z", "SZ", "MS", "S", "ZF")
PANELS = (None, "sz", "alphaid_14", "sequencing", "in-house panel v2")
NOTES = st.none() | st.text(alphabet="ab =+-@\"',;\n", max_size=12)
REASONS = st.sampled_from(("sample mix-up", "wrong patient", "=cmd|' /C calc'!A0", "-2 typo, \"quoted\""))
DATES = st.dates(dt.date(2000, 1, 1), dt.date(2024, 12, 31)).map(dt.date.isoformat)


CRP_BELOW_AT_MOST = {"mg/L": 5.0, "mg/dL": 0.5}
"""A "<" CRP is stored only when its limit is at most the inflammation cut-off (5 mg/L): above it, "<6" says nothing."""


@st.composite
def _quantity(draw: st.DrawFn, units: dict[str, tuple[float, float]]) -> tuple[str, str, float]:
    """(unit, qualifier, value): any float of the unit's range (0.1 + 0.2 too), below ("<") or above (">") or not."""
    unit = draw(st.sampled_from(sorted(units)))
    qualifier = draw(st.sampled_from(("", "", "<", ">")))
    low, high = units[unit]
    if qualifier == "<" and unit in CRP_BELOW_AT_MOST and units is CRP_UNITS:
        high = CRP_BELOW_AT_MOST[unit]
    return unit, qualifier, draw(st.floats(low, high, allow_nan=False, allow_infinity=False) | st.just(0.1 + 0.2))


def _body(kind: str, date: str, note: str | None, data: st.DataObject) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "taken_on": date, "note": note}
    if kind in ("level", "crp"):
        unit, qualifier, value = data.draw(_quantity(LEVEL_UNITS if kind == "level" else CRP_UNITS))
        body |= {"unit": unit, "value": f"{qualifier}{value!r}" if qualifier else value}
        if kind == "level":
            body["method"] = data.draw(st.sampled_from((None, "nephelometry", "immunoturbidimetry",
                                                        "radial_immunodiffusion")))
    elif kind == "genotype":
        body |= {"text": data.draw(st.sampled_from(GENOTYPES)), "panel": data.draw(st.sampled_from(PANELS))}
    elif kind == "phenotype":
        body["text"] = data.draw(st.sampled_from(PHENOTYPES))
    else:
        fvc = data.draw(st.floats(0.5, 6.0))
        body |= {"fvc_l": fvc, "fev1_l": data.draw(st.floats(0.05, fvc)),
                 "post_bronchodilator": data.draw(st.sampled_from((None, True, False)))}
    return body


def _store(world: World, h: dict[str, str], pid: int, data: st.DataObject) -> None:
    """Stores a generated set of results, corrects and retracts some; a ">" value is refused naming the field."""
    kinds = data.draw(st.lists(st.sampled_from(("level", "crp", "genotype", "phenotype", "spirometry")),
                               min_size=1, max_size=6))
    for kind in kinds:
        body = _body(kind, data.draw(DATES), data.draw(NOTES), data)
        response = world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=h)
        if str(body.get("value", "")).startswith(">"):  # a lower bound: never stored, never silently changed
            assert response.status_code == 422 and response.json()["errors"][0]["field"] in ("level.value", "value")
            continue
        assert response.status_code == 201, (body, response.text)
        rid = response.json()["id"]
        action = data.draw(st.sampled_from(("keep", "keep", "correct", "retract")))
        if action == "correct":  # a new date: every other field must stay exactly as stored
            new_date = dt.date.fromisoformat(body["taken_on"]) + dt.timedelta(days=data.draw(st.integers(1, 30)))
            fixed = world.client.patch(f"/api/v1/patients/{pid}/results/{rid}", headers=h,
                                       json={"taken_on": new_date.isoformat(), "reason": "date typed wrong"})
            assert fixed.status_code == 200, fixed.text
            kept = ("value", "below", "unit", "method", "text", "panel", "fev1_l", "fvc_l", "post_bronchodilator",
                    "note")
            assert {k: fixed.json()[k] for k in kept} == {k: response.json()[k] for k in kept}
        elif action == "retract":
            gone = world.client.post(f"/api/v1/patients/{pid}/results/{rid}/retract", headers=h,
                                     json={"reason": data.draw(REASONS)})
            assert gone.status_code == 200, gone.text


def _csv_text(value: str | None) -> str:
    """A stored text as the CSV must hold it: as stored, with an apostrophe before a formula's first character."""
    return "" if value is None else ("'" + value if value[:1] in "=+-@" else value)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: each example is a dozen requests
@given(data=st.data())
def test_every_export_round_trips__fhir_imports_back_and_csv_parses_back(sqlite_world: World,
                                                                         data: st.DataObject) -> None:
    """Generated records (levels in mg/dL, g/L and µmol/L, CRP in mg/L and mg/dL, "<" results, any float,
    phenotypes and genotypes that may conflict, free-text panels, notes that look like formulas, corrected and
    retracted results): the FHIR export is valid R4 and imports into a new patient as the same stored results
    (spirometry excepted: FHIR carries the AATD results only), and the CSV reads back to the stored values."""
    world = sqlite_world
    h = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "Gen", "sex": "male"}, headers=h).json()["id"]
    _store(world, h, pid, data)
    original = world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json()

    exported = world.client.get(f"/api/v1/patients/{pid}/fhir", headers=h)
    assert exported.status_code == 200, exported.text
    doc = exported.json()
    Bundle.model_validate(doc)
    copy_id = world.client.post("/api/v1/patients", json={"label": "Copy", "sex": "male"}, headers=h).json()["id"]
    imported = world.client.post(f"/api/v1/patients/{copy_id}/fhir", json=doc, headers=h)
    assert imported.status_code == 201, imported.text
    copy = world.client.get(f"/api/v1/patients/{copy_id}/results", headers=h).json()
    assert _comparable(copy, imported=True) == _comparable([r for r in original if r["kind"] != "spirometry"])

    rows = {int(r["result_id"]): r for r in _parsed(world.client.get(f"/api/v1/patients/{pid}/results.csv",
                                                                     headers=h).text)}
    assert sorted(rows) == sorted(r["id"] for r in original)
    for result in original:
        row = rows[result["id"]]
        for field in ("value", "fev1_l", "fvc_l"):
            assert (float(row[field]) if row[field] else None) == result[field]
        assert (row["kind"], row["taken_on"], row["unit"] or None, row["method"] or None) == (
            result["kind"], result["taken_on"], result["unit"], result["method"])
        assert (row["text"], row["panel"]) == (_csv_text(result["text"]), _csv_text(result["panel"]))
        assert row["below_detection"] == ("yes" if result["below"] else "no")
        assert row["post_bronchodilator"] == {None: "", True: "yes", False: "no"}[result["post_bronchodilator"]]
        assert row["status"] == ("retracted" if result["retracted_at"] else "current")
        assert (row["note"], row["retraction_reason"]) == (_csv_text(result["note"]),
                                                           _csv_text(result["retraction_reason"]))
        assert bool(row["corrected_at"]) == (result["updated_at"] is not None)
