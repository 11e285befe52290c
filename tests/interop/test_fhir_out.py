"""FHIR out: every Bundle aatd writes validates as R4 (fhir.resources.R4B) and follows the Genomics Reporting IG."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from aatd.genetics.genotypes import parse_genotype, parse_phenotype
from aatd.genetics.units import Crp, Level
from aatd.interop.codes import fhir_codes
from aatd.interop.fhir_in import ResultInputs
from aatd.interop.fhir_out import PatientInfo, family_bundle, results_bundle
from aatd.knowledge import data_version

CREATED = "2026-11-29T12:00:00+00:00"
CASES = {
    "ZZ": ResultInputs(genotype=parse_genotype("ZZ")),
    "MZ level CRP": ResultInputs(level=Level.parse(85, "mg/dL", "nephelometry"), crp=Crp.of(3.0),
                                 genotype=parse_genotype("MZ"), panel="sz", taken_on="2025-03-01"),
    "SZ": ResultInputs(genotype=parse_genotype("SZ"), panel="sz"),
    "phenotype Z below detection": ResultInputs(level=Level.parse("<20", "mg/dL"), phenotype=parse_phenotype("Z")),
    "Z/Null sequencing": ResultInputs(genotype=parse_genotype("Z/Null"), panel="sequencing",
                                      level=Level.parse(3, "umol/L")),
    "Mmalton level g/L": ResultInputs(genotype=parse_genotype("Z/Mmalton"), level=Level.parse(0.4, "g/L")),
}


def validate(bundle: dict[str, Any]) -> None:
    """The Bundle and each resource in it validate with the R4B models (R4-compatible)."""
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_code(bundle: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, "Observation") if r["code"]["coding"][0]["code"] == code]


def codings(node: object) -> list[dict[str, Any]]:
    """Every Coding in a JSON tree."""
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "system" in node and "code" in node and isinstance(node["code"], str):
            out.append(node)
        for value in node.values():
            out += codings(value)
    elif isinstance(node, list):
        for value in node:
            out += codings(value)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_bundle_validates_as_r4(name: str) -> None:
    bundle = results_bundle(CASES[name], created=CREATED)
    validate(bundle)
    assert bundle["type"] == "collection"


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_reference_resolves_inside_the_bundle(name: str) -> None:
    bundle = results_bundle(CASES[name], created=CREATED)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    refs = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert refs and refs <= urls


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_code_comes_from_the_cited_table(name: str) -> None:
    table = fhir_codes()
    aatd_systems = {c.code for c in table.by_key.values() if c.kind == "system" and c.code.startswith("urn:aatd:")}
    free_text_systems = {table.url("hgvs"), table.url("refseq"), table.url("dbsnp"), table.url("ucum")}
    for coding in codings(results_bundle(CASES[name], created=CREATED)):
        if coding["system"] in aatd_systems | free_text_systems:
            continue  # aatd's own values (genotype, allele...) and HGVS/accession strings built from alleles.csv
        assert table.lookup(coding["system"], coding["code"]) is not None, coding


def test_level_observation_uses_loinc_1825_9_with_unit_and_method() -> None:
    bundle = results_bundle(CASES["MZ level CRP"], created=CREATED)
    (level,) = by_code(bundle, "1825-9")
    assert level["valueQuantity"] == {"value": 85.0, "unit": "mg/dL", "system": "http://unitsofmeasure.org",
                                      "code": "mg/dL"}
    assert level["method"]["coding"][0]["code"] == "nephelometry"
    assert level["effectiveDateTime"] == "2025-03-01"
    (crp,) = by_code(bundle, "1988-5")
    assert crp["valueQuantity"]["value"] == 3.0 and crp["valueQuantity"]["code"] == "mg/L"
    assert "6768-6" not in json.dumps(bundle)


def test_below_detection_is_a_comparator() -> None:
    (level,) = by_code(results_bundle(CASES["phenotype Z below detection"], created=CREATED), "1825-9")
    assert level["valueQuantity"]["comparator"] == "<"
    assert level["valueQuantity"]["value"] == 20.0


def test_zz_is_one_homozygous_variant_and_a_genotype_derived_from_it() -> None:
    bundle = results_bundle(CASES["ZZ"], created=CREATED)
    (variant,) = by_code(bundle, "69548-6")
    (genotype,) = by_code(bundle, "84413-4")
    components = {c["code"]["coding"][0]["code"]: c["valueCodeableConcept"] for c in variant["component"]}
    assert components["48004-6"]["coding"][0]["code"] == "NM_000295.5:c.1096G>A"
    assert components["48005-3"]["coding"][0]["code"] == "NP_000286.3:p.Glu366Lys"
    assert components["81290-9"]["coding"][0]["code"] == "NC_000014.9:g.94378610C>T"
    assert components["53034-5"]["coding"][0]["code"] == "LA6705-3"
    assert components["48018-6"]["coding"][0]["code"] == "HGNC:8941"
    assert {"system": "http://www.ncbi.nlm.nih.gov/projects/SNP", "code": "rs28929474"} in components["81252-9"][
        "coding"]
    assert variant["meta"]["profile"] == ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"]
    assert genotype["valueCodeableConcept"]["text"] == "PI*ZZ"
    variant_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is variant)
    assert genotype["derivedFrom"] == [{"reference": variant_url}]
    categories = [c["coding"][0]["code"] for c in genotype["category"]]
    assert categories == ["laboratory", "GE"]


def test_sz_is_two_heterozygous_variants() -> None:
    variants = by_code(results_bundle(CASES["SZ"], created=CREATED), "69548-6")
    states = sorted(c["valueCodeableConcept"]["coding"][0]["code"] for v in variants for c in v["component"]
                    if c["code"]["coding"][0]["code"] == "53034-5")
    assert states == ["LA6706-1", "LA6706-1"]


def test_unverified_positions_are_not_written_as_genomic_hgvs() -> None:
    variants = by_code(results_bundle(CASES["Mmalton level g/L"], created=CREATED), "69548-6")
    mmalton = next(v for v in variants if "c.227_229del" in json.dumps(v))
    assert "81290-9" not in json.dumps(mmalton)


def test_report_carries_interpretation_next_steps_citations_and_provenance() -> None:
    from aatd.clinic.interpretation import describe_interpretation

    bundle = results_bundle(CASES["MZ level CRP"], created=CREATED)
    expected = describe_interpretation(level="85", unit="mg/dL", method="nephelometry", crp=3.0, genotype="MZ",
                                       panel="sz")
    (report,) = resources(bundle, "DiagnosticReport")
    assert report["code"]["coding"][0]["code"] == "51969-4"
    assert report["conclusionCode"][0]["coding"][0]["code"] == expected["severity"]
    for statement in expected["explanation"]:  # type: ignore[attr-defined]
        assert statement["text"] in report["conclusion"]
    tasks = resources(bundle, "Task")
    assert [t["code"]["coding"][0]["code"] for t in tasks] == expected["next_steps"]
    actions = [x["valueReference"]["reference"] for x in report["extension"] if x["url"].endswith("recommended-action")]
    assert len(actions) == len(tasks)
    citations = [x["valueRelatedArtifact"] for x in report["extension"] if x["url"].endswith("relatedArtifact")]
    assert citations and all(c["type"] == "citation" and c["citation"] for c in citations)
    (prov,) = resources(bundle, "Provenance")
    assert prov["entity"][0]["what"]["identifier"]["value"] == data_version()
    assert prov["agent"][0]["who"]["display"].startswith("aatd ")
    assert len(prov["target"]) == len(bundle["entry"]) - 2  # everything but the Patient and itself


def test_same_input_writes_the_same_bundle() -> None:
    assert results_bundle(CASES["SZ"], created=CREATED) == results_bundle(CASES["SZ"], created=CREATED)


def test_ehr_patient_is_referenced_not_copied() -> None:
    bundle = results_bundle(CASES["ZZ"], patient=PatientInfo(reference="Patient/abc"), created=CREATED)
    assert not resources(bundle, "Patient")
    assert all(o["subject"] == {"reference": "Patient/abc"} for o in resources(bundle, "Observation"))
    validate(bundle)


def test_workspace_patient_is_written() -> None:
    info = PatientInfo(identifier=("aatd_patient", "7"), name="Index case", gender="female", birth_year=1970,
                       deceased=False)
    bundle = results_bundle(CASES["ZZ"], patient=info, created=CREATED)
    (patient,) = resources(bundle, "Patient")
    assert patient["birthDate"] == "1970" and patient["gender"] == "female"
    assert patient["identifier"] == [{"system": "urn:aatd:workspace-patient", "value": "7"}]
    validate(bundle)


def test_family_bundle_has_each_member() -> None:
    members = [(PatientInfo(identifier=("aatd_member", "mother"), gender="female"), CASES["ZZ"]),
               (PatientInfo(identifier=("aatd_member", "child"), gender="male"), CASES["SZ"])]
    bundle = family_bundle(members, created=CREATED)
    validate(bundle)
    assert len(resources(bundle, "Patient")) == 2
    assert not resources(bundle, "DiagnosticReport")


def test_conflicting_phenotype_and_genotype__both_written_the_conflict_stated_and_no_severity() -> None:
    """Phenotype Z with genotype SS: no genotype fits both (the engine refuses to interpret them). The Bundle keeps
    each as recorded and its report says they disagree, chooses neither and proposes SERPINA1 sequencing, with the
    sources of the statement and of the step cited."""
    from aatd.clinic.interpretation import describe_conflict
    from aatd.interop.fhir_out import conclusion_text

    inputs = ResultInputs(level=Level.parse(60, "mg/dL"), phenotype=parse_phenotype("Z"),
                          genotype=parse_genotype("SS"), panel="sz", taken_on="2024-02-02")
    bundle = results_bundle(inputs, created=CREATED)
    validate(bundle)
    assert by_code(bundle, "32769-2")[0]["valueCodeableConcept"]["text"] == "Pi Z"
    assert by_code(bundle, "84413-4")[0]["valueCodeableConcept"]["text"] == "PI*SS"
    (report,) = resources(bundle, "DiagnosticReport")
    conflict = describe_conflict(phenotype="Z", genotype="SS", panel="sz")
    assert conflict is not None and report["conclusion"] == conclusion_text(conflict)
    assert report["conclusionCode"][0]["coding"][0]["code"] == "indeterminate"
    assert [t["code"]["coding"][0]["code"] for t in resources(bundle, "Task")] == ["sequence_serpina1"]
    cited = {e["valueRelatedArtifact"]["label"] for e in report["extension"] if "valueRelatedArtifact" in e}
    assert {"Snyder 2006, doi:10.1373/clinchem.2006.072991", "Sandhaus 2016, doi:10.15326/jcopdf.3.3.2015.0182",
            "Miravitlles 2017, doi:10.1183/13993003.00610-2017"} <= cited


def test_describe_conflict__none_when_a_genotype_fits_both_and_ief_again_after_sequencing() -> None:
    from aatd.clinic.interpretation import describe_conflict

    assert describe_conflict(phenotype="Z", genotype="Z/Null", panel="sequencing") is None  # null shows no band
    assert describe_conflict(phenotype="Z", genotype="MZ", panel="sz") is None  # M may be an untested null
    sequenced = describe_conflict(phenotype="M", genotype="ZZ", panel="sequencing")
    assert sequenced is not None and [s["code"] for s in sequenced["next_step_details"]] == ["phenotype"]


def test_record_bundle__every_result_with_its_state_and_reads_back() -> None:
    """Two genotypes of one record (the first retracted, each with its variants), a corrected level: each is
    an Observation with its status, and read_results gives every result back with its state (the retracted one
    never reaching the inputs)."""
    from aatd.interop.fhir_in import read_results
    from aatd.interop.fhir_out import PatientInfo, RecordedResult, record_bundle

    results = [
        RecordedResult("1", "genotype", "2024-01-01", text="SZ", panel="sz", status="retracted",
                       retraction_reason="wrong patient"),
        RecordedResult("2", "genotype", "2024-01-02", text="ZZ", panel="sz", note="=1+1"),
        RecordedResult("3", "level", "2024-01-02", value=0.1 + 0.2, unit="g/L", status="corrected",
                       entered_at="2024-01-02T10:00:00", corrected_at="2024-01-03T09:30:00.123456"),
    ]
    inputs = ResultInputs(level=Level.parse(0.1 + 0.2, "g/L"), genotype=parse_genotype("ZZ"), panel="sz",
                          taken_on="2024-01-02")
    bundle = record_bundle(results, inputs, patient=PatientInfo(identifier=("aatd_patient", "7")), created=CREATED)
    validate(bundle)
    states = sorted((r["code"]["coding"][0]["code"], r["status"]) for r in resources(bundle, "Observation"))
    assert states == [("1825-9", "corrected"), ("69548-6", "entered-in-error"), ("69548-6", "entered-in-error"),
                      ("69548-6", "final"), ("84413-4", "entered-in-error"), ("84413-4", "final")]
    (level,) = by_code(bundle, "1825-9")
    assert level["issued"] == "2024-01-03T09:30:00+00:00" and level["valueQuantity"]["value"] == 0.1 + 0.2
    read = read_results(bundle)
    assert read.inputs.genotype == parse_genotype("ZZ") and read.inputs.level == Level.parse(0.1 + 0.2, "g/L")
    records = sorted((r["kind"], r.get("text") or r.get("value"), r["status"], r.get("retraction_reason"),
                      r.get("corrected_at")) for r in read.results)
    assert records == [("genotype", "SZ", "retracted", "wrong patient", None),
                       ("genotype", "ZZ", "current", None, None),
                       ("level", repr(0.1 + 0.2), "corrected", None, "2024-01-03T09:30:00+00:00")]


def test_record_bundle__results_the_engine_refuses_together_still_export_with_the_refusal_stated() -> None:
    """Z/Null stored with the S/Z panel (which cannot report a null): the engine refuses to interpret it, the
    record still exports (a lab director can take out every stored result) and the report says why."""
    from aatd.interop.fhir_out import PatientInfo, RecordedResult, record_bundle

    results = [RecordedResult("1", "genotype", "2024-01-01", text="Z/Null", panel="sz")]
    inputs = ResultInputs(genotype=parse_genotype("Z/Null"), panel="sz", taken_on="2024-01-01")
    bundle = record_bundle(results, inputs, patient=PatientInfo(identifier=("aatd_patient", "9")), created=CREATED)
    validate(bundle)
    assert by_code(bundle, "84413-4")[0]["valueCodeableConcept"]["text"] == "PI*Z/Null"
    (report,) = resources(bundle, "DiagnosticReport")
    assert report["conclusion"].startswith("Severity: indeterminate. aatd gives no interpretation of these results: "
                                           "genotype: got 'Z/Null'")
    assert resources(bundle, "Task") == []
