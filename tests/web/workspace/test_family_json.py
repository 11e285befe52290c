"""Family export/import fidelity: export -> import -> export gives the same document (ids aside),
and the web's genotype probabilities equal the CLI's (``aatd pedigree --json``) on the exported file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aatd.cli import app as cli
from aatd.web.clinician.answers import family_answers, member_names
from aatd.web.db import transaction
from aatd.web.models import User
from aatd.web.workspace.family_json import export_family, import_family
from aatd.web.workspace.repository import Workspace
from web.conftest import World

ROOT = Path(__file__).resolve().parents[3]


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with member ids replaced by their position (ids are the database's)."""
    pos = {m["id"]: f"m{i}" for i, m in enumerate(doc["members"])}
    links = ("id", "father", "mother", "partner", "mz_twin", "dz_twin")
    members = [{k: (pos[v] if k in links else v) for k, v in m.items()} for m in doc["members"]]
    records = {pos[k]: r for k, r in doc.get("records", {}).items()}
    return {k: v for k, v in doc.items() if k not in ("members", "records")} | {"members": members,
                                                                                   "records": records}


def cli_members(doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """``aatd pedigree FILE --json`` on the exported document, members keyed by id."""
    path = tmp_path / "exported.json"
    path.write_text(json.dumps(doc))
    run = CliRunner().invoke(cli, ["pedigree", str(path), "--json"])
    assert run.exit_code == 0, run.output
    members: dict[str, Any] = json.loads(run.output)["members"]
    return members


def web_members(doc: dict[str, Any]) -> dict[str, Any]:
    """The clinician page's answer (labels as ids), keyed back by export id."""
    found = family_answers(doc, "family")
    assert found.report is not None, found.error
    names = member_names(doc)
    return {mid: found.report["members"][name] for mid, name in names.items()}


def assert_same_probabilities(doc: dict[str, Any], tmp_path: Path) -> None:
    web, cli_answer = web_members(doc), cli_members(doc, tmp_path)
    assert web.keys() == cli_answer.keys()
    for mid, answer in web.items():
        assert answer["genotypes"] == pytest.approx(cli_answer[mid]["genotypes"], abs=1e-12), mid


def _round_trip(world: World, doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    h = world.token("doc@a.org")
    first = world.client.post("/api/v1/families/import", json=doc, headers=h)
    assert first.status_code == 201, first.text
    exported = world.client.get(f"/api/v1/families/{first.json()['id']}/export", headers=h).json()
    second = world.client.post("/api/v1/families/import", json=exported, headers=h)
    assert second.status_code == 201, second.text
    again = world.client.get(f"/api/v1/families/{second.json()['id']}/export", headers=h).json()
    return exported, again


def test_round_trip__documented_family_example(sqlite_world: World, tmp_path: Path) -> None:
    doc = json.loads((ROOT / "examples" / "family.json").read_text()) | {"country": "Ireland"}
    exported, again = _round_trip(sqlite_world, doc)
    assert normalised(again) == normalised(exported)
    assert exported["country"] == "Ireland"
    by_name = {m["name"]: m for m in exported["members"]}
    assert by_name["grandfather"]["deceased"] is True and by_name["proband"]["proband"] is True
    assert by_name["mother"]["level"] == {"value": 95, "unit": "mg/dL", "method": "nephelometry"}
    assert_same_probabilities(exported, tmp_path)


def test_round_trip__results_over_time_keep_every_field(sqlite_world: World, tmp_path: Path) -> None:
    doc = {"family": "Over time", "allele_frequencies": {"M": 0.97, "S": 0.01, "Z": 0.02}, "residual_allele": True,
           "members": [{"id": "a", "name": "Ann", "sex": "female", "proband": True, "genotype": "ZZ", "partner": "b",
                        "level": {"value": "<20", "unit": "mg/dL", "method": "nephelometry", "crp": 12.5}},
                       {"id": "b", "name": "Ben", "sex": "male", "age": 40}],
           "records": {"a": {"birth_year": 1970, "tested": True, "results": [
               {"kind": "level", "taken_on": "2020-01-02", "value": 60, "unit": "mg/dL", "method": "nephelometry"},
               {"kind": "genotype", "taken_on": "2020-02-01", "text": "ZZ", "panel": "sz", "note": "lab A"},
               {"kind": "level", "taken_on": "2021-03-04", "value": 20, "below": True, "unit": "mg/dL",
                "method": "nephelometry"},
               {"kind": "crp", "taken_on": "2021-03-04", "value": 12.5, "unit": "mg/L"},
               {"kind": "spirometry", "taken_on": "2022-05-06", "fev1_l": 1.9, "fvc_l": 3.1,
                "post_bronchodilator": True},
               {"kind": "phenotype", "taken_on": "2022-06-01", "text": "MZ", "retracted": "sample mix-up"}]}}}
    exported, again = _round_trip(sqlite_world, doc)
    assert normalised(again) == normalised(exported)
    expected = normalised(doc)
    got = normalised(exported)
    assert got["records"]["m0"] == expected["records"]["m0"]
    assert got["allele_frequencies"] == doc["allele_frequencies"] and got["residual_allele"] is True
    assert got["members"][1]["age"] == 40 and "phenotype" not in got["members"][0]  # retracted: not evidence
    assert got["members"][0]["partner"] == "m1" and got["members"][1]["partner"] == "m0"
    assert_same_probabilities(exported, tmp_path)


REFUSED = [
    ({"id": "a", "carries": "Z"}, "members[0].carries"),
    ({"id": "a", "affected": True}, "members[0].affected"),
    ({"id": "a", "colour": "blue"}, "members[0].colour"),
    ({"id": "a", "age": 40.5}, "members[0].age"),
    ({"id": "a", "genotype": "QQ"}, "members[0].genotype"),
    ({"id": "a", "level": {"value": 80, "unit": "mg/dL", "crp": "high"}}, "members[0].level.crp"),
]


def test_import__refuses_what_it_cannot_store_naming_the_field(sqlite_world: World) -> None:
    h = sqlite_world.token("doc@a.org")
    for member, field in REFUSED:
        response = sqlite_world.client.post("/api/v1/families/import", json={"country": "USA", "members": [member]},
                                            headers=h)
        body = response.json()
        assert response.status_code == 422 and body["ok"] is False and body["errors"][0]["field"] == field, body
    assert sqlite_world.client.get("/api/v1/families", headers=h).json() == []


def test_import__evidence_that_disagrees_with_the_records_is_refused(sqlite_world: World) -> None:
    h = sqlite_world.token("doc@a.org")
    doc = {"country": "USA", "members": [{"id": "a", "genotype": "MZ"}],
           "records": {"a": {"results": [{"kind": "genotype", "taken_on": "2020-01-01", "text": "ZZ"}]}}}
    response = sqlite_world.client.post("/api/v1/families/import", json=doc, headers=h)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "members[0].genotype"
    both = {"country": "USA", "allele_frequencies": {"M": 1.0}, "members": [{"id": "a"}]}
    response = sqlite_world.client.post("/api/v1/families/import", json=both, headers=h)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "country"
    bad = {"allele_frequencies": {"M": 0.5, "Z": 0.2}, "members": [{"id": "a"}]}
    response = sqlite_world.client.post("/api/v1/families/import", json=bad, headers=h)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "allele_frequencies"


# generated families with every field filled ------------------------------------------------------------------------
_FOUNDER_GENOTYPES = [("MM", "M"), ("MS", "MS"), ("MZ", "MZ"), ("SZ", "SZ"), ("ZZ", "Z")]


@st.composite
def families(draw: st.DrawFn) -> dict[str, Any]:
    """A family in export form: founders genotyped (and IEF-typed), everyone with levels, CRP and spirometry."""
    n = draw(st.integers(2, 6))
    members: list[dict[str, Any]] = []
    records: dict[str, Any] = {}
    for i in range(n):
        mid = f"p{i}"
        sex = draw(st.sampled_from(["female", "male"]))
        row: dict[str, Any] = {"id": mid, "name": f"Person {i}", "sex": sex}
        fathers = [m["id"] for m in members if m["sex"] == "male"]
        mothers = [m["id"] for m in members if m["sex"] == "female"]
        if fathers and mothers and draw(st.booleans()):
            row |= {"father": draw(st.sampled_from(fathers)), "mother": draw(st.sampled_from(mothers))}
        birth_year = draw(st.integers(1930, 2015))
        row |= {"age": dt.date.today().year - birth_year, "deceased": draw(st.booleans()), "proband": i == 0}
        results: list[dict[str, Any]] = []
        day = 1
        for _ in range(draw(st.integers(0, 4))):
            day += draw(st.integers(1, 300))
            taken = f"{2000 + day // 365}-{(day % 365) // 31 + 1:02d}-{(day % 31) % 28 + 1:02d}"
            kind = draw(st.sampled_from(["level", "crp", "spirometry", "genotype"] if "father" not in row
                                        else ["level", "crp", "spirometry"]))
            if kind == "level":
                value = float(draw(st.integers(10, 250)))
                result = {"kind": "level", "taken_on": taken, "value": value, "unit": "mg/dL",
                          "method": draw(st.sampled_from(["nephelometry", "immunoturbidimetry"]))}
            elif kind == "crp":
                result = {"kind": "crp", "taken_on": taken, "value": float(draw(st.integers(0, 90))), "unit": "mg/L"}
            elif kind == "spirometry":
                fvc = draw(st.integers(20, 60)) / 10
                result = {"kind": "spirometry", "taken_on": taken, "fev1_l": fvc * draw(st.integers(3, 9)) / 10,
                          "fvc_l": fvc}
            else:
                result = {"kind": "genotype", "taken_on": taken,
                          "text": draw(st.sampled_from(_FOUNDER_GENOTYPES))[0], "panel": "sz"}
            if draw(st.booleans()):
                result["note"] = f"note {day}"
            results.append(result)
        genotypes = [r["text"] for r in results if r["kind"] == "genotype"]
        if genotypes:
            phenotype = dict(_FOUNDER_GENOTYPES)[genotypes[-1]]
            results.append({"kind": "phenotype", "taken_on": "2025-01-01", "text": phenotype})
        levels = [r for r in results if r["kind"] == "level"]
        evidence: dict[str, Any] = {}
        if genotypes:
            evidence |= {"genotype": genotypes[-1], "phenotype": dict(_FOUNDER_GENOTYPES)[genotypes[-1]]}
        if levels:
            last = max(levels, key=lambda r: r["taken_on"])
            evidence["level"] = {k: last[k] for k in ("value", "unit", "method")}
            crp = [r["value"] for r in results if r["kind"] == "crp" and r["taken_on"] == last["taken_on"]]
            if crp:
                evidence["level"]["crp"] = crp[-1]
        members.append(row | evidence)
        results.sort(key=lambda r: r["taken_on"])
        records[mid] = {"tested": bool(genotypes or levels), "results": results, "birth_year": birth_year}
    if n >= 2 and members[0]["sex"] != members[1]["sex"] and draw(st.booleans()):
        members[0]["partner"], members[1]["partner"] = "p1", "p0"
    children = [m for m in members if "father" in m]
    if len(children) >= 2 and (children[0]["father"], children[0]["mother"]) == (children[1]["father"],
                                                                               children[1]["mother"]):
        link = draw(st.sampled_from(["mz_twin", "dz_twin", None]))
        if link == "mz_twin" and children[0]["sex"] == children[1]["sex"]:
            children[1]["mz_twin"] = children[0]["id"]
        elif link == "dz_twin":
            children[1]["dz_twin"] = children[0]["id"]
    if children and draw(st.booleans()):
        children[-1]["adopted"] = draw(st.sampled_from(["in", "out"]))
    population: dict[str, Any] = draw(st.sampled_from([
        {"country": "Ireland"}, {"country": "Spain"},
        {"allele_frequencies": {"M": 0.97, "S": 0.01, "Z": 0.02}},
        {"allele_frequencies": {"M": 0.9, "S": 0.05, "Z": 0.05}, "residual_allele": True}]))
    return {"family": "Generated"} | population | {"members": members, "records": records}


def _unique_levels(doc: dict[str, Any]) -> bool:
    """Two levels on the same latest day would make 'the latest' depend on storage order."""
    for record in doc["records"].values():
        days = [r["taken_on"] for r in record["results"] if r["kind"] in ("level", "crp", "genotype")]
        if len(days) != len(set(days)):
            return False
    return True


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(doc=families().filter(_unique_levels))
def test_round_trip__generated_family_with_every_field(sqlite_world: World, tmp_path: Path,
                                                       doc: dict[str, Any]) -> None:
    with transaction(sqlite_world.app.state.sessions) as db:
        user = db.query(User).filter_by(email="doc@a.org").one()
        ws = Workspace(db, user)
        first = export_family(ws, import_family(ws, doc))
        again = export_family(ws, import_family(ws, first))
    assert normalised(first) == normalised(again)
    got, want = normalised(first), normalised(doc)
    assert got["members"] == want["members"]
    assert got["records"] == want["records"]
    try:
        web = web_members(first)
    except AssertionError:  # evidence the model finds impossible: the CLI must refuse it as well
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(first))
        assert CliRunner().invoke(cli, ["pedigree", str(path), "--json"]).exit_code == 2
        return
    assert web.keys() == cli_members(first, tmp_path).keys()
    assert_same_probabilities(first, tmp_path)


def test_round_trip__documented_consanguineous_family_twin_is_zz(sqlite_world: World, tmp_path: Path) -> None:
    """docs/pedigree.md example 3: first-cousin parents, MZ twins with a level of 7 µmol/L, explicit frequencies."""
    doc = json.loads((ROOT / "tests" / "data" / "pedigrees" / "consanguineous.json").read_text())
    exported, again = _round_trip(sqlite_world, doc)
    assert normalised(again) == normalised(exported)
    assert exported["allele_frequencies"] == {"M": 0.97, "S": 0.01, "Z": 0.02}
    by_name = {m["name"]: m for m in exported["members"]}
    assert by_name["q2"]["mz_twin"] == by_name["q"]["id"]
    assert by_name["q2"]["level"] == {"value": 7, "unit": "umol/L", "method": "unspecified", "crp": 2}
    assert by_name["u"]["age"] == 40
    web, cli_answer = web_members(exported), cli_members(doc, tmp_path)  # the CLI on the documented file itself
    for twin in ("q", "q2"):  # the twin link and the file's frequencies survive: the web gives the CLI's ZZ chance
        assert web[by_name[twin]["id"]]["genotypes"]["ZZ"] == pytest.approx(cli_answer[twin]["genotypes"]["ZZ"])
        assert web[by_name[twin]["id"]]["genotypes"]["ZZ"] > 0.9
    assert_same_probabilities(exported, tmp_path)


def test_cli__family_import_export_round_trip_and_refusal(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    runner = CliRunner()
    made = runner.invoke(cli, ["user", "create", "--org", "Clinic C", "--email", "c@c.org", "--password-stdin",
                               "--database", database], input="correct horse battery staple\n")
    assert made.exit_code == 0, made.output
    source = ROOT / "tests" / "data" / "pedigrees" / "consanguineous.json"
    imported = runner.invoke(cli, ["family", "import", str(source), "--as", "c@c.org", "--database", database])
    assert imported.exit_code == 0 and "imported" in imported.output, imported.output
    family_id = imported.output.split("family ")[1].split()[0]
    exported = runner.invoke(cli, ["family", "export", family_id, "--as", "c@c.org", "--database", database])
    assert exported.exit_code == 0, exported.output
    doc = json.loads(exported.output)
    assert doc["allele_frequencies"] == {"M": 0.97, "S": 0.01, "Z": 0.02}
    assert_same_probabilities(doc, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"country": "USA", "members": [{"id": "a", "carries": "Z"}]}))
    refused = subprocess.run([sys.executable, "-m", "aatd", "family", "import", str(bad), "--as", "c@c.org",
                              "--database", database], capture_output=True, text=True, check=False, timeout=120)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0 and "members[0].carries" in refused.stderr


