"""Hostile input, ninth wave: what the second review (docs/security-review-w8.md) found and left.

Each refusal is made once in the core and checked here on every face that takes the value: the CLI
(one line, exit 2), the API (one JSON error shape naming the field), the clinician form and the public
pages (the message next to the field, the typed value kept).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.web.app import create_app
from aatd.web.budget import ComputeBudget, RateLimiter
from web.conftest import PASSWORD, make_settings, seed_users

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@dataclass
class Site:
    app: FastAPI
    client: TestClient
    headers: dict[str, str]
    browser: TestClient
    csrf: str
    pid: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("hostile_w9")
    app = create_app(make_settings(tmp, f"sqlite:///{tmp / 'aatd.sqlite3'}"))
    app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=10**6, burst=10**6))
    seed_users(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        patient = client.post("/api/v1/patients", json={"label": "P", "sex": "female"}, headers=headers).json()
        browser = TestClient(app, raise_server_exceptions=False)
        page = browser.get("/login").text
        login_csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post("/login", data={"email": "doc@a.org", "password": PASSWORD, "csrf_token": login_csrf})
        csrf = browser.get("/patients").text.split('name="csrf-token" content="')[1].split('"')[0]
        yield Site(app, client, headers, browser, csrf, str(patient["id"]))
    app.state.engine.dispose()


def _error_shape(response: Any, status: int = 422) -> dict[str, Any]:
    """The one JSON error shape with ``status``; its first field error."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["ok"] is False and body["status"] == status and isinstance(body["error"], str)
    if status != 422:  # 429 and 503 concern the request, not a field
        return {}
    error: dict[str, Any] = body["errors"][0]
    assert set(error) >= {"field", "value", "expected", "message"}
    return error


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``aatd argv``."""
    from aatd.cli import main

    with pytest.raises(SystemExit) as done:
        main(argv)
        raise SystemExit(0)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def _one_line(status: int, err: str) -> None:
    assert status == 2 and err.count("\n") == 1 and err.startswith("aatd: error: "), err


# --- 1. a level qualifier appears once ---------------------------------------------------------------------------

BELOW = ("<", "<=", "=<", "≤")
"""The qualifiers of a result reported as at most a value (the oracle, written apart from the parser)."""

PREFIXES = st.text(alphabet="<>=≤≥ ", max_size=3)
SUFFIXES = st.text(alphabet="<>=≤ %a", max_size=2)
NUMBERS = st.sampled_from(["20", "85", "1,2", "45.5"])


def _accepted(prefix: str, suffix: str) -> bool:
    """Whether ``prefix + number + suffix`` is a level: nothing or one qualifier of :data:`BELOW` before the
    number (spaces around it allowed), only spaces after."""
    return prefix.strip(" ") in ("", *BELOW) and suffix.strip(" ") == ""


def test_level_qualifier__the_review_cases(capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("<<20", "< <20", "20<", "<20<", ">20", ">=20", "≥20", "<>20", "<=<20", "=20", "1_000"):
        status, _, err = _cli(["interpret", "--level", text, "--unit", "mg/dL"], capsys)
        _one_line(status, err)
        assert "level.value" in err and "one '<'" in err
    for text in ("<20", "<=20", "≤ 20", " < 20 "):
        status, out, err = _cli(["interpret", "--level", text, "--unit", "mg/dL", "--json"], capsys)
        assert status == 0 and "censored" in out, err


@settings(max_examples=60)
@given(prefix=PREFIXES, number=NUMBERS, suffix=SUFFIXES)
def test_level_qualifier__cli(prefix: str, number: str, suffix: str) -> None:
    """``aatd interpret --level``: accepted exactly when the oracle accepts, else one line with exit 2."""
    from aatd.cli import main

    text = prefix + number + suffix
    if not text.strip():
        return
    try:
        main(["interpret", "--level", text, "--unit", "g/L" if "," in number else "mg/dL"])
        status = 0
    except SystemExit as done:
        status = int(done.code or 0)
    assert status == (0 if _accepted(prefix, suffix) else 2), text


@settings(max_examples=60)
@given(prefix=PREFIXES, number=NUMBERS, suffix=SUFFIXES)
def test_level_qualifier__api(site: Site, prefix: str, number: str, suffix: str) -> None:
    text = prefix + number + suffix
    unit = "g/L" if "," in number else "mg/dL"
    response = site.client.post("/api/v1/interpret", json={"level": text, "unit": unit})
    if _accepted(prefix, suffix):
        assert response.status_code == 200, (text, response.text[:300])
        assert ("censored" in response.text) == (prefix.strip(" ") != "")
    else:
        error = _error_shape(response)
        assert error["field"] == "level.value" and error["value"] == text and "one '<'" in error["expected"]


@settings(max_examples=40)
@given(prefix=PREFIXES, number=NUMBERS, suffix=SUFFIXES)
def test_level_qualifier__clinician_result_form(site: Site, prefix: str, number: str, suffix: str) -> None:
    text = prefix + number + suffix
    response = site.browser.post(f"/patients/{site.pid}/results", follow_redirects=False, data={
        "csrf_token": site.csrf, "kind": "level", "taken_on": "2024-01-01", "value": text,
        "unit": "g/L" if "," in number else "mg/dL", "method": "", "text": "", "note": ""})
    if _accepted(prefix, suffix):
        assert response.status_code == 303, (text, response.text[-500:])
        stored = site.client.get(f"/api/v1/patients/{site.pid}/results", headers=site.headers).json()[-1]
        assert stored["below"] == (prefix.strip(" ") != "")
    else:
        assert response.status_code == 422, text
        assert "one &#39;&lt;&#39;" in response.text or "one '<'" in response.text
        assert f'value="{_html(text)}"' in response.text, "the form keeps what was typed"


@settings(max_examples=40)
@given(prefix=PREFIXES, number=NUMBERS, suffix=SUFFIXES)
def test_level_qualifier__public_my_result(site: Site, prefix: str, number: str, suffix: str) -> None:
    text = prefix + number + suffix
    if not text.strip():
        return
    response = site.browser.post("/public/my-result", data={
        "submitted": "1", "kind": "genotype", "result": "MZ", "level": text,
        "unit": "g/L" if "," in number else "mg/dL"})
    if _accepted(prefix, suffix):
        assert response.status_code == 200, (text, response.text[-500:])
    else:
        assert response.status_code == 422, text
        assert "too low to measure" in response.text
        assert f'value="{_html(text)}"' in response.text, "the form keeps what was typed"


def _html(text: str) -> str:
    """``text`` as Jinja2 escapes an attribute value."""
    from markupsafe import escape

    return str(escape(text))


# --- 2. a population is a whole number of people ------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0.5", "0", "-1", "1e999", "NaN", "1e6", "10000000001", "9" * 5000, "½"])
def test_population__not_whole_people_refused_alike_by_the_cli_and_the_api(
        site: Site, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _cli(["prevalence", "--country", "USA", "--population", value], capsys)
    _one_line(status, err)
    assert "population: got" in err and "a whole number of people from 1 to 10,000,000,000" in err
    error = _error_shape(site.client.get("/api/v1/prevalence", params={"country": "USA", "population": value[:200]}))
    assert error["field"] == "population" and error["expected"] == "a whole number of people from 1 to 10,000,000,000"


def test_population__the_country_survey_prints_whole_people(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """The USA's 259.196422 million printed as 259196421.99999997."""
    status, out, _ = _cli(["prevalence", "--country", "USA"], capsys)
    assert status == 0 and "population 259,196,422" in out and "99999" not in out
    answer = site.client.get("/api/v1/prevalence", params={"country": "USA"}).json()
    assert answer["population"] == 259_196_422
    mine = site.client.get("/api/v1/prevalence", params={"country": "USA", "population": "1000"}).json()
    assert mine["population"] == 1000 and sum(g["count"] for g in mine["genotypes"].values()) in range(998, 1003)


