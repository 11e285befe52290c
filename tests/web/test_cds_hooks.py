"""CDS Hooks: discovery against the published schemas, hook requests shaped as the specification's examples
(with and without prefetch, with valid and invalid JWTs), and the cards."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aatd.web.app import create_app
from aatd.web.cds_auth import CdsSettings, ReplayCache, load_cds_settings
from web.conftest import make_settings

DATA = Path(__file__).parents[1] / "data"
BASE = "http://testserver"
ISSUER = "https://ehr.example.org/"
LOINC = "http://loinc.org"


def schema(name: str) -> dict[str, Any]:
    return json.loads((DATA / "cds_hooks" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp = tmp_path_factory.mktemp("cds")
    application = create_app(make_settings(tmp, f"sqlite:///{tmp / 'aatd.sqlite3'}"))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    app.state.cds_settings = CdsSettings(env="local")
    app.state.cds_replays = ReplayCache()
    with TestClient(app) as c:
        yield c


# --- requests as in the specification -----------------------------------------------------------------------------


def request(hook: str = "patient-view", *, prefetch: dict[str, Any] | None = None,
            context: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"hookInstance": str(uuid.uuid4()), "hook": hook,
                           "context": context or {"userId": "Practitioner/example", "patientId": "1288992"}}
    if prefetch is not None:
        out["prefetch"] = prefetch
    return out | extra


def searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def condition(code: str, system: str = "http://snomed.info/sct", status: str = "active",
              display: str = "") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": f"c-{code}",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "code": {"coding": [{"system": system, "code": code, "display": display or code}]},
            "subject": {"reference": "Patient/1288992"}}


def observation(code: str, oid: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]}, "subject": {"reference": "Patient/1288992"},
            "effectiveDateTime": "2025-02-03", **value}


def level(value: float, unit: str = "mg/dL") -> dict[str, Any]:
    return observation("1825-9", "aat", valueQuantity={"value": value, "unit": unit,
                                                        "system": "http://unitsofmeasure.org", "code": unit})


def genotype(text: str) -> dict[str, Any]:
    return observation("84413-4", "geno", valueCodeableConcept={"text": text})


COPD = condition("13645005", display="Chronic obstructive lung disease")


def cards(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    doc = response.json()
    jsonschema.Draft202012Validator(schema("cds-hooks-response.schema.json")).validate(doc)
    result: list[dict[str, Any]] = doc["cards"]
    return result


# --- discovery -----------------------------------------------------------------------------------------------------


def test_discovery_validates_against_the_published_schemas(client: TestClient) -> None:
    doc = client.get("/cds-services").json()
    jsonschema.Draft3Validator(schema("cds-validator-discovery-response-schema.json")).validate(doc)
    jsonschema.Draft202012Validator(schema("cds-hooks-discovery.schema.json")).validate(doc)
    hooks = {(s["id"], s["hook"]) for s in doc["services"]}
    assert hooks == {("aatd-should-test", "patient-view"), ("aatd-interpret", "patient-view"),
                     ("aatd-augmentation", "order-select"), ("aatd-augmentation", "order-sign")}
    templates = json.dumps(doc)
    assert "{{context.patientId}}" in templates and "1825-9" in templates and "6768-6" not in templates


def test_the_schemas_reject_a_broken_discovery() -> None:
    broken = {"services": [{"hook": "patient-view", "id": "x"}]}  # no description
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft3Validator(schema("cds-validator-discovery-response-schema.json")).validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema("cds-hooks-discovery.schema.json")).validate(broken)


# --- aatd-should-test ----------------------------------------------------------------------------------------------


def test_copd_without_aat_result_gets_a_testing_card(client: TestClient) -> None:
    prefetch = {"patient": {"resourceType": "Patient", "id": "1288992", "birthDate": "1961-05-01"},
                "conditions": searchset(COPD), "family": None, "results": None}
    (card,) = cards(client.post("/cds-services/aatd-should-test", json=request(prefetch=prefetch)))
    assert card["indicator"] == "warning"
    assert "COPD" in card["summary"] and len(card["summary"]) < 140
    assert card["source"]["url"].startswith("https://")
    assert "ATS/ERS statement 2003" in card["detail"] and "recommended" in card["detail"]
    order = card["suggestions"][0]["actions"][0]["resource"]
    assert order["resourceType"] == "ServiceRequest" and order["code"]["coding"][0]["code"] == "1825-9"
    assert order["subject"] == {"reference": "Patient/1288992"}


def test_panniculitis_at_16_gets_no_card_citing_an_adult_guideline(client: TestClient) -> None:
    """Wave 9: necrotising panniculitis is an adult criterion in ATS/ERS and A1F 2016 (written for adults): at 16
    no guideline covers it (``not_covered``), so no card claims a recommendation; at 40 the card cites both."""
    import datetime as dt

    year = dt.date.today().year
    panniculitis = condition("M79.3", "http://hl7.org/fhir/sid/icd-10-cm")
    for age, expected in ((16, 0), (40, 1)):
        prefetch = {"patient": {"resourceType": "Patient", "id": "1288992", "birthDate": f"{year - age}-01-01"},
                    "conditions": searchset(panniculitis), "family": None, "results": searchset()}
        found = cards(client.post("/cds-services/aatd-should-test", json=request(prefetch=prefetch)))
        assert len(found) == expected, age
    assert "Alpha-1 Foundation guideline (Sandhaus) 2016: testing **recommended**" in found[0]["detail"]


def test_icd10_emphysema_and_relative_with_aatd_are_reasons_to_test(client: TestClient) -> None:
    relative = {"resourceType": "FamilyMemberHistory", "id": "f1", "status": "completed",
                "patient": {"reference": "Patient/1288992"},
                "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                             "code": "BRO"}]},
                "condition": [{"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                                    "code": "E88.01"}]}}]}
    prefetch = {"conditions": searchset(condition("J43.9", "http://hl7.org/fhir/sid/icd-10-cm")),
                "family": searchset(relative), "results": searchset()}
    (card,) = cards(client.post("/cds-services/aatd-should-test", json=request(prefetch=prefetch)))
    assert "Emphysema" in card["detail"] and "relative" in card["detail"]


@pytest.mark.parametrize("prefetch", [
    {"conditions": searchset(COPD), "results": searchset(level(40))},
    {"conditions": searchset(COPD), "results": searchset(genotype("PI*MM"))},
    {"conditions": searchset(COPD, condition("30188007")), "results": None},
    {"conditions": searchset(condition("13645005", status="resolved")), "results": None},
    {"conditions": searchset(condition("38341003", display="Hypertensive disorder")), "results": None},
], ids=["level on record", "genotype on record", "AATD diagnosed", "COPD resolved", "no reason to test"])
def test_no_card_when_tested_diagnosed_or_no_reason(client: TestClient, prefetch: dict[str, Any]) -> None:
    assert cards(client.post("/cds-services/aatd-should-test", json=request(prefetch=prefetch))) == []


def test_missing_prefetch_without_fhir_server_is_412(client: TestClient) -> None:
    response = client.post("/cds-services/aatd-should-test", json=request(prefetch={"results": None}))
    assert response.status_code == 412
    doc = response.json()
    assert doc["ok"] is False and doc["status"] == 412 and doc["errors"][0]["field"] == "prefetch.conditions"
    assert client.post("/cds-services/aatd-interpret", json=request()).status_code == 412


class _Fhir(BaseHTTPRequestHandler):
    """A FHIR server on loopback answering Condition and Observation searches."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        _Fhir.seen.append((self.path, self.headers.get("Authorization")))
        doc = searchset(COPD) if self.path.startswith("/fhir/Condition") else searchset()
        data = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


