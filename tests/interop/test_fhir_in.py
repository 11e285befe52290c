"""FHIR in: aatd's own Bundles and the IG's example patterns are read back; what cannot be mapped is refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.clinic.interpretation import describe_interpretation
from aatd.errors import InputError
from aatd.genetics.alleles import allele_catalogue
from aatd.genetics.genotypes import Genotype, parse_genotype, parse_phenotype
from aatd.genetics.units import Crp, Level
from aatd.interop.fhir_in import ResultInputs, read_results
from aatd.interop.fhir_out import interpretation_arguments, results_bundle
from interop.strategies import JSON

DATA = Path(__file__).parents[1] / "data" / "fhir"
CREATED = "2026-11-29T12:00:00+00:00"


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def observation(code: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": fields.pop("id", "obs1"), "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": "Patient/p1"}, **fields}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


# --- round trip ----------------------------------------------------------------------------------------------------

ROUND_TRIP = [
    ResultInputs(genotype=parse_genotype("ZZ")),
    ResultInputs(level=Level.parse(85, "mg/dL", "nephelometry"), crp=Crp.of(3.0), genotype=parse_genotype("MZ"),
                 panel="sz", taken_on="2025-03-01"),
    ResultInputs(level=Level.parse("<20", "mg/dL"), phenotype=parse_phenotype("Z")),
    ResultInputs(level=Level.parse(0.4, "g/L", "radial_immunodiffusion"), genotype=parse_genotype("Z/Null"),
                 panel="sequencing"),
    ResultInputs(level=Level.parse(3, "umol/L"), genotype=parse_genotype("Z/Mmalton"), panel="alphaid_14"),
    ResultInputs(level=Level.parse(100, "mg/dL"), crp=Crp.parse(1.2, "mg/dL"), taken_on="2024-05-02"),
    ResultInputs(level=Level.parse(100, "mg/dL"), crp=Crp.parse("<0.5", "mg/dL"), taken_on="2024-05-02"),
]


@pytest.mark.parametrize("inputs", ROUND_TRIP, ids=str)
def test_out_then_in_gives_the_same_inputs_and_results(inputs: ResultInputs) -> None:
    back = read_results(results_bundle(inputs, created=CREATED))
    assert back.inputs == inputs
    assert describe_interpretation(**interpretation_arguments(back.inputs)) == describe_interpretation(
        **interpretation_arguments(inputs))


_ALLELES = [a.allele for a in allele_catalogue() if a.family != "M" or a.allele == "M"]


@settings(max_examples=40)
@given(st.sampled_from(_ALLELES), st.sampled_from(_ALLELES),
       st.one_of(st.none(), st.floats(min_value=1, max_value=300, allow_nan=False).map(lambda v: round(v, 1))),
       st.sampled_from(["mg/dL", "g/L", "umol/L"]))
def test_any_catalogue_genotype_round_trips(a: str, b: str, level: float | None, unit: str) -> None:
    inputs = ResultInputs(genotype=Genotype.of(a, b), panel="sequencing",
                          level=None if level is None else Level.parse(level, unit))
    assert read_results(results_bundle(inputs, interpret=False, created=CREATED)).inputs == inputs


# --- the IG's example patterns (hand-ported, CC0) --------------------------------------------------------------------


def test_ig_compound_heterozygote_pattern_reads_as_sz() -> None:
    result = read_results(load("ig_compound_heterozygote_sz.json"))
    assert result.inputs.genotype == parse_genotype("SZ")
    assert any("in trans" in n for n in result.notes)
    assert any("read from its Variant observations" in n for n in result.notes)


def test_ig_snv_pattern_reads_as_z_heterozygous() -> None:
    result = read_results(load("ig_snv_z_het.json"))
    assert result.inputs.genotype == parse_genotype("MZ")
    assert result.subject == "Patient/ExamplePatient"


def test_ig_positional_pattern_reads_by_grch38_position() -> None:
    assert read_results(load("ig_positional_z_hom.json")).inputs.genotype == parse_genotype("ZZ")


def test_zero_based_coordinates_are_shifted() -> None:
    doc = load("ig_positional_z_hom.json")
    obs = doc["entry"][0]["resource"]
    for comp in obs["component"]:
        if comp["code"]["coding"][0]["code"] == "92822-6":
            comp["valueCodeableConcept"]["coding"][0]["code"] = "LA30100-4"
        if comp["code"]["coding"][0]["code"] == "81254-5":
            comp["valueRange"]["low"]["value"] = 94378609
    assert read_results(doc).inputs.genotype == parse_genotype("ZZ")


def test_genotype_of_another_gene_is_ignored_not_refused() -> None:
    result = read_results(load("ig_cyp2c19_genotype.json"))
    assert result.inputs.empty
    assert any("Pgx-geno-1001" in i and "not SERPINA1" in i for i in result.ignored)


def test_older_transcript_version_is_read() -> None:
    assert read_results(load("genomex_style_z_het.json")).inputs.genotype == parse_genotype("MZ")


# --- levels, units, codes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "quantity", "expected"), [
    ("1825-9", {"value": 25, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
     Level.parse(25, "mg/dL")),
    ("6771-0", {"value": 0.25, "unit": "g/L"}, Level.parse(0.25, "g/L")),
    ("1825-9", {"value": 4.6, "unit": "µmol/L"}, Level.parse(4.6, "umol/L")),
    ("1825-9", {"value": 10, "comparator": "<", "unit": "mg/dL"}, Level.parse("<10", "mg/dL")),
])
def test_level_in_any_unit(code: str, quantity: dict[str, Any], expected: Level) -> None:
    result = read_results(observation(code, valueQuantity=quantity))
    assert result.inputs.level == expected


def test_alkaline_phosphatase_is_not_read_as_aat() -> None:
    result = read_results(observation("6768-6", valueQuantity={"value": 85, "unit": "U/L"}))
    assert result.inputs.level is None
    assert any("alkaline phosphatase" in i for i in result.ignored)


def test_unrelated_observations_are_listed_as_ignored() -> None:
    bp = observation("8480-6", id="bp", valueQuantity={"value": 120, "unit": "mm[Hg]"})
    result = read_results(bundle(bp, observation("1825-9", id="aat", valueQuantity={"value": 90, "unit": "mg/dL"})))
    assert result.inputs.level == Level.parse(90, "mg/dL")
    assert result.ignored == ("Observation/bp: code 8480-6 is not a result aatd reads",)


def test_latest_level_is_used_and_crp_only_from_the_same_day() -> None:
    old = observation("1825-9", id="old", effectiveDateTime="2020-01-01", valueQuantity={"value": 50, "unit": "mg/dL"})
    new = observation("1825-9", id="new", effectiveDateTime="2024-05-02", valueQuantity={"value": 60, "unit": "mg/dL"})
    crp_old = observation("1988-5", id="crp-old", effectiveDateTime="2020-01-01",
                          valueQuantity={"value": 30, "unit": "mg/L"})
    result = read_results(bundle(old, new, crp_old))
    assert result.inputs.level == Level.parse(60, "mg/dL")
    assert result.inputs.crp is None
    assert result.inputs.taken_on == "2024-05-02"
    crp_new = observation("1988-5", id="crp-new", effectiveDateTime="2024-05-02T09:00:00Z",
                          valueQuantity={"value": 1.2, "unit": "mg/dL"})
    assert read_results(bundle(old, new, crp_old, crp_new)).inputs.crp == Crp.parse(1.2, "mg/dL")


def test_phenotype_from_text() -> None:
    obs = observation("32769-2", valueCodeableConcept={"text": "Pi MZ"})
    assert read_results(obs).inputs.phenotype == parse_phenotype("MZ")


def test_entered_in_error_is_ignored() -> None:
    obs = observation("1825-9", valueQuantity={"value": 90, "unit": "mg/dL"})
    obs["status"] = "entered-in-error"
    result = read_results(obs)
    assert result.inputs.level is None and "entered-in-error" in result.ignored[0]


def test_variant_given_by_rsid_only() -> None:
    obs = observation("69548-6", valueCodeableConcept={"coding": [{"system": "http://loinc.org", "code": "LA9633-4"}]},
                      component=[
                          {"code": {"coding": [{"system": "http://loinc.org", "code": "81252-9"}]},
                           "valueCodeableConcept": {"coding": [{"system": "http://www.ncbi.nlm.nih.gov/projects/SNP",
                                                                "code": "rs17580"}]}},
                          {"code": {"coding": [{"system": "http://loinc.org", "code": "53034-5"}]},
                           "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA6705-3"}]}}])
    assert read_results(obs).inputs.genotype == parse_genotype("SS")


# --- refusals name the resource and the element -------------------------------------------------------------------


def refused(doc: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as info:
        read_results(doc)
    return info.value


def test_level_in_an_unknown_unit_is_refused() -> None:
    err = refused(observation("1825-9", id="lvl", valueQuantity={"value": 85, "unit": "U/L"}))
    assert err.field == "Observation/lvl.valueQuantity.unit"
    assert err.value == "U/L"


def test_level_without_quantity_is_refused() -> None:
    err = refused(observation("1825-9", id="lvl", valueString="low"))
    assert err.field == "Observation/lvl.value[x]"


def test_level_above_comparator_is_refused() -> None:
    err = refused(observation("1825-9", id="lvl", valueQuantity={"value": 300, "comparator": ">", "unit": "mg/dL"}))
    assert err.field == "Observation/lvl.valueQuantity.comparator"


def test_hgvs_on_another_transcript_is_refused() -> None:
    doc = load("ig_snv_z_het.json")
    for comp in doc["component"]:
        if comp["code"]["coding"][0]["code"] == "48004-6":
            comp["valueCodeableConcept"]["coding"][0]["code"] = "NM_001127701.1:c.1096G>A"
    err = refused(doc)
    assert err.field == "Observation/SNVexample-serpina1.component[c-hgvs]"


def test_unknown_serpina1_variant_is_refused() -> None:
    doc = load("ig_snv_z_het.json")
    doc["component"] = [c for c in doc["component"] if c["code"]["coding"][0]["code"] not in ("48005-3",)]
    for comp in doc["component"]:
        if comp["code"]["coding"][0]["code"] == "48004-6":
            comp["valueCodeableConcept"]["coding"][0]["code"] = "NM_000295.5:c.1A>G"
    err = refused(doc)
    assert err.field == "Observation/SNVexample-serpina1.component"


def test_unparseable_genotype_is_refused() -> None:
    err = refused(observation("84413-4", id="g", valueCodeableConcept={"text": "PI*QQ"}))
    assert err.field == "Observation/g.valueCodeableConcept"


def test_results_of_two_patients_are_refused() -> None:
    a = observation("1825-9", id="a", valueQuantity={"value": 90, "unit": "mg/dL"})
    b = copy.deepcopy(a) | {"id": "b", "subject": {"reference": "Patient/p2"}}
    assert refused(bundle(a, b)).field == "Observation.subject"


def test_genotype_and_variants_that_disagree_are_refused() -> None:
    genotype = observation("84413-4", id="g", valueCodeableConcept={"text": "PI*MS"})
    variant = load("ig_snv_z_het.json") | {"subject": {"reference": "Patient/p1"}}
    assert "disagree" in str(refused(bundle(genotype, variant)))


def test_not_a_resource_is_refused() -> None:
    with pytest.raises(InputError):
        read_results([1, 2])
    with pytest.raises(InputError):
        read_results({"resourceType": "Bundle", "entry": [{"resource": 3}]})


def test_oversized_bundle_is_refused() -> None:
    from aatd.interop import fhir_in

    doc = bundle(*[observation("8480-6", id=str(i)) for i in range(fhir_in.MAX_RESOURCES + 1)])
    assert refused(doc).field == "Bundle.entry"


# --- malformed input never escapes as anything but InputError ------------------------------------------------------

@settings(max_examples=150)
@given(JSON)
def test_arbitrary_json_is_read_or_refused_with_input_error(doc: object) -> None:
    for candidate in (doc, {"resourceType": "Observation", "status": "final", "code": {"coding": [
            {"system": "http://loinc.org", "code": "1825-9"}]}, "valueQuantity": doc},
            {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation", "status": "final",
                                                               "code": doc, "component": doc}}]},
            *({"resourceType": "Observation", "status": "final", "code": {"coding": [
                {"system": "http://loinc.org", "code": code}]}, "valueCodeableConcept": doc, "method": doc,
               "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": c}]},
                              "valueCodeableConcept": doc, "valueRange": doc, "valueString": doc}
                             for c in ("48004-6", "53034-5", "81254-5", "69547-8", "69551-0", "62374-4")]}
              for code in ("69548-6", "84413-4", "32769-2"))):
        try:
            result = read_results(candidate)
        except InputError as exc:
            assert exc.field  # the refusal names the element
        else:
            assert isinstance(result.inputs, ResultInputs)


# --- CRP units ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("quantity", "expected"), [
    ({"value": 1.2, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}, ("1.2", "mg/dL")),
    ({"value": 12, "unit": "milligram per litre", "system": "http://unitsofmeasure.org", "code": "mg/L"},
     ("12", "mg/L")),
    ({"value": 1.2, "unit": "mg/dl"}, ("1.2", "mg/dL")),
])
def test_crp__ucum_mg_l_and_mg_dl_are_read_in_their_unit(quantity: dict[str, Any], expected: tuple[str, str]) -> None:
    level = observation("1825-9", id="lvl", effectiveDateTime="2024-05-02",
                        valueQuantity={"value": 100, "unit": "mg/dL"})
    crp = observation("1988-5", id="crp", effectiveDateTime="2024-05-02", valueQuantity=quantity)
    read = read_results(bundle(level, crp))
    assert read.inputs.crp == Crp.parse(*expected)
    assert read.inputs.crp is not None and read.inputs.crp.mg_l == 12.0
    assert [(r["value"], r["unit"]) for r in read.results if r["kind"] == "crp"] == [(float(expected[0]), expected[1])]
    assert describe_interpretation(**interpretation_arguments(read.inputs))["inflamed"] is True


@pytest.mark.parametrize("quantity", [
    {"value": 1.2, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"},
    {"value": 1.2, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "g/L"},  # the UCUM code decides
    {"value": 12, "unit": "ug/mL"},
])
def test_crp__any_other_unit_is_refused_with_a_clear_message(quantity: dict[str, Any]) -> None:
    err = refused(observation("1988-5", id="crp", effectiveDateTime="2024-05-02", valueQuantity=quantity))
    assert err.field == "Observation/crp.valueQuantity.unit"
    assert err.value == quantity.get("code", quantity["unit"])
    assert err.expected == "UCUM mg/L or mg/dL for a CRP" and "does not guess" in str(err)


def test_crp__a_mg_dl_crp_is_written_in_mg_dl_and_validates_as_r4() -> None:
    """FHIR out writes the unit it has (UCUM mg/dL), the R4B models accept it, and it reads back as the same CRP."""
    from fhir.resources.R4B.observation import Observation

    inputs = ResultInputs(level=Level.parse(100, "mg/dL"), crp=Crp.parse(1.2, "mg/dL"), taken_on="2024-05-02")
    written = results_bundle(inputs, created=CREATED)
    (crp,) = [e["resource"] for e in written["entry"] if e["resource"]["resourceType"] == "Observation"
              and e["resource"]["code"]["coding"][0]["code"] == "1988-5"]
    model = Observation.model_validate(crp)
    assert model.valueQuantity is not None
    assert (float(model.valueQuantity.value), model.valueQuantity.code, str(model.valueQuantity.system)) == (
        1.2, "mg/dL", "http://unitsofmeasure.org")
    assert read_results(written).inputs.crp == Crp.parse(1.2, "mg/dL")


def test_crp__below_a_reporting_limit_is_below_the_cut_off_and_a_higher_limit_is_refused() -> None:
    """FHIR's '<' comparator on a CRP: '<5 mg/L' was read as 5 mg/L (raised); it is below the cut-off."""
    level = observation("1825-9", id="lvl", effectiveDateTime="2024-05-02",
                        valueQuantity={"value": 100, "unit": "mg/dL"})
    crp = observation("1988-5", id="crp", effectiveDateTime="2024-05-02",
                      valueQuantity={"value": 5, "comparator": "<", "unit": "mg/L"})
    read = read_results(bundle(level, crp))
    assert read.inputs.crp == Crp.parse("<5", "mg/L")
    assert describe_interpretation(**interpretation_arguments(read.inputs))["inflamed"] is False
    assert [r["value"] for r in read.results if r["kind"] == "crp"] == ["<5.0"]
    too_high = observation("1988-5", id="crp", effectiveDateTime="2024-05-02",
                           valueQuantity={"value": 10, "comparator": "<", "unit": "mg/L"})
    err = refused(bundle(level, too_high))
    assert err.field == "Observation/crp.valueQuantity.value" and "cut-off (5 mg/L)" in str(err)