# --- 3. no silent cut of what a person typed ----------------------------------------------------------------------

def _tree(**rows: str) -> dict[str, str]:
    base = {"tree": "1", "country": "USA", "m0_name": "Ann", "m0_sex": "female", "m1_name": "Bob", "m1_sex": "male",
            "m2_name": "Cat", "m2_sex": "female", "m2_mother": "Ann", "m2_father": "Bob"}
    return base | rows


def test_our_family__names_up_to_the_core_limit_are_kept_whole(site: Site) -> None:
    """A 150-character name was cut to 60 without a word: the tree then spoke of another name."""
    long_name = "Ann " + "Maria " * 24 + "Smith"
    assert 60 < len(long_name) <= 200
    response = site.browser.post("/public/our-family", data=_tree(m0_name=long_name, m2_mother=long_name))
    assert response.status_code == 200, response.text[-800:]
    assert f'value="{long_name}"' in response.text


@pytest.mark.parametrize(("column", "value", "said"), [
    ("name", "N" * 201, "at most 200 characters (you entered 201)"),
    ("result", "Z" * 101, "at most 100 characters (you entered 101)"),
    ("sex", "alien", "female, male or unknown"),
])
def test_our_family__a_field_over_the_limit_is_refused_next_to_it_and_kept(site: Site, column: str, value: str,
                                                                          said: str) -> None:
    response = site.browser.post("/public/our-family", data=_tree(**{f"m1_{column}": value}))
    assert response.status_code == 422
    page = response.text
    assert said in page, page[-1500:]
    # the message is in row 2's own field (its id names the row and column), and the row keeps what was typed
    assert f'id="m1_{column}-error"' in page or f'aria-describedby="m1_{column}-error"' in page
    if column != "sex":
        assert f'value="{value}"' in page


