"""Regenerate the FHIR bundle and CDS Hooks card shown in docs/interoperability.md (docs/examples/).

    python scripts/gen_interop_examples.py

tests/interop/test_docs_examples.py checks that the files still validate and match what aatd answers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from aatd.interop.cds_hooks import call_service
from aatd.interop.fhir_out import PatientInfo, inputs_from_text, results_bundle

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def write(name: str, doc: object) -> None:
    (EXAMPLES / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    inputs = replace(inputs_from_text(level="55", unit="mg/dL", method="nephelometry", crp=2.0, genotype="SZ",
                                      panel="sz"), taken_on="2025-02-03")
    write("fhir-bundle-sz.json", results_bundle(inputs, patient=PatientInfo(reference="Patient/example"),
                                                created="2025-02-04T09:00:00+00:00"))
    condition = {"resourceType": "Condition", "id": "copd",
                 "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                "code": "active"}]},
                 "code": {"coding": [{"system": "http://snomed.info/sct", "code": "13645005",
                                      "display": "Chronic obstructive lung disease"}]},
                 "subject": {"reference": "Patient/example"}}
    request = {"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
               "context": {"userId": "Practitioner/example", "patientId": "example"},
               "prefetch": {"patient": {"resourceType": "Patient", "id": "example", "birthDate": "1961-05-01"},
                            "conditions": {"resourceType": "Bundle", "type": "searchset",
                                           "entry": [{"resource": condition}]},
                            "family": None, "results": None}}
    write("cds-request-should-test.json", request)
    write("cds-cards-should-test.json", call_service("aatd-should-test", request))


if __name__ == "__main__":
    main()
