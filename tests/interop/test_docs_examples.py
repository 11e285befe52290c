"""The examples in docs/interoperability.md are real: the bundle validates and reads back, the card validates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.units import Crp, Level
from aatd.interop.cds_hooks import call_service
from aatd.interop.fhir_in import read_results

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_example_bundle_is_r4_and_reads_back() -> None:
    bundle = load(EXAMPLES / "fhir-bundle-sz.json")
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    inputs = read_results(bundle).inputs
    assert inputs.genotype == parse_genotype("SZ") and inputs.panel == "sz"
    assert inputs.level == Level.parse(55, "mg/dL", "nephelometry") and inputs.crp == Crp.of(2.0)


def test_example_card_is_what_the_service_answers_and_fits_the_schema() -> None:
    request = load(EXAMPLES / "cds-request-should-test.json")
    cards = load(EXAMPLES / "cds-cards-should-test.json")
    schema = load(ROOT / "tests" / "data" / "cds_hooks" / "cds-hooks-response.schema.json")
    jsonschema.Draft202012Validator(schema).validate(cards)
    (answer,) = call_service("aatd-should-test", request)["cards"]
    (shown,) = cards["cards"]
    for key in ("uuid", "summary", "indicator", "source", "suggestions"):
        assert answer[key] == shown[key], key  # regenerate docs/examples if the guidelines change
    assert answer["detail"].splitlines()[0] == shown["detail"].splitlines()[0]