def test_clinician_risk_form__a_field_too_long_or_too_many_scenarios_is_refused_not_cut(site: Site) -> None:
    """A 41-digit height was read as its first 40 digits, and a seventh scenario dropped."""
    page = site.browser.get(f"/patients/{site.pid}/risk", params={"height_cm": "1" + "7" * 40})
    assert page.status_code == 422 and "height_cm" in page.text and "at most 40 characters (got 41)" in page.text
    many = [("scenario", f"quit@{50 + i}") for i in range(7)]
    page = site.browser.get(f"/patients/{site.pid}/risk", params=many)
    assert page.status_code == 422 and "at most 6 ticked scenarios" in page.text


def test_api_token__a_name_over_the_column_is_refused_not_cut(site: Site) -> None:
    ask = {"email": "doc@a.org", "password": PASSWORD}
    error = _error_shape(site.client.post("/api/v1/auth/token", json=ask | {"name": "t" * 101}))
    assert error["field"].endswith("name")
    assert site.client.post("/api/v1/auth/token", json=ask | {"name": "t" * 100}).status_code == 201


def test_import__a_retraction_reason_over_the_note_limit_is_refused_not_cut(site: Site) -> None:
    doc = {"family": "F", "members": [{"id": "a", "sex": "male"}], "records": {"a": {"results": [
        {"kind": "crp", "taken_on": "2024-01-01", "value": 2, "retracted": "r" * 2001}]}}}
    error = _error_shape(site.client.post("/api/v1/families/import", json=doc, headers=site.headers))
    assert error["field"] == "records.a.results[0].retracted" and "at most 2,000 characters" in error["expected"]


# --- 4. a pedigree document has the top-level fields aatd writes, no others ----------------------------------------

ROOT = Path(__file__).resolve().parents[2]
FAMILY_FILES = [ROOT / "examples" / "family.json", *sorted((ROOT / "tests" / "data" / "pedigrees").glob("*.json"))]
AATD_FAMILIES = [f for f in FAMILY_FILES if "members" in json.loads(f.read_text())]


