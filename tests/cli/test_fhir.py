"""``--format fhir`` on genotype, interpret and pedigree, and ``interpret --fhir FILE``, as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

DATA = Path(__file__).parents[1] / "data"


def aatd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aatd", *args], capture_output=True, text=True, check=False)


def valid_bundle(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    Bundle.model_validate(doc)
    for entry in doc["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    return doc


def kinds(doc: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in doc["entry"]]


def test_genotype_format_fhir() -> None:
    out = aatd("genotype", "PI*ZZ", "--format", "fhir")
    assert out.returncode == 0, out.stderr
    doc = valid_bundle(out.stdout)
    assert kinds(doc).count("DiagnosticReport") == 1 and "Provenance" in kinds(doc)


def test_interpret_format_fhir_then_interpret_fhir_gives_the_same_answer(tmp_path: Path) -> None:
    args = ("--level", "55", "--unit", "mg/dL", "--method", "nephelometry", "--genotype", "SZ", "--panel", "sz",
            "--country", "Ireland")
    out = aatd("interpret", *args, "--format", "fhir")
    assert out.returncode == 0, out.stderr
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(valid_bundle(out.stdout)), encoding="utf-8")
    direct = json.loads(aatd("interpret", *args, "--json").stdout)
    via_fhir = json.loads(aatd("interpret", "--fhir", str(path), "--country", "Ireland", "--json").stdout)
    for key in ("severity", "consistent", "next_steps", "explanation", "genotype_probabilities", "eligibility"):
        assert via_fhir[key] == direct[key], key
    ignored = via_fhir["fhir_import"]["ignored"]
    assert len(ignored) == 1 and ignored[0].startswith("resources that are not results: 1 DiagnosticReport, 1 "
                                                       "Patient, 1 Provenance, ")


def test_interpret_fhir_reads_the_ig_pattern() -> None:
    out = aatd("interpret", "--fhir", str(DATA / "fhir" / "ig_compound_heterozygote_sz.json"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["reported_genotype"] == "SZ"
    assert any("in trans" in n for n in data["fhir_import"]["notes"])


def test_interpret_fhir_refuses_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"resourceType": "Observation", "id": "x", "status": "final",
                                "code": {"coding": [{"system": "http://loinc.org", "code": "1825-9"}]},
                                "valueQuantity": {"value": 80, "unit": "U/L"}}), encoding="utf-8")
    out = aatd("interpret", "--fhir", str(path))
    assert out.returncode == 2
    assert out.stderr.strip() == ("aatd: error: Observation/x.valueQuantity.unit: got 'U/L'; expected one of mg/dL, "
                                  "g/L, umol/L (µM)")
    path.write_text("{not json", encoding="utf-8")
    assert aatd("interpret", "--fhir", str(path)).returncode == 2
    both = aatd("interpret", "--fhir", str(path), "--genotype", "ZZ")
    assert both.returncode == 2 and "either --fhir or the result options" in both.stderr


def test_unknown_format_is_refused() -> None:
    out = aatd("genotype", "ZZ", "--format", "xml")
    assert out.returncode == 2 and "--format" in out.stderr


def test_pedigree_format_fhir_has_every_member() -> None:
    out = aatd("pedigree", str(DATA / "pedigrees" / "family_genotypes.phenopackets.json"), "--format", "fhir")
    assert out.returncode == 0, out.stderr
    doc = valid_bundle(out.stdout)
    ids = [e["resource"]["identifier"][0]["value"] for e in doc["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert len(ids) == len(set(ids)) >= 3
    assert "1825-9" in out.stdout and "6768-6" not in out.stdout


def test_interpret_format_fhir__conflicting_phenotype_and_genotype_states_the_conflict_as_the_api_export() -> None:
    """The CLI counterpart of the record export: both results written, the report is the core's
    ``describe_conflict`` (as ``GET /api/v1/patients/{id}/fhir`` writes it), no refusal."""
    from aatd.clinic.interpretation import describe_conflict
    from aatd.interop.fhir_out import conclusion_text

    out = aatd("interpret", "--phenotype", "Z", "--genotype", "SS", "--panel", "sz", "--format", "fhir")
    assert out.returncode == 0, out.stderr
    doc = valid_bundle(out.stdout)
    report = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    conflict = describe_conflict(phenotype="Z", genotype="SS", panel="sz")
    assert conflict is not None and report["conclusion"] == conclusion_text(conflict)
    assert [e["resource"]["code"]["coding"][0]["code"] for e in doc["entry"]
            if e["resource"]["resourceType"] == "Task"] == ["sequence_serpina1"]
