"""The pedigree model: validation, formats, the JSON report, the plan, the drawing and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from aatd.errors import InputError, PedigreeError
from aatd.family.answers import pedigree_report
from aatd.family.cascade import cascade_plan
from aatd.family.drawing import pedigree_svg
from aatd.family.inference import allele_model, infer
from aatd.family.pedigree import (
    Member,
    Sex,
    build_pedigree,
    pedigree_from_json,
    pedigree_from_ped,
    pedigree_from_phenopackets,
    pedigree_to_json,
    pedigree_to_ped,
    read_pedigree_text,
)
from aatd.genetics.genotypes import Genotype

DATA = Path(__file__).parents[1] / "data" / "pedigrees"
SVG = "{http://www.w3.org/2000/svg}"


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / name).read_text())
    return doc


# --- validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("members", "field", "message"), [
    ([{"id": "a"}, {"id": "a"}], "members[1].id", "unique member id"),
    ([{"id": "c", "father": "nobody"}], "members[0].father", "the id of a member"),
    ([{"id": "f", "sex": "female"}, {"id": "c", "father": "f"}], "members[1].father", "father recorded as male"),
    ([{"id": "m", "sex": "male"}, {"id": "c", "mother": "m"}], "members[1].mother", "mother recorded as female"),
    ([{"id": "a", "sex": "male", "father": "b"}, {"id": "b", "sex": "male", "father": "a"}], "members",
     "nobody is their own ancestor"),
    ([{"id": "a", "father": "a"}], "members[0].father", "someone other than the member"),
    ([{"id": "f", "sex": "male"}, {"id": "a", "father": "f"}, {"id": "b", "mz_twin": "a"}], "members[2].mz_twin",
     "same father and mother"),
])
def test_pedigree_from_json__structural_errors_name_the_field(members: list[dict[str, Any]], field: str,
                                                              message: str) -> None:
    with pytest.raises(PedigreeError, match=message) as info:
        pedigree_from_json({"members": members})
    assert info.value.field == field


def test_pedigree_from_json__cycle_names_its_members() -> None:
    with pytest.raises(PedigreeError) as info:
        pedigree_from_json({"members": [{"id": "a", "sex": "male", "father": "c"}, {"id": "b", "sex": "male",
                                         "father": "a"}, {"id": "c", "sex": "male", "father": "b"}]})
    assert set(info.value.members) == {"a", "b", "c"}


@pytest.mark.parametrize(("member", "field"), [
    ({"id": "a", "genotype": "ZX"}, "members[0].genotype"),
    ({"id": "a", "sex": "yes"}, "members[0].sex"),
    ({"id": "a", "level": {"value": -3}}, "members[0].level.value"),
    ({"id": "a", "level": {"value": 50, "unit": "kg"}}, "members[0].level.unit"),
    ({"id": "a", "level": {"value": 50, "crp": -1}}, "members[0].level.crp"),
    ({"id": "a", "deceased": "no"}, "members[0].deceased"),
    ({"id": "a", "colour": "red"}, "members[0].colour"),
    ({"id": ""}, "members[0].id"),
])
def test_pedigree_from_json__bad_member_fields(member: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        pedigree_from_json({"members": [member]})
    assert info.value.field == field


def test_build_pedigree__orders_parents_first() -> None:
    ped = build_pedigree([Member("c", Sex.MALE, "f", "m"), Member("f", Sex.MALE), Member("m", Sex.FEMALE)])
    assert ped.ids.index("c") > max(ped.ids.index("f"), ped.ids.index("m"))


# --- formats ------------------------------------------------------------------------------------------------------


def test_pedigree_to_json__round_trips() -> None:
    ped = pedigree_from_json(load("consanguineous.json"))
    assert pedigree_from_json(pedigree_to_json(ped)) == ped


def test_pedigree_to_ped__round_trips_structure_and_genotypes() -> None:
    ped = pedigree_from_json(load("consanguineous.json"))
    back = pedigree_from_ped(pedigree_to_ped(ped))
    assert [(m.id, m.father, m.mother, m.sex, m.genotype) for m in back.members] == [
        (m.id, m.father, m.mother, m.sex, m.genotype) for m in ped.members]


def test_pedigree_from_ped__reads_the_genotype_column_and_affected_status() -> None:
    ped = pedigree_from_ped((DATA / "trio.ped").read_text())
    assert ped["p"].genotype == Genotype.of("Z", "Z") and ped["p"].affected is True
    assert ped["s"].genotype is None and ped["s"].affected is None
    assert (ped["s"].father, ped["s"].mother) == ("f", "m")


def test_pedigree_from_ped__several_families_prefix_ids() -> None:
    ped = pedigree_from_ped("A 1 0 0 1 0\nA 2 1 0 1 0\nB 1 0 0 2 0\n")
    assert set(ped.ids) == {"A/1", "A/2", "B/1"} and ped["A/2"].father == "A/1"


@pytest.mark.parametrize(("text", "field"), [("F a 0 0 1\n", "line 1"), ("F a 0 0 3 0\n", "line 1.sex"),
                                             ("F a 0 0 1 7\n", "line 1.phenotype"), ("", "ped")])
def test_pedigree_from_ped__bad_lines(text: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        pedigree_from_ped(text)
    assert info.value.field == field


def test_pedigree_from_phenopackets__structure_proband_and_vital_status() -> None:
    ped = pedigree_from_phenopackets(load("family.phenopackets.json"))
    assert ped["p"].proband and ped["f"].deceased and ped["p"].affected
    assert (ped["s"].father, ped["s"].mother, ped["s"].sex) == ("f", "m", Sex.MALE)


def test_read_pedigree_text__detects_each_format() -> None:
    for name in ("sibling_of_zz.json", "trio.ped", "family.phenopackets.json"):
        ped, _ = read_pedigree_text((DATA / name).read_text())
        assert "p" in ped


# --- the JSON report (API contract) -------------------------------------------------------------------------------


def test_pedigree_report__json_contract() -> None:
    data = pedigree_report(load("sibling_of_zz.json"))
    assert set(data["members"]) == {"f", "m", "p", "s"}
    for row in data["members"].values():
        assert set(row) == {"genotypes", "p_severe", "p_carrier", "relationship", "degree"}
        assert sum(row["genotypes"].values()) == pytest.approx(1.0)
        assert all(g in {"MM", "MS", "MZ", "M/Null", "SS", "SZ", "S/Null", "ZZ", "Z/Null", "Null/Null"}
                   for g in row["genotypes"])
    assert data["members"]["p"]["genotypes"] == {"ZZ": 1.0}
    assert data["members"]["s"]["genotypes"]["MZ"] > 0.99  # 80 mg/dL beside a ZZ sister: almost surely MZ
    assert data["proband"] == "p"
    assert [data["members"][k]["relationship"] for k in "fmps"] == ["parent", "parent", "proband", "sibling"]
    assert data["provenance"]["data_version"]
    json.dumps(data)


def test_pedigree_report__country_and_overrides() -> None:
    doc = load("mz_x_sz.json")
    data = pedigree_report(doc)
    assert data["members"]["child"]["genotypes"] == pytest.approx({"MS": 0.25, "MZ": 0.25, "SZ": 0.25, "ZZ": 0.25})
    assert data["frequency_basis"].startswith("country: Ireland")
    explicit = pedigree_report(doc, country=None, frequencies={"M": 0.9, "S": 0.05, "Z": 0.05})
    assert explicit["allele_frequencies"]["S"] == 0.05


def test_pedigree_report__needs_frequencies() -> None:
    with pytest.raises(InputError, match="country or explicit allele frequencies"):
        pedigree_report({"members": [{"id": "a"}]})


def test_pedigree_report__plan_ranks_by_severe_then_carrier() -> None:
    data = pedigree_report(load("consanguineous.json"), plan=True)
    plan = data["plan"]
    keys = [(-round(e["p_severe"], 12), -round(e["p_carrier"], 12), e["degree"]) for e in plan]
    assert keys == sorted(keys)
    assert [(e["relationship"], e["degree"]) for e in plan[:4]] == [("sibling", 1)] * 2 + [("parent", 1)] * 2
    ids = [e["id"] for e in plan]
    assert "p" not in ids and "b" not in ids  # genotyped
    assert "gf" not in ids and "gm" not in ids  # deceased
    assert ids[:2] == ["q", "q2"]  # MZ twins of the ZZ proband, with a low level
    couple = next(c for c in data["prospective_children"] if (c["father"], c["mother"]) == ("c1", "c2"))
    assert sum(couple["genotypes"].values()) == pytest.approx(1.0)
    assert couple["genotypes"]["ZZ"] > 0.25  # parents of a ZZ child: at least 1/4, more if either is ZZ


def test_cascade_plan__equal_probabilities_closer_relative_first() -> None:
    # children of ZZ x MM are MZ for certain: the proband's child (1st degree) and niece (2nd) tie exactly
    doc = {"allele_frequencies": {"M": 0.95, "S": 0.03, "Z": 0.02}, "members": [
        {"id": "f", "sex": "male"}, {"id": "m", "sex": "female"},
        {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "ZZ", "proband": True},
        {"id": "s", "sex": "male", "father": "f", "mother": "m", "genotype": "ZZ"},
        {"id": "t", "sex": "female", "genotype": "MM"}, {"id": "h", "sex": "male", "genotype": "MM"},
        {"id": "a_niece", "sex": "female", "father": "s", "mother": "t"},
        {"id": "z_child", "sex": "male", "father": "h", "mother": "p"}]}
    plan = pedigree_report(doc, plan=True)["plan"]
    ties = [e for e in plan if e["id"] in ("a_niece", "z_child")]
    assert [(e["id"], e["relationship"], e["degree"]) for e in ties] == [("z_child", "child", 1),
                                                                        ("a_niece", "niece/nephew", 2)]
    assert ties[0]["p_carrier"] == pytest.approx(ties[1]["p_carrier"]) == pytest.approx(1.0)
    assert "1st-degree relative" in ties[0]["reason"]


def test_cascade_plan__consistent_with_posteriors() -> None:
    ped = pedigree_from_json(load("sibling_of_zz.json"))
    result = infer(ped, allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}))
    for entry in cascade_plan(result):
        assert entry.p_severe == pytest.approx(result.p_severe(entry.member_id))
        assert entry.most_likely in result.distribution(entry.member_id)


# --- drawing --------------------------------------------------------------------------------------------------------


def test_pedigree_svg__standard_symbols() -> None:
    ped = pedigree_from_json(load("consanguineous.json"))
    result = infer(ped, allele_model(ped, frequencies={"M": 0.97, "S": 0.01, "Z": 0.02}))
    root = ET.fromstring(pedigree_svg(ped, result))
    groups = root.findall(f"{SVG}g[@class='member']")
    assert len(groups) == len(ped)
    symbols = [s for g in groups for s in g if s.get("class") == "symbol"]
    assert sum(s.get("fill") == "black" for s in symbols) == 1
    assert len([x for g in groups for x in g.findall(f"{SVG}line[@class='deceased']")]) == 2
    assert len([x for g in groups for x in g.findall(f"{SVG}line[@class='proband']")]) == 1
    assert len(root.findall(f".//{SVG}line[@class='consanguinity']")) == 1
    assert len(root.findall(f".//{SVG}line[@class='mz-twins']")) == 1
    assert sum(s.tag == f"{SVG}rect" for s in symbols) == sum(m.sex is Sex.MALE for m in ped.members)
    assert root.find(f"{SVG}g[@class='legend']") is not None


# --- CLI -----------------------------------------------------------------------------------------------------------


def aatd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aatd", *args], capture_output=True, text=True, check=False)


def test_cli_pedigree__json_matches_python_api(tmp_path: Path) -> None:
    out = aatd("pedigree", str(DATA / "sibling_of_zz.json"), "--json", "--plan", "--svg", str(tmp_path / "f.svg"))
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    api = json.loads(json.dumps(pedigree_report(load("sibling_of_zz.json"), plan=True)))
    assert cli["members"] == api["members"] and cli["plan"] == api["plan"]
    assert ET.parse(tmp_path / "f.svg").getroot().tag == f"{SVG}svg"


def test_cli_pedigree__freq_option_and_ped_input() -> None:
    out = aatd("pedigree", str(DATA / "trio.ped"), "--freq", "M=0.9,S=0.05,Z=0.05", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["members"]["f"]["genotypes"] == {"MZ": 1.0}


def test_cli_pedigree__table_output_and_child_option() -> None:
    out = aatd("pedigree", str(DATA / "mz_x_sz.json"), "--child", "father,mother")
    assert out.returncode == 0, out.stderr
    assert "Child of father x mother" in out.stdout and "clinical judgement" in out.stdout


@pytest.mark.parametrize("args", [("--freq", "M=0.9;Z"), ("--country", "Atlantis"), ("--child", "father")])
def test_cli_pedigree__errors_are_one_line(args: tuple[str, ...]) -> None:
    out = aatd("pedigree", str(DATA / "mz_x_sz.json"), *args)
    assert out.returncode == 2
    assert out.stderr.startswith("aatd: error: ") and out.stderr.count("\n") == 1


def test_cli_pedigree__inconsistent_family_names_members(tmp_path: Path) -> None:
    doc = {"allele_frequencies": {"M": 0.95, "Z": 0.05}, "members": [
        {"id": "dad", "sex": "male", "genotype": "MM"}, {"id": "mum", "sex": "female"},
        {"id": "kid", "father": "dad", "mother": "mum", "genotype": "ZZ"}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    out = aatd("pedigree", str(path))
    assert out.returncode == 2
    assert "dad: genotype MM; kid: genotype ZZ" in out.stderr