@pytest.mark.parametrize("field", ["junk", "contry", "allele_frequency", "Members", "plan"])
def test_pedigree_document__an_unknown_top_level_field_is_refused_on_every_face(
        site: Site, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``{"members": [...], "junk": 1}`` answered 200: a misspelt ``contry`` left the default population in use."""
    doc = {"country": "Ireland", "members": [{"id": "a", "sex": "male", "genotype": "MZ"}], field: 1}
    for headers in ({}, site.headers):  # anonymous and logged in
        error = _error_shape(site.client.post("/api/v1/pedigree", json=doc, headers=headers))
        assert error["field"] == field and "top-level fields" in error["expected"] and "records" in error["expected"]
    error = _error_shape(site.client.post("/api/v1/families/import", json=doc | {"family": "F"}, headers=site.headers))
    assert error["field"] == field
    page = site.browser.post("/families/import", data={"csrf_token": site.csrf},
                             files={"file": ("family.json", json.dumps(doc).encode(), "application/json")})
    assert page.status_code == 422 and field.replace("_", " ") in page.text  # the page shows codes as words
    file = tmp_path / "family.json"
    file.write_text(json.dumps(doc))
    status, _, err = _cli(["pedigree", str(file)], capsys)
    _one_line(status, err)
    assert err.startswith(f"aatd: error: {field}: got 1; expected one of the top-level fields")


@pytest.mark.parametrize("path", AATD_FAMILIES, ids=lambda p: p.name)
def test_pedigree_document__every_export_aatd_writes_is_read_again_unchanged(
        site: Site, path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The known fields come from what aatd writes: the workspace's export (API, page, ``aatd family export``:
    one function), ``pedigree_to_json`` and the documented files. Each is accepted by every reader, and an
    export imported again exports the same document."""
    from aatd.family.pedigree import DOCUMENT_KEYS, pedigree_from_json, pedigree_to_json
    from web.workspace.test_family_json import normalised

    doc = json.loads(path.read_text())
    assert set(doc) <= DOCUMENT_KEYS
    written = pedigree_to_json(pedigree_from_json(doc))
    assert set(written) <= DOCUMENT_KEYS and pedigree_to_json(pedigree_from_json(written)) == written
    population = {} if {"country", "allele_frequencies"} & set(doc) else {"country": "Ireland"}  # for the engine
    first = site.client.post("/api/v1/families/import", json=doc | population | {"family": path.stem},
                             headers=site.headers)
    assert first.status_code == 201, first.text
    exported = site.client.get(f"/api/v1/families/{first.json()['id']}/export", headers=site.headers).json()
    page = site.browser.get(f"/families/{first.json()['id']}/export.json").json()
    assert page == exported and set(exported) <= DOCUMENT_KEYS and {"family", "records"} <= set(exported)
    again = site.client.post("/api/v1/families/import", json=exported, headers=site.headers)
    assert again.status_code == 201, again.text
    second = site.client.get(f"/api/v1/families/{again.json()['id']}/export", headers=site.headers).json()
    assert normalised(second) == normalised(exported)
    answer = site.client.post("/api/v1/pedigree", json=exported, headers=site.headers)
    assert answer.status_code == 200, answer.text[:500]
    file = tmp_path / "export.json"
    file.write_text(json.dumps(exported))
    status, _, err = _cli(["pedigree", str(file), "--json"], capsys)
    assert status == 0, err


# --- 5. FHIR import repeats what it ignores briefly -----------------------------------------------------------------

def _observation(rid: str, code: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final", "effectiveDateTime": "2024-05-01",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]}, **more}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def test_fhir_import__ignored_values_and_entries_are_echoed_briefly_and_storage_is_unchanged(
        site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 100,000-character code came back whole in ``ignored`` (second review): a 201 the size of the request."""
    level = _observation("lvl", "1825-9", valueQuantity={"value": 90, "unit": "mg/dL"})
    huge = "X" * 100_000
    junk = [_observation(f"o{i}", f"code-{i}") for i in range(60)]
    hostile = [_observation(huge, huge), {**_observation("st", "1825-9"), "status": huge},
               {"resourceType": "Y" * 100_000, "id": "r"}, *junk]
    path = f"/api/v1/patients/{site.pid}/fhir"
    before = len(site.client.get(f"/api/v1/patients/{site.pid}/results", headers=site.headers).json())
    response = site.client.post(path, json=_bundle(level, *hostile), headers=site.headers)
    assert response.status_code == 201, response.text[:500]
    assert len(response.content) < 10_000, len(response.content)
    ignored = response.json()["ignored"]
    assert len(ignored) == 21 and ignored[-1] == f"and {len(hostile) - 20:,} more like these, not listed"
    assert ignored[0].startswith("Observation/" + "X" * 68 + "… (100,012 characters): code " + "X" * 80 + "…")
    assert "(100,000 characters)" in ignored[0] and "(100,002 characters)" in ignored[1]  # the status, quoted
    stored = site.client.get(f"/api/v1/patients/{site.pid}/results", headers=site.headers).json()
    assert [(r["kind"], r["value"]) for r in stored[before:]] == [("level", 90.0)], "only the level is stored"
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(_bundle(level, *hostile)))
    status, out, err = _cli(["interpret", "--fhir", str(file), "--json"], capsys)
    assert status == 0, err
    assert len(out) < 60_000 and huge not in out


# --- 6. a file that is not JSON is named and the problem said in words ----------------------------------------------

@pytest.mark.parametrize(("content", "said"), [
    (b"Name,Sex\nAnn,female\n", "is not JSON: expecting a value at line 1, column 1"),
    (b'{"members": [{"id": "a"}]} extra', "is not JSON: more after the end of the document at line 1, column 28"),
    (b'{"members": [', "is not JSON: expecting a value at line 1, column 14"),
    (b"\xff\xfe{}", "is not UTF-8 text: byte 0xff at position 0"),
])
def test_family_import__a_file_that_is_not_json_is_named_with_the_problem_in_words(
        site: Site, content: bytes, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page said "file: got 'line 1 column 1'; expected a UTF-8 JSON document"."""
    page = site.browser.post("/families/import", data={"csrf_token": site.csrf},
                             files={"file": ("notes.txt", content, "text/plain")})
    assert page.status_code == 422
    assert f"&#39;notes.txt&#39; {said}" in page.text or f"'notes.txt' {said}" in page.text, page.text[-2000:]
    assert "line 1 column 1" not in page.text
    file = tmp_path / "notes.txt"
    file.write_bytes(content)
    status, _, err = _cli(["interpret", "--fhir", str(file)], capsys)
    _one_line(status, err)
    assert f"'{file}' {said}" in err


# --- 7. CDS Hooks without a JWT are under the anonymous budget -----------------------------------------------------

@pytest.fixture
def cds(site: Site) -> Iterator[tuple[Site, Any]]:
    """Local mode (calls without a JWT accepted) with one trusted issuer; the site's budget is restored after."""
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import ec

    from aatd.web.cds_auth import CdsSettings, ReplayCache
    from web.test_cds_hooks import ISSUER

    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    site.app.state.cds_settings = CdsSettings(env="local", issuers={ISSUER: {"keys": [
        public | {"kid": "ehr-key-1", "alg": "ES384", "use": "sig"}]}})
    site.app.state.cds_replays = ReplayCache()
    before = site.app.state.budget
    yield site, private
    site.app.state.budget = before
    site.app.state.cds_settings = None


def _cds_call(site: Site, headers: dict[str, str] | None = None) -> Any:
    from web.test_cds_hooks import genotype, level, request, searchset

    prefetch = {"results": searchset(level(55), genotype("PI*SZ")), "lung": None}
    return site.client.post("/cds-services/aatd-interpret", json=request(prefetch=prefetch), headers=headers or {})


def _signed(private: Any) -> dict[str, str]:
    from web.test_cds_hooks import token

    return token(private)


def test_cds_hooks__unsigned_calls_share_the_anonymous_rate_limit(cds: tuple[Site, Any]) -> None:
    """In local mode a call without a JWT was outside every budget (second review): now the per-address bucket
    of the other engine routes applies; a call with a verified JWT keeps the logged-in budget."""
    site, private = cds
    site.app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=1, burst=2))
    assert [_cds_call(site).status_code for _ in range(2)] == [200, 200]
    refused = _cds_call(site)
    _error_shape(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert site.client.post("/api/v1/interpret", json={"genotype": "SZ"}).status_code == 429, "one bucket"
    assert _cds_call(site, _signed(private)).status_code == 200


def test_cds_hooks__unsigned_calls_wait_for_an_anonymous_engine_slot(cds: tuple[Site, Any]) -> None:
    site, private = cds
    site.app.state.budget = ComputeBudget(slots=0, slot_wait_s=0.05,
                                          limiter=RateLimiter(per_minute=10**6, burst=10**6))
    refused = _cds_call(site)
    _error_shape(refused, 503)
    assert "busy" in refused.json()["error"] and refused.headers["retry-after"]
    assert _cds_call(site, _signed(private)).status_code == 200


def test_cds_hooks__unsigned_calls_have_the_anonymous_time_budget(cds: tuple[Site, Any]) -> None:
    site, private = cds
    site.app.state.budget = ComputeBudget(budget_s=0.0, limiter=RateLimiter(per_minute=10**6, burst=10**6))
    refused = _cds_call(site)
    _error_shape(refused, 503)
    assert "reading the FHIR results" in refused.json()["error"]
    assert _cds_call(site, _signed(private)).status_code == 200


# --- public number fields: a comma is a decimal comma, never a thousands separator read as one -------------------

@pytest.mark.parametrize(("typed", "refused"), [("1,200", True), ("1_000", True), ("nan", True), ("1e1", True),
                                                ("45,5", False), ("45.5", False), ("45", False)])
def test_public_numbers__an_ambiguous_comma_or_a_python_spelling_is_refused_not_read(site: Site, typed: str,
                                                                                    refused: bool) -> None:
    """'1,200' pack-years was read as 1.2 (the comma replaced by a point), without a word."""
    response = site.browser.post("/public/should-i-be-tested", data={"submitted": "1", "age": "50",
                                                                      "pack_years": typed})
    assert response.status_code < 500
    said = "Please enter a number, for example 45." in response.text
    assert said is refused, response.text[-1500:]
    assert f'value="{typed}"' in response.text, "the form keeps what was typed"


@pytest.mark.parametrize(("typed", "read"), [("1,200", None), ("1_000", None), ("nan", None), ("12,5", 12.5),
                                             ("12.5", 12.5)])
def test_typed_numbers__one_rule_for_the_cli_the_api_and_the_public_result_page(
        site: Site, typed: str, read: float | None, capsys: pytest.CaptureFixture[str]) -> None:
    """A CRP typed as '1,200' was read as 1.2 mg/L on the public page and '1_000' as 1000 by the CLI and API."""
    status, out, err = _cli(["interpret", "--genotype", "ZZ", "--crp", typed, "--json"], capsys)
    api = site.client.post("/api/v1/interpret", json={"genotype": "ZZ", "crp": typed})
    page = site.browser.post("/public/my-result", data={"submitted": "1", "kind": "genotype", "result": "ZZ",
                                                        "crp": typed})
    if read is None:
        _one_line(status, err)
        assert _error_shape(api)["field"] == "crp"
        assert page.status_code == 422 and f'value="{typed}"' in page.text
    else:
        assert status == 0 and f'"crp_mg_l": {read}' in out
        assert api.status_code == 200 and f'"crp_mg_l":{read}' in api.text
        assert page.status_code == 200


def test_fhir_import__a_refusal_names_an_element_with_a_long_id_briefly(
        site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The field of an error is named after the element (``Observation/<id>.valueQuantity.unit``): a 100,000-character
    id made a 100 KB error, in the API and on the CLI's one line."""
    bad = _observation("X" * 100_000, "1825-9", valueQuantity={"value": 90, "unit": "banana"})
    error = _error_shape(site.client.post(f"/api/v1/patients/{site.pid}/fhir", json=_bundle(bad),
                                          headers=site.headers))
    assert error["field"].startswith("Observation/XXX") and error["field"].endswith("… (100,031 characters)")
    assert len(json.dumps(error)) < 2_000
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(bad))
    status, _, err = _cli(["interpret", "--fhir", str(file)], capsys)
    _one_line(status, err)
    assert len(err) < 1_000 and "banana" in err
