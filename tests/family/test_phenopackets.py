"""GA4GH Phenopackets Family: genotypes and levels read from interpretations and measurements, and written back."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aatd.errors import InputError
from aatd.family.answers import report_from_text
from aatd.family.inference import allele_model, infer
from aatd.family.pedigree import (
    CarrierEvidence,
    allele_from_variant_text,
    pedigree_from_json,
    pedigree_from_phenopackets,
    pedigree_to_json,
    pedigree_to_phenopackets,
)
from aatd.genetics.genotypes import Genotype
from aatd.genetics.units import Unit

DATA = Path(__file__).parents[1] / "data" / "pedigrees"
FREQS = {"M": 0.95, "S": 0.03, "Z": 0.02}


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / name).read_text())
    return doc


def descriptor(doc: dict[str, Any], relative: int, k: int = 0) -> dict[str, Any]:
    packet = doc["relatives"][relative]
    gi = packet["interpretations"][0]["diagnosis"]["genomicInterpretations"][k]
    found: dict[str, Any] = gi["variantInterpretation"]["variationDescriptor"]
    return found


def test_pedigree_from_phenopackets__reads_genotypes_levels_and_structure() -> None:
    ped = pedigree_from_phenopackets(load("family_genotypes.phenopackets.json"))
    assert ped["p"].proband and ped["p"].genotype == Genotype.of("Z", "Z")  # homozygous c.1096G>A
    assert ped["f"].genotype == Genotype.of("M", "Z")  # heterozygous rsID, full-gene coverage: other allele M
    assert ped["m"].genotype == Genotype.of("S", "Z")  # two heterozygous variants: compound heterozygote
    assert ped["s"].genotype is None and ped["s"].phenotype == CarrierEvidence.of("Z")  # other allele not covered
    assert ped["s"].level is not None and ped["s"].level.level.unit is Unit.UMOL_L and ped["s"].level.crp_mg_l == 3.0
    assert ped["p"].level is not None and ped["p"].level.level.value == 25.0
    assert ped["g"].deceased and ped["t"].genotype is None and ped["f"].father == "g"


def test_pedigree_from_phenopackets__carrier_evidence_is_a_genotype_set_in_inference() -> None:
    _, result, report = report_from_text((DATA / "family_genotypes.phenopackets.json").read_text(),
                                         frequencies=FREQS, plan=True)
    assert all("Z" in g for g in report["members"]["s"]["genotypes"])  # carries at least one Z
    assert report["members"]["s"]["genotypes"]["ZZ"] > 0.99  # and 7.5 µmol/L makes it almost surely ZZ
    assert report["members"]["t"]["genotypes"] == pytest.approx({"MS": 0.25, "MZ": 0.25, "SZ": 0.25, "ZZ": 0.25})
    assert [e["id"] for e in report["plan"]] == ["s", "t"]  # s has only a partial result, so is still offered
    assert result.p_severe("s") > 0.99


@pytest.mark.parametrize(("text", "allele"), [
    ("NM_000295.5:c.1096G>A", "Z"), ("NP_000286.3:p.(Glu366Lys)", "Z"), ("p.E366K", "Z"), ("rs17580", "S"),
    ("dbSNP:rs28929474", "Z"), ("Glu264Val", "S"), ("PI*Z", "Z"), ("SERPINA1 Mmalton", "Mmalton"),
    ("c.227_229del", "Mmalton"), ("NP_000286.3:p.Leu377Phefs*24", "Q0mattawa"), ("rs6647", "M1Ala213"),
    ("NM_000295.5:c.9999A>G", None), ("p.Arg101His", None),  # Arg101His is M2's *legacy* name, not its HGVS
])
def test_allele_from_variant_text(text: str, allele: str | None) -> None:
    assert allele_from_variant_text(text) == allele


def test_pedigree_from_phenopackets__unknown_variant_names_member_and_text() -> None:
    doc = load("family_genotypes.phenopackets.json")
    descriptor(doc, 1)["expressions"] = [{"syntax": "hgvs.c", "value": "NM_000295.5:c.9999A>G"}]
    with pytest.raises(InputError) as info:
        pedigree_from_phenopackets(doc)
    assert "member m" in info.value.field and "c.9999A>G" in str(info.value.value)
    assert "not recognised" in str(info.value)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("allelicState"), "heterozygous"),
    (lambda d: d.update(allelicState={"id": "GENO:0000134", "label": "hemizygous"}), "GENO:0000136"),
    (lambda d: d.update(allelicState={"id": "GENO:0000136"}), "at most two SERPINA1 alleles"),
])
def test_pedigree_from_phenopackets__zygosity_errors(change: Any, message: str) -> None:
    doc = load("family_genotypes.phenopackets.json")
    change(descriptor(doc, 1, 1))  # the mother's PI*S descriptor
    with pytest.raises(InputError, match=message) as info:
        pedigree_from_phenopackets(doc)
    assert "member m" in info.value.field


def test_pedigree_from_phenopackets__one_rare_allele_without_coverage_is_refused() -> None:
    doc = load("family_genotypes.phenopackets.json")
    descriptor(doc, 2)["label"] = "PI*Mmalton"
    with pytest.raises(InputError, match="own IEF band") as info:
        pedigree_from_phenopackets(doc)
    assert "member s" in info.value.field
    descriptor(doc, 2)["extensions"] = [{"name": "other_allele", "value": "M"}]
    assert pedigree_from_phenopackets(doc)["s"].genotype == Genotype.of("M", "Mmalton")


def test_pedigree_from_phenopackets__other_genes_are_ignored() -> None:
    doc = load("family_genotypes.phenopackets.json")
    descriptor(doc, 2)["geneContext"] = {"valueId": "HGNC:1884", "symbol": "CFTR"}
    descriptor(doc, 2)["label"] = "c.1521_1523del"
    assert pedigree_from_phenopackets(doc)["s"].phenotype is None


def test_pedigree_from_phenopackets__level_errors_name_the_member() -> None:
    doc = load("family_genotypes.phenopackets.json")
    doc["relatives"][2]["measurements"][0]["value"] = {"quantity": {"unit": {"id": "UCUM:kg"}, "value": 7.5}}
    with pytest.raises(InputError) as info:
        pedigree_from_phenopackets(doc)
    assert "member s" in info.value.field


def test_pedigree_to_phenopackets__round_trips_structure_genotypes_and_levels() -> None:
    ped = pedigree_from_phenopackets(load("family_genotypes.phenopackets.json"))
    out = json.loads(json.dumps(pedigree_to_phenopackets(ped, "fam")))
    assert out["proband"]["subject"]["id"] == "p" and len(out["relatives"]) == len(ped) - 1
    assert pedigree_from_phenopackets(out) == ped
    mz = next(r for r in out["relatives"] if r["subject"]["id"] == "f")
    states = [gi["variantInterpretation"]["variationDescriptor"]["allelicState"]["id"]
              for gi in mz["interpretations"][0]["diagnosis"]["genomicInterpretations"]]
    assert states == ["GENO:0000135", "GENO:0000135"]  # M and Z, each heterozygous


def test_pedigree_to_phenopackets__aatd_json_genotypes_survive() -> None:
    doc = load("consanguineous.json")
    ped = pedigree_from_json(doc)
    back = pedigree_from_phenopackets(pedigree_to_phenopackets(ped))
    assert [(m.id, m.father, m.mother, m.sex, m.genotype, m.level, m.deceased) for m in back.members] == [
        (m.id, m.father, m.mother, m.sex, m.genotype, m.level, m.deceased) for m in ped.members]


def test_carries_field__json_round_trip_and_inference() -> None:
    doc = {"members": [{"id": "a", "sex": "male", "carries": "S"}, {"id": "b", "sex": "female", "genotype": "MZ"},
                       {"id": "c", "father": "a", "mother": "b"}]}
    ped = pedigree_from_json(doc)
    assert pedigree_to_json(ped)["members"][0]["carries"] == "S"
    assert pedigree_from_json(pedigree_to_json(ped)) == ped
    result = infer(ped, allele_model(ped, frequencies=FREQS))
    assert set(result.distribution("a")) <= {Genotype.of("M", "S"), Genotype.of("S", "S"), Genotype.of("S", "Z"),
                                             Genotype.of("S", "Null")}
    assert result.distribution("a")[Genotype.of("M", "S")] > 0.9


def test_carries_field__errors() -> None:
    with pytest.raises(InputError, match="not both"):
        pedigree_from_json({"members": [{"id": "a", "carries": "Z", "phenotype": "MZ"}]})
    with pytest.raises(InputError) as info:
        pedigree_from_json({"members": [{"id": "a", "carries": "Q0bolton"}]})
    assert info.value.field == "members[0].carries"


def test_cli_pedigree__phenopackets_export(tmp_path: Path) -> None:
    out = tmp_path / "family.json"
    run = subprocess.run([sys.executable, "-m", "aatd", "pedigree", str(DATA / "mz_x_sz.json"), "--phenopackets",
                          str(out)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    original = pedigree_from_json(load("mz_x_sz.json"))
    exported = pedigree_from_phenopackets(json.loads(out.read_text()))
    assert {m.id: m.genotype for m in exported.members} == {m.id: m.genotype for m in original.members}


def test_pedigree_from_phenopackets__fixture_untouched_by_tests() -> None:
    doc = load("family_genotypes.phenopackets.json")
    assert pedigree_from_phenopackets(copy.deepcopy(doc)) == pedigree_from_phenopackets(doc)
