"""The API, the CLI and the Python library give the same answer on the shared fixtures (tests/data/parity)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.clinic.interpretation import describe_interpretation
from aatd.clinic.who_to_test import describe_should_test
from aatd.errors import InputError
from aatd.family.answers import pedigree_report
from aatd.genetics import answers as summaries
from aatd.risk.answers import describe_risk
from aatd.risk.lung_function import describe_interpretation_with_spirometry
from aatd.web.api.risk import RISK_SIMULATIONS
from aatd.web.clinician.labels import readable
from web.conftest import World

POSTED_ENGINES = {"interpret", "should-test", "risk", "pedigree"}
FIXTURES = sorted((Path(__file__).parents[1] / "data" / "parity").glob("*.json"))


def _library(engine: str, given: dict[str, Any]) -> Any:
    calls: dict[str, Callable[[], Any]] = {
        "pedigree": lambda: pedigree_report(given),
        "interpret": lambda: describe_interpretation_with_spirometry(**given),
        "should-test": lambda: describe_should_test(
            given["findings"], age=given.get("age"), pack_years=given.get("pack_years")),
        "risk": lambda: describe_risk(**given, n=RISK_SIMULATIONS, seed=0),
        "genotype": lambda: summaries.describe_genotype(given["genotype"]),
        "inherit": lambda: summaries.describe_inheritance(given["parent1"], given["parent2"]),
        "prevalence": lambda: summaries.describe_prevalence(country_name=given.get("country"), s=given.get("s"),
                                                            z=given.get("z"), population=given.get("population"),
                                                            ancestry_name=given.get("ancestry")),
    }
    return calls[engine]()


def _cli_args(engine: str, given: dict[str, Any], case: dict[str, Any], tmp: Path) -> list[str]:
    if "cli_file" in case:
        path = tmp / "input.json"
        path.write_text(json.dumps(given), encoding="utf-8")
        return [str(path) if arg == "{file}" else arg for arg in case["cli_file"]]
    if "cli" in case:
        return list(case["cli"])
    if engine == "genotype":
        return ["genotype", given["genotype"], "--json"]
    if engine == "inherit":
        return ["inherit", given["parent1"], given["parent2"], "--json"]
    options = [x for key in ("country", "s", "z", "population", "ancestry") if key in given
               for x in (f"--{key}", str(given[key]))]
    return ["prevalence", *options, "--json"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_parity__api_cli_and_library_agree(fixture: Path, sqlite_world: World, tmp_path: Path) -> None:
    case = json.loads(fixture.read_text(encoding="utf-8"))
    engine, given = case["engine"], case["input"]
    if engine in POSTED_ENGINES:
        api = sqlite_world.client.post(f"/api/v1/{engine}", json=given)
    else:
        api = sqlite_world.client.get(f"/api/v1/{engine}", params=given)
    cli = CliRunner().invoke(cli_app, _cli_args(engine, given, case, tmp_path))
    if "error_field" in case:
        with pytest.raises(InputError) as info:
            _library(engine, given)
        assert info.value.field == case["error_field"]
        assert api.status_code == 422 and api.json()["errors"][0] == info.value.as_dict()
        assert cli.exit_code != 0
        return
    library = json.loads(json.dumps(_library(engine, given)))
    assert cli.exit_code == 0, cli.output
    assert api.status_code == 200
    assert api.json() == library == json.loads(cli.stdout)


def test_parity__clinician_pages_show_the_library_answers(sqlite_world: World) -> None:
    """Pages = library: the patient page (genotype, interpretation), the family page (posteriors, plan)
    and the who-to-test page show the numbers of the same core functions."""
    import html
    import re

    from aatd.web.clinician.answers import engine_document
    from web.clinician.test_pages import _member_id, _new_family

    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    url = f"/families/{family_id}"
    proband = _member_id(browser.get(url).text, "Proband")
    browser.post(f"{url}/members", data={"member_id": proband, "relation": "sibling", "label": "Bro", "sex": "male",
                                         "csrf_token": token})
    browser.post(f"/patients/{proband}/results", data={"kind": "genotype", "taken_on": "2024-01-02", "text": "ZZ",
                                                       "csrf_token": token})
    page = html.unescape(browser.get(f"/patients/{proband}").text)
    genotype = summaries.describe_genotype("ZZ")
    um = genotype["expected_level"]["um"]
    assert f"Genotype {genotype['genotype']}" in page and f"Severity: {genotype['severity']}" in page
    assert f"{um['low']}–{um['high']} µmol/L" in page.replace("<strong>", "").replace("</strong>", "")
    interpretation = describe_interpretation(genotype="ZZ")
    assert f"Severity: {interpretation['severity']}" in page.replace("<strong>", "").replace("</strong>", "")

    family_page = browser.get(url).text
    doc = browser.get(f"{url}/export.json").json()
    report = pedigree_report(engine_document(doc, named=True), country=doc.get("country") or "USA", plan=True)
    for name, member in report["members"].items():
        shown = re.search(rf'<th scope="row"[^>]*>{re.escape(name)}</th><td[^>]*>([\d.]+)%</td>', family_page)
        assert shown is not None, name
        assert float(shown.group(1)) == round(100 * member["p_severe"], 1)

    answer = describe_should_test(["copd"], age=50)
    testing_page = browser.get("/should-test?findings=copd&age=50").text
    assert f"Overall: <strong>{readable(answer['overall'])}</strong>" in testing_page  # the code as words


def test_parity__public_pages_show_the_library_answers(tmp_path: Path) -> None:
    """Pages = library on the public side: the lungs page's table is describe_risk's trajectory, and the
    Punnett square's chances are describe_inheritance's offspring distribution."""
    import re

    from fastapi.testclient import TestClient

    from aatd.web.public.lungs_page import SIMULATED_PEOPLE
    from web.public.support import build_app

    client = TestClient(build_app(tmp_path))
    page = client.post("/public/my-lungs", data={"submitted": "1", "genotype": "ZZ", "sex": "female", "age": "45",
                                                 "height_cm": "165", "smoking": "never"}).text
    answer = describe_risk(genotype="ZZ", sex="female", age=45, height_cm=165, smoking="never",
                           n=SIMULATED_PEOPLE, seed=0)
    by_age = {int(p["age"]): p for p in answer["fev1_trajectory"]}
    rows = re.findall(r'<tr><th scope="row">(\d+)</th><td>([\d.]+)</td><td>([\d.]+)</td><td>([\d.]+)</td></tr>', page)
    assert rows
    for age, p10, p50, p90 in rows:
        expected = by_age[int(age)]
        assert (float(p10), float(p50), float(p90)) == (expected["p10"], expected["p50"], expected["p90"])

    square = client.post("/public/our-family", data={"punnett": "1", "p1": "MZ", "p2": "SZ"}).text
    offspring = summaries.describe_inheritance("MZ", "SZ")["offspring"]
    assert set(offspring) == {"MS", "MZ", "SZ", "ZZ"} and all(p == 0.25 for p in offspring.values())
    assert all(genotype in square for genotype in offspring) and "1 in 4" in square


def test_parity__should_test_age_and_pack_year_bounds_are_the_cores_on_every_face() -> None:
    """Review 2 (wave 8): the public questionnaire refused ages above 120 that the core, CLI and API take (to 130)."""
    from starlette.datastructures import ImmutableMultiDict

    from aatd.clinic.who_to_test import MAX_AGE_YEARS, MAX_PACK_YEARS, describe_should_test
    from aatd.errors import InputError
    from aatd.web.api.clinic import ShouldTestIn
    from aatd.web.clinician.should_test import ShouldTestQuery
    from aatd.web.public.questionnaire import read_answers

    age, packs = ShouldTestIn.model_fields["age"], ShouldTestIn.model_fields["pack_years"]
    assert f"le={MAX_AGE_YEARS!r}" in repr(age) and f"le={MAX_PACK_YEARS!r}" in repr(packs)
    # the clinician form keeps the numbers as typed (a mistyped one comes back in the form) and the core checks them
    assert ShouldTestQuery.model_fields["age"].annotation is str
    describe_should_test(["copd"], age=MAX_AGE_YEARS, pack_years=MAX_PACK_YEARS)
    with pytest.raises(InputError, match="age"):
        describe_should_test(["copd"], age=MAX_AGE_YEARS + 1)
    errors: dict[str, str] = {}
    answers = read_answers(ImmutableMultiDict({"age": f"{MAX_AGE_YEARS:g}", "pack_years": f"{MAX_PACK_YEARS:g}"}),
                           errors)
    assert not errors and answers.age == MAX_AGE_YEARS and answers.pack_years == MAX_PACK_YEARS
    read_answers(ImmutableMultiDict({"age": f"{MAX_AGE_YEARS + 1:g}"}), errors)
    assert "age" in errors
    assert describe_should_test(["copd"], age=MAX_AGE_YEARS, pack_years=MAX_PACK_YEARS)["overall"] == "recommended"



CRP_LEVEL = {"level": "100", "unit": "mg/dL"}
"""A level that reads 'intermediate' at face value and 'indeterminate, repeat when well' during inflammation."""


def _crp_faces(client: Any, crp: str, unit: str) -> dict[str, Any]:
    """The library's, the API's and the CLI's answers for the level with this CRP (they must be one answer)."""
    library = json.loads(json.dumps(describe_interpretation(**CRP_LEVEL, crp=crp, crp_unit=unit)))
    api = client.post("/api/v1/interpret", json={**CRP_LEVEL, "crp": crp, "crp_unit": unit})
    cli = CliRunner().invoke(cli_app, ["interpret", "--level", "100", "--unit", "mg/dL", "--crp", crp,
                                       "--crp-unit", unit, "--json"])
    assert api.status_code == 200 and cli.exit_code == 0, cli.output
    assert api.json() == library == json.loads(cli.stdout)
    return library