def test_entered_in_error__a_retracted_record_never_an_input_and_an_unreadable_one_is_only_ignored() -> None:
    obs = observation("1825-9", valueQuantity={"value": 90, "unit": "mg/dL"}, effectiveDateTime="2024-05-01",
                      extension=[{"url": "urn:aatd:retraction-reason", "valueString": "sample mix-up"}])
    obs["status"] = "entered-in-error"
    result = read_results(bundle(obs, observation("1825-9", id="ok", valueQuantity={"value": 40, "unit": "mg/dL"},
                                                  effectiveDateTime="2024-04-01")))
    assert result.inputs.level == Level.parse(40, "mg/dL")
    assert [(r["value"], r["status"], r.get("retraction_reason")) for r in result.results] == [
        ("40.0", "current", None), ("90.0", "retracted", "sample mix-up")]
    broken = observation("1825-9", valueQuantity={"value": "ninety", "unit": "mg/dL"})
    broken["status"] = "entered-in-error"
    unread = read_results(broken)
    assert unread.results == () and "entered-in-error" in unread.ignored[0]


def test_note__the_first_annotation_when_a_result_may_hold_it() -> None:
    kept = observation("1825-9", valueQuantity={"value": 90, "unit": "mg/dL"}, note=[{"text": " =1+1\nsecond "}])
    assert read_results(kept).results[0]["note"] == "=1+1\nsecond"
    for bad in ("x" * 2001, "bell \x07", ""):
        refused = observation("1825-9", valueQuantity={"value": 90, "unit": "mg/dL"}, note=[{"text": bad}])
        assert read_results(refused).results[0]["note"] is None