def test_export__a_crp_stored_in_mg_dl_is_the_engine_document_s_crp_in_mg_l(sqlite_world: World) -> None:
    """The pedigree document's ``crp`` is in mg/L: a CRP stored as 1.2 mg/dL is exported as 12 (mg/L) beside the
    level of the same day, while the records keep it as entered (1.2 mg/dL)."""
    h = sqlite_world.token("doc@a.org")
    doc = {"family": "US lab", "members": [{"id": "a", "sex": "female", "proband": True}],
           "records": {"a": {"results": [
               {"kind": "level", "taken_on": "2024-01-02", "value": 100, "unit": "mg/dL", "method": "unspecified"},
               {"kind": "crp", "taken_on": "2024-01-02", "value": 1.2, "unit": "mg/dL"}]}}}
    imported = sqlite_world.client.post("/api/v1/families/import", json=doc, headers=h)
    assert imported.status_code == 201, imported.text
    exported = sqlite_world.client.get(f"/api/v1/families/{imported.json()['id']}/export", headers=h).json()
    (member,) = exported["members"]
    assert member["level"]["crp"] == 12.0
    (record,) = exported["records"].values()
    assert [(r["value"], r["unit"]) for r in record["results"] if r["kind"] == "crp"] == [(1.2, "mg/dL")]
    again = sqlite_world.client.post("/api/v1/families/import", json=exported, headers=h)  # 12 mg/L = 1.2 mg/dL
    assert again.status_code == 201, again.text