def test_parity__a_crp_in_mg_dl_gets_the_same_verdict_on_every_face(sqlite_world: World, tmp_path: Path) -> None:
    """1.2 mg/dL is 12 mg/L (raised): library, API, CLI, the public page and the clinician's patient page give
    the same verdict for both, and a different one for 1.2 mg/L (the misreading the unit field prevents)."""
    import html

    from fastapi.testclient import TestClient

    from web.clinician.test_pages import _new_family
    from web.public.support import build_app

    us, si, low = (_crp_faces(sqlite_world.client, crp, unit)
                   for crp, unit in (("1.2", "mg/dL"), ("12", "mg/L"), ("1.2", "mg/L")))
    verdict = ("severity", "inflamed", "next_steps", "eligibility", "patient_explanation")
    assert all(us[k] == si[k] for k in verdict)
    assert (us["severity"], us["inflamed"], low["severity"], low["inflamed"]) == ("indeterminate", True,
                                                                                 "intermediate", False)

    public = TestClient(build_app(tmp_path))
    raised_step = "Your CRP is raised, so an illness or swelling may have made the level look higher."
    for crp, unit, shown, raised in (("1.2", "mg/dL", "1.2 mg/dL (12 mg/L)", True), ("12", "mg/L", "12 mg/L", True),
                                     ("1.2", "mg/L", "1.2 mg/L", False)):
        page = html.unescape(public.post("/public/my-result", data={
            "submitted": "1", **CRP_LEVEL, "crp": crp, "crp_unit": unit}).text)
        assert shown in page and (raised_step in page) is raised, (crp, unit)

    browser = sqlite_world.login("doc@a.org")
    family_id, token = _new_family(browser)
    proband = int(re.search(r'<a href="/patients/(\d+)">Proband</a>', browser.get(f"/families/{family_id}").text)
                  .group(1))  # type: ignore[union-attr]
    for data in ({"kind": "level", "value": "100", "unit": "mg/dL", "method": "unspecified"},
                 {"kind": "crp", "value": "1.2", "crp_unit": "mg/dL", "unit": "mg/dL", "method": "unspecified"}):
        added = browser.post(f"/patients/{proband}/results", data={**data, "taken_on": "2024-01-02",
                                                                   "csrf_token": token}, follow_redirects=False)
        assert added.status_code == 303, added.text  # stored (a refused result shows the form again)
    page = html.unescape(browser.get(f"/patients/{proband}").text).replace("<strong>", "").replace("</strong>", "")
    assert f"Severity: {us['severity']}" in page and "1.2 mg/dL (12 mg/L)" in page
    assert _crp_sentence(us) in page
    stored = sqlite_world.client.get(f"/api/v1/patients/{proband}/results",
                                     headers=sqlite_world.token("doc@a.org")).json()
    assert [(r["value"], r["unit"]) for r in stored if r["kind"] == "crp"] == [(1.2, "mg/dL")]  # stored as entered