def test_missing_prefetch_is_fetched_from_an_allowed_fhir_server(app: FastAPI, client: TestClient) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fhir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/fhir"
        call = request(fhirServer=base, fhirAuthorization={"access_token": "tok", "token_type": "Bearer",
                                                           "expires_in": 300, "scope": "patient/*.read",
                                                           "subject": "aatd"})
        assert client.post("/cds-services/aatd-should-test", json=call).status_code == 412  # not allowed yet
        app.state.cds_settings = CdsSettings(env="local", fhir_servers=(base,))
        (card,) = cards(client.post("/cds-services/aatd-should-test", json=call))
        assert "COPD" in card["summary"]
        assert ("/fhir/Condition?patient=1288992", "Bearer tok") in _Fhir.seen
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# --- aatd-interpret ------------------------------------------------------------------------------------------------


def test_interpret_card_for_sz_with_a_low_level(client: TestClient) -> None:
    prefetch = {"results": searchset(level(55), genotype("PI*SZ")), "lung": None}
    (card,) = cards(client.post("/cds-services/aatd-interpret", json=request(prefetch=prefetch)))
    assert card["summary"].startswith("Alpha-1 antitrypsin PI*SZ, 55 mg/dL")
    assert "**Severity**" in card["detail"] and "**Next steps**" in card["detail"]
    assert "doi" in card["detail"] or "PMID" in card["detail"]
    assert card["source"]["label"].endswith("(via aatd)")


