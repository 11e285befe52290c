"""Hostile input at every route and CLI command: never a 5xx, never a traceback, always the one error shape.

Generated cases (security review M1, L1, L3, L6, H1): NaN, Infinity, ``1e999``, a 5,000-digit
integer, a NUL character, JSON nested 100,000 deep, a 100,000-character string, markup and
wrong types, put into each field of each JSON body, each query parameter, each public and
workspace form and each CLI argument. One app and one client serve all cases (fast).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aatd.web.app import create_app
from aatd.web.budget import ComputeBudget, RateLimiter
from web.conftest import PASSWORD, make_settings, seed_users

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

# JSON fragments put where a value goes; the text is sent as is (Python's json would refuse NaN).
JSON_VALUES: dict[str, str] = {
    "nan": "NaN", "inf": "Infinity", "-inf": "-Infinity", "1e999": "1e999", "bigint": "1" * 5000,
    "nul": '"a\\u0000b"', "deep": "[" * 100_000 + "]" * 100_000, "long": json.dumps("Z" * 100_000),
    "markup": json.dumps('<script>alert(1)</script>" onmouseover="x'), "negative": "-1",
    "object": '{"a": {"b": [1, 2]}}', "inf-text": '"inf"',
}
# Text put into query strings, forms and command lines.
TEXT_VALUES: dict[str, str] = {
    "nan": "NaN", "inf": "Infinity", "1e999": "1e999", "bigint": "9" * 5000, "nul": "a\x00b",
    "long": "Z" * 100_000, "markup": '<script>alert(1)</script>" onmouseover="x', "negative": "-1",
    "empty": "", "unicode": "\u202e\u200b\U0001f600",
}

PEDIGREE = '{"country": "USA", "members": [{"id": "a", "sex": "male", %s}]}'
IMPORT = '{"family": "F", "members": [{"id": "a", "sex": "male", "KEY": %s}]}'


@dataclass(frozen=True)
class Body:
    """A JSON route with a valid body in which one value (``%s``) is replaced by a hostile one."""

    method: str
    path: str
    template: str
    who: str = "doc"


def _fields(method: str, path: str, base: dict[str, Any], who: str = "doc") -> list[Body]:
    """One template per top-level field of ``base`` (the field's value replaced by ``%s``)."""
    out = []
    for key in base:
        doc = {k: v for k, v in base.items() if k != key}
        text = json.dumps(doc)
        text = text[:-1] + (", " if doc else "") + json.dumps(key) + ": %s}"
        out.append(Body(method, path, text, who))
    return out


BODIES: list[Body] = [
    *_fields("POST", "/api/v1/pedigree", {"country": "USA", "members": [{"id": "a", "sex": "male"}],
                                          "allele_frequencies": {"M": 0.9, "S": 0.05, "Z": 0.05}}),
    *[Body("POST", "/api/v1/pedigree", PEDIGREE % f'"{key}": %s') for key in
      ("id", "sex", "father", "genotype", "phenotype", "age", "level", "proband", "carries")],
    Body("POST", "/api/v1/pedigree", PEDIGREE % '"level": {"value": %s, "unit": "mg/dL"}'),
    *_fields("POST", "/api/v1/interpret", {"genotype": "MZ", "level": 90, "unit": "mg/dL", "crp": 2,
                                           "phenotype": "MZ", "fev1_pct": 80, "smoking": "never"}),
    *_fields("POST", "/api/v1/should-test", {"findings": ["copd"], "age": 50, "pack_years": 10}),
    *_fields("POST", "/api/v1/risk", {"genotype": "ZZ", "sex": "male", "age": 40, "height_cm": 175,
                                      "pack_years": 10, "scenarios": [], "country": "USA"}),
    *_fields("POST", "/api/v1/auth/token", {"email": "nobody@x.org", "password": "wrong password"}),
    *_fields("POST", "/api/v1/families", {"name": "F", "country": "USA"}),
    *_fields("POST", "/api/v1/patients", {"label": "P", "sex": "female", "birth_year": 1970, "proband": True}),
    *_fields("POST", "/api/v1/patients/{pid}/results", {"kind": "crp", "taken_on": "2024-01-01", "value": 2,
                                                        "unit": "mg/L", "note": "n"}),
    *_fields("PATCH", "/api/v1/patients/{pid}", {"label": "P", "birth_year": 1970}),
    *_fields("PATCH", "/api/v1/families/{fid}", {"name": "F"}),
    *_fields("POST", "/api/v1/families/import", {"family": "F", "country": "USA",
                                                 "members": [{"id": "a", "sex": "male"}]}),
    *[Body("POST", "/api/v1/families/import", IMPORT.replace("KEY", key))
      for key in ("id", "genotype", "proband", "father", "label")],
    *_fields("POST", "/api/v1/users", {"email": "new@a.org", "password": "a long enough password 1",
                                       "role": "clinician"}, who="admin"),
]

QUERIES: list[tuple[str, str]] = [
    ("/api/v1/genotype", "genotype"), ("/api/v1/inherit?parent2=MZ", "parent1"), ("/api/v1/prevalence", "country"),
    ("/api/v1/prevalence?country=USA", "population"), ("/api/v1/prevalence", "s"), ("/api/v1/patients", "q"),
    ("/api/v1/prevalence", "ancestry"),
    ("/api/v1/audit", "limit"), ("/api/v1/pedigree-ignored", "x"),
]

FORMS: list[tuple[str, dict[str, str], str]] = [
    ("/public/my-result", {"submitted": "1", "kind": "genotype", "result": "MZ", "level": "90", "unit": "mg/dL"},
     "result"),
    ("/public/my-result", {"submitted": "1", "kind": "genotype", "result": "MZ", "level": "90", "unit": "mg/dL"},
     "level"),
    ("/public/my-lungs", {"submitted": "1", "genotype": "ZZ", "age": "40", "sex": "male", "height": "175"}, "age"),
    ("/public/my-lungs", {"submitted": "1", "genotype": "ZZ", "age": "40", "sex": "male", "height": "175"},
     "genotype"),
    ("/public/our-family", {"p1": "MZ", "p2": "MZ"}, "p1"),
    ("/public/our-family", {"tree": "1", "p1": "MZ", "p2": "MZ", "m0_name": "Ann", "m0_sex": "female"}, "m0_name"),
    ("/public/should-i-be-tested", {"submitted": "1"}, "age"),
    ("/public/ask", {}, "q"),
    ("/patients", {"label": "P", "sex": "female"}, "label"),
    ("/patients/{pid}/results", {"kind": "crp", "taken_on": "2024-01-01", "value": "2"}, "value"),
    ("/patients/{pid}/results", {"kind": "genotype", "taken_on": "2024-01-01"}, "text"),
    ("/patients/{pid}/results", {"kind": "crp", "taken_on": "2024-01-01", "value": "2"}, "note"),
    ("/patients/{pid}/details", {"label": "P", "sex": "female"}, "birth_year"),
    ("/families/{fid}/members", {"member_id": "{pid}", "relation": "child", "sex": "male"}, "label"),
]

CLI: list[list[str]] = [
    ["genotype", "{v}"], ["genotype", "{v}", "--json"], ["inherit", "MZ", "{v}"],
    ["prevalence", "--country", "USA", "--population", "{v}"], ["prevalence", "--country", "{v}"],
    ["prevalence", "--ancestry", "{v}"],
    ["interpret", "--level", "{v}", "--unit", "mg/dL"], ["interpret", "--genotype", "{v}"],
    ["should-test", "--age", "{v}", "--finding", "copd"], ["should-test", "--finding", "{v}"],
    ["risk", "--genotype", "ZZ", "--sex", "male", "--height-cm", "175", "--n", "100", "--age", "{v}"],
    ["pedigree", "{file}"],
]


@dataclass
class Site:
    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]
    browser: TestClient
    csrf: str
    ids: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("hostile")
    app = create_app(make_settings(tmp, f"sqlite:///{tmp / 'aatd.sqlite3'}"))
    app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=10**6, burst=10**6))
    seed_users(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {}
        for who, email in (("doc", "doc@a.org"), ("admin", "admin@a.org")):
            token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
            headers[who] = {"Authorization": f"Bearer {token}"}
        family = client.post("/api/v1/families", json={"name": "F"}, headers=headers["doc"]).json()
        patient = client.post("/api/v1/patients", json={"label": "P", "sex": "female", "family_id": family["id"]},
                              headers=headers["doc"]).json()
        browser = TestClient(app, raise_server_exceptions=False)
        page = browser.get("/login").text
        login_csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post("/login", data={"email": "doc@a.org", "password": PASSWORD, "csrf_token": login_csrf})
        csrf = browser.get("/patients").text.split('name="csrf-token" content="')[1].split('"')[0]
        yield Site(app, client, headers, browser, csrf, {"pid": str(patient["id"]), "fid": str(family["id"])})
    app.state.engine.dispose()


def _strict(text: str) -> Any:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-finite {c} in a JSON response"))


def _check_api(response: Any) -> None:
    assert response.status_code < 500, response.text[:500]
    body = _strict(response.text) if response.text else None
    if response.status_code >= 400:
        assert isinstance(body, dict) and body["ok"] is False and body["status"] == response.status_code
        assert isinstance(body["error"], str) and isinstance(body["errors"], list)
        assert len(response.text) < 20_000, "an error must not echo a huge value"


BODY_CASES = [(b, k) for b in BODIES for k in JSON_VALUES]


@pytest.mark.parametrize(("body", "value"), BODY_CASES,
                         ids=[f"{b.method} {b.path} {b.template[-40:]} {k}" for b, k in BODY_CASES])
def test_json_bodies__hostile_value_in_each_field(site: Site, body: Body, value: str) -> None:
    path = body.path.format(**site.ids)
    content = body.template.replace("%s", JSON_VALUES[value], 1)
    response = site.client.request(body.method, path, content=content.encode(),
                                   headers={**site.headers[body.who], "content-type": "application/json"})
    _check_api(response)
    if value in ("nan", "inf", "-inf", "1e999", "bigint", "nul", "deep"):
        assert response.status_code == 422


@pytest.mark.parametrize("value", list(JSON_VALUES))
@pytest.mark.parametrize("path", ["/api/v1/pedigree", "/api/v1/interpret", "/api/v1/families/import"])
def test_json_bodies__hostile_whole_body(site: Site, path: str, value: str) -> None:
    response = site.client.post(path, content=JSON_VALUES[value].encode(),
                                headers={**site.headers["doc"], "content-type": "application/json"})
    _check_api(response)
    assert 400 <= response.status_code < 500


QUERY_CASES = [(p, q, k) for p, q in QUERIES for k in TEXT_VALUES]


@pytest.mark.parametrize(("path", "param", "value"), QUERY_CASES, ids=[f"{p} {q} {k}" for p, q, k in QUERY_CASES])
def test_query_parameters__hostile_text(site: Site, path: str, param: str, value: str) -> None:
    text = TEXT_VALUES[value][:20_000]  # the HTTP client refuses longer URLs
    response = site.client.get(path, params={param: text}, headers=site.headers["admin"])
    _check_api(response)


FORM_CASES = [(p, base, f, k) for p, base, f in FORMS for k in TEXT_VALUES]


@pytest.mark.parametrize(("path", "base", "field", "value"), FORM_CASES,
                         ids=[f"{p} {f} {k}" for p, _, f, k in FORM_CASES])
def test_forms__hostile_text_in_each_field(site: Site, path: str, base: dict[str, str], field: str,
                                           value: str) -> None:
    data = {k: v.format(**site.ids) for k, v in base.items()} | {field: TEXT_VALUES[value],
                                                                 "csrf_token": site.csrf}
    response = site.browser.post(path.format(**site.ids), data=data, follow_redirects=False)
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text
    if response.headers.get("content-type", "").startswith("application/json"):
        _check_api(response)
    if "<script>alert(1)</script>" in TEXT_VALUES[value]:
        assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize("value", list(TEXT_VALUES))
@pytest.mark.parametrize("path", ["/patients/{pid}", "/families/{fid}", "/patients/{pid}/report.pdf",
                                  "/families/{fid}/pedigree.svg", "/patients/{pid}/risk", "/should-test",
                                  "/public/learn/{v}", "/public/ask/{v}", "/public/ask/how-common?country={v}",
                                  "/public/ask/how-common/map.svg?lang={v}"])
def test_pages__hostile_query_and_path(site: Site, path: str, value: str) -> None:
    text = TEXT_VALUES[value][:2000]
    url = path.format(v=quote(text, safe="") or "x", **site.ids)
    response = site.browser.get(url, params={"q": text, "findings": text, "age": text})
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text


CLI_CASES = [(args, k) for args in CLI for k in TEXT_VALUES if k != "nul"]  # a NUL cannot be an argv string


@pytest.mark.parametrize(("args", "value"), CLI_CASES, ids=[f"{' '.join(a)} {k}" for a, k in CLI_CASES])
def test_cli__hostile_arguments_one_line_or_success(args: list[str], value: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from aatd.cli import main

    file = tmp_path / "pedigree.json"
    file.write_text(PEDIGREE.replace("%s", '"genotype": ' + JSON_VALUES.get(value, json.dumps(TEXT_VALUES[value]))))
    argv = [a.replace("{v}", TEXT_VALUES[value]).replace("{file}", str(file)) for a in args]
    with pytest.raises(SystemExit) as done:
        main(argv)
        raise SystemExit(0)
    err = capsys.readouterr().err
    assert done.value.code in (0, 2, None), err
    assert "Traceback" not in err
    if done.value.code == 2 and err:
        assert err.count("\n") == 1 and err.startswith("aatd: error: "), err
        assert len(err) < 1000


# --- second review (wave 8): limits that were declared but not applied everywhere ---------------------------------

LONG_ID = "Z" * 300


@pytest.mark.parametrize("path", ["/api/v1/pedigree", "/api/v1/families/import"])
def test_member_ids__over_the_limit_refused_by_the_api_with_a_short_message(site: Site, path: str) -> None:
    for member in ({"id": LONG_ID, "sex": "male"}, {"id": "a", "father": LONG_ID}):
        response = site.client.post(path, json={"country": "USA", "family": "F", "members": [member]},
                                    headers=site.headers["doc"])
        _check_api(response)
        assert response.status_code == 422 and LONG_ID not in response.text
        if "father" not in member or path.endswith("pedigree"):
            assert "at most 200 characters (got 300)" in response.json()["error"]


@pytest.mark.parametrize(("name", "text"), [
    ("pedigree.json", json.dumps({"country": "USA", "members": [{"id": LONG_ID, "sex": "male"}]})),
    ("pedigree.ped", f"fam {LONG_ID} 0 0 1 0\n"),
    ("family.json", json.dumps({"pedigree": {"persons": [{"individualId": LONG_ID, "sex": "MALE"}]}})),
])
def test_member_ids__over_the_limit_refused_by_the_cli_in_every_format(name: str, text: str, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from aatd.cli import main

    file = tmp_path / name
    file.write_text(text)
    with pytest.raises(SystemExit) as done:
        main(["pedigree", str(file), "--country", "USA"])
    err = capsys.readouterr().err
    assert done.value.code == 2, err
    assert err.count("\n") == 1 and "at most 200 characters (got 300)" in err and LONG_ID not in err


@pytest.mark.parametrize("value", ["x" * 201, {"a": 1}, 12, True, "a\x01b"])
@pytest.mark.parametrize("field", ["family", "name", "label"])
def test_import__names_too_long_or_not_text_are_refused_not_shortened(site: Site, field: str, value: object) -> None:
    member: dict[str, Any] = {"id": "a", "sex": "male"}
    doc: dict[str, Any] = {"family": "F", "members": [member]}
    if field == "family":
        doc["family"] = value
    else:
        member[field] = value
    before = len(site.client.get("/api/v1/families", headers=site.headers["doc"]).json())
    response = site.client.post("/api/v1/families/import", json=doc, headers=site.headers["doc"])
    _check_api(response)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == ("family" if field == "family" else f"members[0].{field}")
    assert len(site.client.get("/api/v1/families", headers=site.headers["doc"]).json()) == before


@pytest.mark.parametrize(("path", "data", "field"), [
    ("/public/my-result", {"submitted": "1", "kind": "genotype"}, "result"),
    ("/public/my-lungs", {"submitted": "1", "sex": "male", "age": "40", "height_cm": "175"}, "genotype"),
    ("/public/our-family", {"punnett": "1", "p2": "MZ"}, "p1"),
])
def test_public_pages__an_error_shows_a_long_value_shortened(site: Site, path: str, data: dict[str, str],
                                                             field: str) -> None:
    response = site.browser.post(path, data=data | {field: "Z" * 100_000})
    assert response.status_code in (200, 422)
    assert "100,000 characters" in response.text
    # the form keeps what was typed (our-family also in the tree form's hidden copy); the messages shorten it
    assert len(re.findall("Z{1000,}", response.text)) <= (2 if path.endswith("our-family") else 1)


def test_body_limit__a_streamed_upload_over_the_limit_is_413_not_400(site: Site) -> None:
    from aatd.web.app import MAX_BODY_BYTES

    def body() -> Iterator[bytes]:
        yield b'--b\r\ncontent-disposition: form-data; name="file"; filename="x.vcf"\r\n\r\n'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    response = site.client.post("/api/v1/screen", content=body(),
                                headers={**site.headers["doc"], "content-type": "multipart/form-data; boundary=b"})
    _check_api(response)
    assert response.status_code == 413


@pytest.mark.parametrize("args", [["pedigree", "/dev/zero"], ["interpret", "--fhir", "/dev/zero"],
                                  ["interpret", "--fhir", "{deep}"], ["interpret", "--fhir", "{nan}"]])
def test_cli_files__devices_deep_nesting_and_nan_are_one_line(args: list[str], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A file is read at most its cap (a device reports size 0), and a FHIR file is parsed as strictly as the API."""
    from aatd.cli import main

    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "nan.json").write_text('{"resourceType": "Observation", "valueQuantity": {"value": NaN}}')
    argv = [a.format(deep=tmp_path / "deep.json", nan=tmp_path / "nan.json") for a in args]
    with pytest.raises(SystemExit) as done:
        main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2, err
    assert err.count("\n") == 1 and err.startswith("aatd: error: ") and "internal error" not in err, err


@pytest.mark.parametrize("unit", ["g/L", "mmol/L", "banana", 5])
def test_results__a_crp_in_another_unit_is_refused_not_relabelled_mg_per_litre(site: Site, unit: object) -> None:
    """20 mg/dL of CRP is 200 mg/L: storing it as 20 mg/L would hide an acute-phase response. mg/dL is stored as
    mg/dL (and read as 200 mg/L); any other unit is refused."""
    path = f"/api/v1/patients/{site.ids['pid']}/results"
    response = site.client.post(path, json={"kind": "crp", "taken_on": "2024-01-01", "value": 20, "unit": unit},
                                headers=site.headers["doc"])
    _check_api(response)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit"
    for same, kept in (("mg/L", "mg/L"), ("MG/L", "mg/L"), (None, "mg/L"), ("mg/dL", "mg/dL"), ("mg/dl", "mg/dL")):
        stored = site.client.post(path, json={"kind": "crp", "taken_on": "2024-01-01", "value": 20, "unit": same},
                                  headers=site.headers["doc"])
        assert stored.status_code == 201 and (stored.json()["value"], stored.json()["unit"]) == (20, kept)
    too_high = site.client.post(path, json={"kind": "crp", "taken_on": "2024-01-01", "value": 101, "unit": "mg/dL"},
                                headers=site.headers["doc"])
    assert too_high.status_code == 422 and too_high.json()["errors"][0]["expected"] == "CRP in mg/dL, 0 to 100"
    below = site.client.post(path, json={"kind": "crp", "taken_on": "2024-01-01", "value": "<0.5", "unit": "mg/dL"},
                             headers=site.headers["doc"])
    assert below.status_code == 201 and (below.json()["value"], below.json()["below"]) == (0.5, True)
    undecidable = site.client.post(path, json={"kind": "crp", "taken_on": "2024-01-01", "value": "<10"},
                                   headers=site.headers["doc"])
    assert undecidable.status_code == 422 and undecidable.json()["errors"][0]["field"] == "value"


def test_results__the_page_form_stores_a_crp_although_its_unit_list_belongs_to_the_level(site: Site) -> None:
    pid = site.ids["pid"]
    before = len(site.client.get(f"/api/v1/patients/{pid}/results", headers=site.headers["doc"]).json())
    response = site.browser.post(f"/patients/{pid}/results", data={
        "csrf_token": site.csrf, "kind": "crp", "taken_on": "2024-01-02", "value": "7", "unit": "mg/dL",
        "method": "nephelometry", "text": "", "note": ""}, follow_redirects=False)
    assert response.status_code == 303
    results = site.client.get(f"/api/v1/patients/{pid}/results", headers=site.headers["doc"]).json()
    assert len(results) == before + 1 and (results[-1]["value"], results[-1]["unit"]) == (7.0, "mg/L")


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2], 12, True])
def test_import__a_result_note_that_is_not_text_is_refused(site: Site, value: object) -> None:
    doc = {"family": "F", "members": [{"id": "a", "sex": "male"}], "records": {"a": {"results": [
        {"kind": "crp", "taken_on": "2024-01-01", "value": 2, "note": value}]}}}
    response = site.client.post("/api/v1/families/import", json=doc, headers=site.headers["doc"])
    _check_api(response)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "records.a.results[0].note"


@pytest.mark.parametrize("extra", [{"s": "0.1"}, {"z": "0.1"}, {"s": "0.1", "z": "0.1"}])
def test_prevalence__frequencies_with_a_country_are_refused_not_ignored(site: Site, extra: dict[str, str],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The country's frequencies were used and the ones given dropped without a word (security review L6)."""
    from aatd.cli import main

    response = site.client.get("/api/v1/prevalence", params={"country": "USA", **extra})
    _check_api(response)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] in extra
    with pytest.raises(SystemExit) as done:
        main(["prevalence", "--country", "USA", *[a for k, v in extra.items() for a in (f"--{k}", v)]])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.count("\n") == 1 and "not both" in err


SPOOFED = "John \u202ehtimS"  # shown as "John Smith"


@pytest.mark.parametrize("text", [SPOOFED, "Ann\u200b", "\ufeffAnn", "a\x7fb", "a\x85b"])
def test_labels__hidden_direction_and_zero_width_characters_are_refused_everywhere(site: Site, text: str) -> None:
    """A label that is shown as another text (or as a second patient's) is refused by the API, the page and import."""
    api = site.client.post("/api/v1/patients", json={"label": text, "sex": "male"}, headers=site.headers["doc"])
    _check_api(api)
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "label"
    page = site.browser.post("/patients", data={"label": text, "sex": "male", "csrf_token": site.csrf},
                             follow_redirects=False)
    assert page.status_code == 422
    doc = {"family": "F", "members": [{"id": "a", "sex": "male", "name": text}]}
    imported = site.client.post("/api/v1/families/import", json=doc, headers=site.headers["doc"])
    assert imported.status_code == 422 and imported.json()["errors"][0]["field"] == "members[0].name"
    note = site.client.post(f"/api/v1/patients/{site.ids['pid']}/results", headers=site.headers["doc"],
                            json={"kind": "crp", "taken_on": "2024-01-01", "value": 2, "note": f"ok\n{text}"})
    assert note.status_code == 422 and note.json()["errors"][0]["field"] == "note"


@pytest.mark.parametrize("text", ["José Núñez", "محمد\u200cرضا", "שלום\u200f Cohen", "Anne-Marie O'Neil"])
def test_labels__names_in_every_script_with_their_joiners_and_marks_are_kept(site: Site, text: str) -> None:
    response = site.client.post("/api/v1/patients", json={"label": text, "sex": "female"}, headers=site.headers["doc"])
    assert response.status_code == 201 and response.json()["label"] == text


def test_cli_screen__sample_names_that_start_a_formula_are_inert_in_the_tsv(tmp_path: Path) -> None:
    """Sample names come from other people's files; opened in a spreadsheet, '=HYPERLINK(...)' would run."""
    from aatd.cli import main

    names = ['=HYPERLINK("http://evil.example","x")', "+cmd|calc", "-2+3", "@SUM(A1)", "S5"]
    vcf = tmp_path / "cohort.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=14>\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n"
                   "14\t94378610\trs28929474\tC\tT\t.\tPASS\t.\tGT" + "\t0/1" * len(names) + "\n")
    out = tmp_path / "calls.tsv"
    with pytest.raises(SystemExit) as done:
        main(["screen", str(vcf), "--out", str(out)])
        raise SystemExit(0)
    assert done.value.code in (0, None)
    cells = [line.split("\t")[0] for line in out.read_text().splitlines()[1:]]
    assert cells == ["'" + n for n in names[:4]] + ["S5"]


@pytest.mark.parametrize("relation", ["parent", "sibling", "child"])
def test_relatives__a_deleted_parent_or_partner_no_longer_blocks_adding_relatives(site: Site, relation: str) -> None:
    """After DELETE of a mother (a soft delete keeps the child's link for a restore), 'Add sibling' answered 404
    'patient not found' and 'Add parent' 422 'a member without a mother yet' (security review L4)."""
    h = site.headers["doc"]
    fid = site.client.post("/api/v1/families", json={"name": f"L4 {relation}"}, headers=h).json()["id"]

    def person(label: str, sex: str, **links: int) -> int:
        body = {"label": label, "sex": sex, "family_id": fid, **links}
        return int(site.client.post("/api/v1/patients", json=body, headers=h).json()["id"])

    mum = person("Mum", "female")
    kid = person("Kid", "male", mother_id=mum) if relation != "child" else person("Kid", "male")
    if relation == "child":
        wife = person("Wife", "female")
        site.client.patch(f"/api/v1/patients/{kid}", json={"partner_id": wife}, headers=h)
        site.client.patch(f"/api/v1/patients/{wife}", json={"partner_id": kid}, headers=h)
        assert site.client.delete(f"/api/v1/patients/{wife}", headers=h).status_code == 200
    else:
        assert site.client.delete(f"/api/v1/patients/{mum}", headers=h).status_code == 200
    response = site.browser.post(f"/families/{fid}/members", follow_redirects=False, data={
        "csrf_token": site.csrf, "member_id": str(kid), "relation": relation, "sex": "female", "label": "New"})
    assert response.status_code == 303, response.text[-600:]
    members = {m["id"]: m for m in site.client.get(f"/api/v1/families/{fid}/members", headers=h).json()}
    if relation != "child":
        assert members[kid]["mother_id"] in members, "the kid's mother is a member who is not deleted"


def test_import__an_impossible_family_names_the_members_not_a_row_id(site: Site) -> None:
    """A refused import answered 'members: got 69' (the id of the family it had begun and rolled back)."""
    members = [{"id": "a", "sex": "male", "father": "b", "name": "Ann"},
               {"id": "b", "sex": "male", "father": "a", "name": "Bob"}]
    response = site.client.post("/api/v1/families/import", json={"family": "F", "members": members},
                                headers=site.headers["doc"])
    _check_api(response)
    error = response.json()["errors"][0]
    assert response.status_code == 422 and error["field"] == "members"
    assert "Ann" in str(error["value"]) and "Bob" in str(error["value"]) and "nobody is their own ancestor" in error[
        "expected"]


def test_pedigree_cache__keeps_a_digest_of_a_large_document_not_the_document(site: Site) -> None:
    """64 anonymous 4 MB documents made the answer cache hold 256 MB (each key was the document's JSON)."""
    from aatd.web.api import family

    family.CACHE.clear()
    doc = {"country": "USA", "members": [{"id": "a", "sex": "male"}], "family": "x" * 1_000_000}
    for _ in range(2):
        assert site.client.post("/api/v1/pedigree", json=doc).status_code == 200
    assert family.CACHE.hits == 1
    assert [len(document) for document, _plan in family.CACHE._answers] == [64]