def _crp_sentence(answer: dict[str, Any]) -> str:
    return next(s["text"] for s in answer["explanation"] if s["text"].startswith("CRP "))


@pytest.mark.parametrize(("age", "overall"), [(5, "not_indicated"), (9.99, "not_indicated"), (10, "recommended")])
def test_parity__asthma_at_the_who_age_bound_is_one_answer_on_every_face(sqlite_world: World, tmp_path: Path,
                                                                         age: float, overall: str) -> None:
    """Wave 10: a child with asthma below the WHO's adults-and-adolescents bound is 'not indicated' (GINA answers
    asthma at every age), from 10 years 'recommended': the library, the API, the CLI, the clinician's should-test
    page and the public 'Should I be tested?' page (English and Spanish) give that one answer."""
    import html

    from fastapi.testclient import TestClient

    from aatd.patients.i18n import gettext as translate
    from aatd.web.public.questionnaire import headline
    from web.public.support import build_app

    library = json.loads(json.dumps(describe_should_test(["asthma"], age=age)))
    assert library["overall"] == overall
    api = sqlite_world.client.post("/api/v1/should-test", json={"findings": ["asthma"], "age": age})
    cli = CliRunner().invoke(cli_app, ["should-test", "--finding", "asthma", "--age", f"{age:g}", "--json"])
    assert api.status_code == 200 and cli.exit_code == 0, cli.output
    assert api.json() == library == json.loads(cli.stdout)

    browser = sqlite_world.login("doc@a.org")
    page = browser.get(f"/should-test?findings=asthma&age={age:g}").text
    assert f"Overall: <strong>{readable(overall)}</strong>" in page

    public = TestClient(build_app(tmp_path))
    data = {"submitted": "1", "finding": "asthma", "age": f"{age:g}"}
    english = headline(overall)
    for lang, expected in (("en", english), ("es", translate(english, "es"))):
        shown = html.unescape(public.post(f"/public/should-i-be-tested?lang={lang}", data=data).text)
        assert expected in shown, lang
        assert f'class="answer answer-{overall}"' in shown
    assert translate(english, "es") != english