def test_interpret_without_results_has_no_card(client: TestClient) -> None:
    prefetch = {"results": searchset(observation("8480-6", "bp", valueQuantity={"value": 120, "unit": "mm[Hg]"}))}
    assert cards(client.post("/cds-services/aatd-interpret", json=request(prefetch=prefetch))) == []


def test_unmappable_result_is_a_400_naming_the_element(client: TestClient) -> None:
    prefetch = {"results": searchset(level(80, "U/L"))}
    response = client.post("/cds-services/aatd-interpret", json=request(prefetch=prefetch))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Observation/aat.valueQuantity.unit"


# --- aatd-augmentation ----------------------------------------------------------------------------------------------


def spec_order_select() -> dict[str, Any]:
    """The R4 order-select example of the hooks library (a diet order and amoxicillin)."""
    doc: dict[str, Any] = json.loads((DATA / "fhir" / "cds_order_select_r4.json").read_text(encoding="utf-8"))
    return doc


def with_prolastin(context: dict[str, Any]) -> dict[str, Any]:
    order = {"resourceType": "MedicationRequest", "id": "aug-1", "status": "draft", "intent": "order",
             "medicationCodeableConcept": {"text": "Prolastin-C 1000 MG Injection"},
             "subject": {"reference": "Patient/1288992"}}
    context = json.loads(json.dumps(context))
    context["draftOrders"]["entry"].append({"resource": order})
    context["selections"].append("MedicationRequest/aug-1")
    return context


def test_spec_order_select_example_has_no_card_and_needs_no_prefetch(client: TestClient) -> None:
    call = request("order-select", context=spec_order_select()["context"])
    assert cards(client.post("/cds-services/aatd-augmentation", json=call)) == []


def test_augmentation_order_for_mz_gets_a_warning(client: TestClient) -> None:
    context = with_prolastin(spec_order_select()["context"])
    prefetch = {"results": searchset(level(100), genotype("PI*MZ")), "lung": None}
    (card,) = cards(client.post("/cds-services/aatd-augmentation",
                                json=request("order-select", context=context, prefetch=prefetch)))
    assert card["indicator"] == "warning"
    assert "not_indicated" in card["detail"]
    assert all(r["display"] for r in card["overrideReasons"])


def test_augmentation_order_without_prefetch_is_412(client: TestClient) -> None:
    context = with_prolastin(spec_order_select()["context"])
    assert client.post("/cds-services/aatd-augmentation",
                       json=request("order-sign", context=context)).status_code == 412


def test_augmentation_for_zz_with_criteria_met_has_no_warning(client: TestClient) -> None:
    """ZZ at 20 mg/dL, FEV1 45%, never smoked, COPD on the problem list: ATS/ERS and A1F say consider."""
    from aatd.clinic.interpretation import describe_interpretation

    expected = describe_interpretation(level="20", unit="mg/dL", genotype="ZZ", fev1_pct=45, smoking="never",
                                       lung_disease=True)
    lung = searchset(
        observation("20152-5", "fev1", valueQuantity={"value": 45, "unit": "%", "system": "http://unitsofmeasure.org",
                                                      "code": "%"}),
        observation("72166-2", "smk", valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct",
                                                                        "code": "266919005"}]}))
    copd = {"resourceType": "Condition", "id": "copd",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "13645005"}]}}
    context = with_prolastin(spec_order_select()["context"])
    prefetch = {"results": searchset(level(20), genotype("PI*ZZ")), "lung": lung, "conditions": searchset(copd)}
    got = cards(client.post("/cds-services/aatd-augmentation",
                            json=request("order-sign", context=context, prefetch=prefetch)))
    met = any(e["decision"] == "consider" for e in expected["eligibility"])
    assert met and got == []


