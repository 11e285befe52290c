"""The CDS Hooks services without HTTP: prefetch templates, malformed requests, summary length."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from aatd.errors import InputError
from aatd.interop.cds_hooks import (
    SUMMARY_MAX,
    PrefetchMissing,
    UnknownService,
    call_service,
    discovery,
    fill_template,
    is_augmentation_order,
)
from interop.strategies import JSON


def test_templates_name_only_context_tokens_and_fill() -> None:
    for svc in discovery()["services"]:
        for template in svc["prefetch"].values():
            assert "{{context.patientId}}" in template
            filled = fill_template(template, {"patientId": "123"})
            assert ("{{" not in filled and "patient=123" in filled) or filled.endswith("/123")
    with pytest.raises(InputError):
        fill_template("Patient/{{context.patientId}}", {})


def test_unknown_service() -> None:
    with pytest.raises(UnknownService):
        call_service("nope", {})


def test_fetch_is_used_for_missing_prefetch() -> None:
    asked: list[str] = []

    def fetch(query: str) -> object:
        asked.append(query)
        return None

    request = {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}}
    assert call_service("aatd-interpret", request, fetch) == {"cards": []}
    assert asked and asked[0].startswith("Observation?patient=p&code=")
    with pytest.raises(PrefetchMissing):
        call_service("aatd-interpret", request)


@pytest.mark.parametrize(("text", "expected"), [
    ("Prolastin-C Liquid 1000 MG in 20 ML Injection", True), ("alpha1-proteinase inhibitor (human)", True),
    ("Zemaira", True), ("Amoxicillin 250 MG", False)])
def test_augmentation_products_by_name(text: str, expected: bool) -> None:
    order = {"resourceType": "MedicationRequest", "medicationCodeableConcept": {"text": text}}
    assert is_augmentation_order(order) is expected
    assert not is_augmentation_order({"resourceType": "ServiceRequest", "code": {"text": text}})


def test_summary_is_capped() -> None:
    long_genotype = {"resourceType": "Observation", "id": "g", "status": "final",
                     "code": {"coding": [{"system": "http://loinc.org", "code": "84413-4"}]},
                     "valueCodeableConcept": {"text": "Q0granitefalls/Q0bellingham"}}
    request = {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
               "prefetch": {"results": {"resourceType": "Bundle", "entry": [{"resource": long_genotype}]}}}
    (card,) = call_service("aatd-interpret", request)["cards"]
    assert len(card["summary"]) < SUMMARY_MAX


@settings(max_examples=100)
@given(JSON)
def test_malformed_requests_raise_only_aatd_errors(doc: object) -> None:
    for service_id, request in (
            ("aatd-should-test", doc),
            ("aatd-should-test", {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
                                  "prefetch": {"conditions": doc, "results": doc, "family": doc, "patient": doc}}),
            ("aatd-augmentation", {"hook": "order-sign", "hookInstance": "x",
                                   "context": {"patientId": "p", "draftOrders": doc}, "prefetch": {"results": doc}}),
            ("aatd-interpret", {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
                                "prefetch": {"results": doc, "lung": doc}})):
        try:
            answer = call_service(service_id, request)
        except (InputError, PrefetchMissing) as exc:
            assert str(exc)
        else:
            assert isinstance(answer["cards"], list)


def test_age_from_birth_date() -> None:
    import datetime as dt

    from aatd.interop.cds_hooks import _age

    today = dt.date(2026, 6, 1)
    assert _age({"birthDate": "1960-06-01"}, today) == 66.0
    assert _age({"birthDate": "1960-06-02"}, today) == 65.0
    assert _age({"birthDate": "1960"}, today) is None  # year only: age-limited rules stay pending
    assert _age({"birthDate": "1960-13-40"}, today) is None
    assert _age(None, today) is None


def test_augmentation_order__a_guideline_that_says_discuss_gets_no_warning() -> None:
    """Review 2 (wave 8): ZZ at 20 mg/dL, FEV1 85%, ex-smoker, COPD on record, emphysema not: A1F 2016
    recommends discussing augmentation ('discuss', which the core counts as eligible), so the service may not
    say that no guideline's criteria are met."""
    from aatd.clinic.augmentation import ELIGIBLE
    from aatd.clinic.interpretation import describe_interpretation

    loinc, snomed, ucum = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"

    def observation(code: str, oid: str, **value: object) -> dict[str, object]:
        return {"resourceType": "Observation", "id": oid, "status": "final", "effectiveDateTime": "2025-02-03",
                "code": {"coding": [{"system": loinc, "code": code}]}, **value}

    def bundle(*resources: dict[str, object]) -> dict[str, object]:
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}

    results = bundle(observation("1825-9", "aat", valueQuantity={"value": 20, "unit": "mg/dL", "system": ucum,
                                                                  "code": "mg/dL"}),
                     observation("84413-4", "geno", valueCodeableConcept={"text": "PI*ZZ"}))
    lung = bundle(observation("20152-5", "fev1", valueQuantity={"value": 85, "unit": "%", "system": ucum, "code": "%"}),
                  observation("72166-2", "smk", valueCodeableConcept={"coding": [{"system": snomed,
                                                                                  "code": "8517006"}]}))
    copd = {"resourceType": "Condition", "id": "copd", "code": {"coding": [{"system": snomed, "code": "13645005"}]}}
    order = {"resourceType": "MedicationRequest", "id": "aug-1", "status": "draft", "intent": "order",
             "medicationCodeableConcept": {"text": "Prolastin-C 1000 MG Injection"}}
    request = {"hook": "order-sign", "hookInstance": "x",
               "context": {"patientId": "p", "draftOrders": bundle(order)},
               "prefetch": {"results": results, "lung": lung, "conditions": bundle(copd)}}
    expected = describe_interpretation(level="20", unit="mg/dL", genotype="ZZ", fev1_pct=85, smoking="former",
                                       lung_disease=True)
    decisions = {e["guideline"]: e["decision"] for e in expected["eligibility"]}
    assert decisions["a1f2016"] == "discuss" and "consider" not in decisions.values()
    assert "discuss" in ELIGIBLE
    assert call_service("aatd-augmentation", request)["cards"] == []
    without_copd = {**request, "prefetch": {"results": results, "lung": lung}}
    (card,) = call_service("aatd-augmentation", without_copd)["cards"]  # nothing documented: the warning stays
    assert card["indicator"] == "warning"