def test_entered_in_error__a_reason_or_time_the_workspace_cannot_keep_never_fails_the_file() -> None:
    """A reason with a line break (a typed reason has none), a correction time that is not a date, an
    entered-in-error result without its day: read with a reason naming the Observation, no time (the import's
    own), or only listed in ``ignored``; never an error that would refuse the whole file."""
    gone = observation("1825-9", valueQuantity={"value": 90, "unit": "mg/dL"}, effectiveDateTime="2024-05-01",
                       status="entered-in-error", extension=["not an object", {
                           "url": "urn:aatd:retraction-reason", "valueString": "two\nlines"}])
    fixed = observation("1988-5", id="crp", valueQuantity={"value": 3, "unit": "mg/L"}, effectiveDateTime="2024-05-01",
                        status="corrected", issued="yesterday")
    partial = observation("32769-2", id="ph", valueCodeableConcept={"text": "Pi Z"}, effectiveDateTime="2024-05",
                          status="entered-in-error")
    records = {r["kind"]: r for r in read_results(bundle(gone, fixed, partial)).results}
    assert records["level"]["retraction_reason"] == "entered in error (FHIR Observation/obs1)"
    assert records["crp"]["status"] == "corrected" and records["crp"]["corrected_at"] is None
    assert "phenotype" not in records