def test_augmentation_for_zz_without_documented_obstruction_warns_what_is_missing(client: TestClient) -> None:
    """The same order without COPD on record: no guideline's criteria are documented, so a warning names them."""
    lung = searchset(
        observation("20152-5", "fev1", valueQuantity={"value": 45, "unit": "%", "system": "http://unitsofmeasure.org",
                                                      "code": "%"}))
    context = with_prolastin(spec_order_select()["context"])
    prefetch = {"results": searchset(level(20), genotype("PI*ZZ")), "lung": lung}
    got = cards(client.post("/cds-services/aatd-augmentation",
                            json=request("order-sign", context=context, prefetch=prefetch)))
    assert len(got) == 1 and got[0]["indicator"] == "warning"
    assert "not documented: airflow obstruction" in got[0]["detail"]


# --- request errors -------------------------------------------------------------------------------------------------


def test_request_errors(client: TestClient) -> None:
    assert client.post("/cds-services/nope", json=request(prefetch={})).status_code == 404
    bad = request(prefetch={})
    del bad["hookInstance"]
    assert client.post("/cds-services/aatd-interpret", json=bad).status_code == 400
    assert client.post("/cds-services/aatd-interpret", json=request("order-sign", prefetch={})).status_code == 400
    not_an_object = client.post("/cds-services/aatd-interpret", content=b"[1, 2]",
                                headers={"Content-Type": "application/json"})
    assert not_an_object.status_code == 422 and not_an_object.json()["ok"] is False


# --- JWT ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def keys() -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    return private, {"keys": [public | {"kid": "ehr-key-1", "alg": "ES384", "use": "sig"}]}


@pytest.fixture
def production(app: FastAPI, client: TestClient, keys: tuple[Any, dict[str, Any]]) -> TestClient:
    app.state.cds_settings = CdsSettings(env="production", issuers={ISSUER: keys[1]})
    return client


def token(private: Any, service: str = "aatd-interpret", **claims: Any) -> dict[str, str]:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": f"{BASE}/cds-services/{service}", "exp": now + 300, "iat": now,
               "jti": str(uuid.uuid4()), "tenant": "clinic-a"} | claims
    signed = jwt.encode(payload, private, algorithm="ES384", headers={"kid": "ehr-key-1", "typ": "JWT"})
    return {"Authorization": f"Bearer {signed}"}


INTERPRET = {"results": searchset(genotype("PI*ZZ")), "lung": None}


def test_signed_call_is_accepted(production: TestClient, keys: tuple[Any, dict[str, Any]]) -> None:
    response = production.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET),
                               headers=token(keys[0]))
    assert len(cards(response)) == 1


@pytest.mark.parametrize("change", ["unsigned", "wrong key", "wrong audience", "expired", "unknown issuer",
                                    "no jti", "hmac", "replayed"])
def test_invalid_jwt_is_401(production: TestClient, keys: tuple[Any, dict[str, Any]], change: str) -> None:
    headers: dict[str, str] = {}
    if change == "wrong key":
        headers = token(ec.generate_private_key(ec.SECP384R1()))
    elif change == "wrong audience":
        headers = token(keys[0], aud=f"{BASE}/cds-services/aatd-should-test")
    elif change == "expired":
        headers = token(keys[0], exp=int(time.time()) - 600, iat=int(time.time()) - 900)
    elif change == "unknown issuer":
        headers = token(keys[0], iss="https://other.example.org/")
    elif change == "no jti":
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": f"{BASE}/cds-services/aatd-interpret", "exp": now + 300, "iat": now}
        headers = {"Authorization": "Bearer " + jwt.encode(payload, keys[0], algorithm="ES384",
                                                           headers={"kid": "ehr-key-1"})}
    elif change == "hmac":
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": f"{BASE}/cds-services/aatd-interpret", "exp": now + 300, "iat": now,
                   "jti": "x"}
        headers = {"Authorization": "Bearer " + jwt.encode(payload, "a-shared-secret-of-32-bytes-long!",
                                                           algorithm="HS256", headers={"kid": "ehr-key-1"})}
    elif change == "replayed":
        headers = token(keys[0])
        assert production.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET),
                               headers=headers).status_code == 200
    response = production.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET), headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["ok"] is False


def test_local_instance_accepts_an_unsigned_call_with_a_warning(client: TestClient,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="aatd.web.cds"):
        response = client.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET))
    assert len(cards(response)) == 1
    assert "without a JWT accepted because AATD_ENV=local" in caplog.text


def test_local_instance_still_refuses_a_bad_token(app: FastAPI, client: TestClient,
                                                  keys: tuple[Any, dict[str, Any]],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    response = client.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET),
                           headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401
    sandbox = ec.generate_private_key(ec.SECP384R1())  # an issuer this instance does not know, like the sandbox
    with caplog.at_level(logging.WARNING, logger="aatd.web.cds"):
        unknown = client.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET),
                              headers=token(sandbox, iss="https://sandbox.cds-hooks.org"))
    assert unknown.status_code == 200 and "accepted unverified" in caplog.text
    app.state.cds_settings = CdsSettings(env="local", issuers={ISSUER: keys[1]})
    forged = client.post("/cds-services/aatd-interpret", json=request(prefetch=INTERPRET), headers=token(sandbox))
    assert forged.status_code == 401


def test_the_specification_example_token(app: FastAPI, client: TestClient) -> None:
    """The spec's ES384 token verifies with its JWK Set, and is refused today because it expired in 2015."""
    example = json.loads((DATA / "fhir" / "cds_jwt_example.json").read_text(encoding="utf-8"))
    key = jwt.PyJWKSet.from_dict(example["jwks"])["example-kid"].key
    claims = jwt.decode(example["token"], key, algorithms=["ES384"], audience=example["payload"]["aud"],
                        options={"verify_exp": False})
    assert claims == example["payload"]
    issuer = example["payload"]["iss"]
    app.state.cds_settings = CdsSettings(env="production", issuers={issuer: example["jwks"]},
                                         base_url="https://cds.example.org")
    response = client.post("/cds-services/some-service", json=request(prefetch={}),
                           headers={"Authorization": f"Bearer {example['token']}"})
    assert response.status_code == 401 and "expired" in response.json()["error"]


def test_settings_refuse_symmetric_algorithms_and_private_keys(keys: tuple[Any, dict[str, Any]]) -> None:
    from aatd.errors import InputError

    with pytest.raises(InputError):
        load_cds_settings({"AATD_CDS_ALGORITHMS": "HS256"})
    example = json.loads((DATA / "fhir" / "cds_jwt_example.json").read_text(encoding="utf-8"))
    with pytest.raises(InputError):
        load_cds_settings({"AATD_CDS_ISSUERS": json.dumps({"https://x/": {"keys": [example["private_jwk"]]}})})
    loaded = load_cds_settings({"AATD_ENV": "production", "AATD_CDS_ISSUERS": json.dumps({ISSUER: keys[1]}),
                                "AATD_CDS_BASE_URL": "https://aatd.example.org/", "AATD_CDS_FHIR_SERVERS": "",
                                "AATD_CDS_ALLOWED_ORIGINS": "https://sandbox.cds-hooks.org"})
    assert replace(loaded, issuers={}) == CdsSettings(env="production", base_url="https://aatd.example.org",
                                                      allowed_origins=("https://sandbox.cds-hooks.org",))
    assert not loaded.allows_unsigned


def test_cors_for_the_sandbox_origin(app: FastAPI, client: TestClient) -> None:
    app.state.cds_settings = CdsSettings(env="local", allowed_origins=("https://sandbox.cds-hooks.org",))
    ok = client.options("/cds-services/aatd-interpret", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert ok.headers["access-control-allow-origin"] == "https://sandbox.cds-hooks.org"
    other = client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
