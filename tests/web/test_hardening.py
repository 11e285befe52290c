"""Hardening of the web app (issue 11a): strict JSON, compute budget, escaping in SVG and PDF, limits in OpenAPI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aatd import limits
from aatd.web.budget import ComputeBudget, RateLimiter
from aatd.web.db import FifoLock
from web.conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

HOSTILE_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "1" * 5000]


def _shape(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code", None) == status, getattr(response, "text", "")
    body: dict[str, object] = json.loads(response.text, parse_constant=lambda c: pytest.fail(c))  # type: ignore[attr-defined]
    assert body["ok"] is False and body["status"] == status and isinstance(body["error"], str)
    assert isinstance(body["errors"], list)
    return body


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
@pytest.mark.parametrize(("path", "template"), [
    ("/api/v1/interpret", '{"level": %s, "unit": "mg/dL"}'),
    ("/api/v1/pedigree", '{"country": "USA", "members": [{"id": "x", "age": %s}]}'),
    ("/api/v1/pedigree", '{"country": "USA", "members": [{"id": %s}]}'),
    ("/api/v1/risk", '{"genotype": "ZZ", "sex": "male", "age": %s, "height_cm": 175}'),
    ("/api/v1/should-test", '{"findings": ["copd"], "age": %s}'),
])
def test_json__non_finite_and_huge_numbers__one_422_shape(sqlite_world: World, path: str, template: str,
                                                           number: str) -> None:
    response = sqlite_world.client.post(path, content=template % number,
                                        headers={"content-type": "application/json"})
    body = _shape(response, 422)
    assert "body" in str(body["error"])


def test_json__nul_and_nesting__one_422_shape(sqlite_world: World) -> None:
    headers = {"content-type": "application/json"}
    nul = sqlite_world.client.post("/api/v1/pedigree", content='{"members": [{"id": "a\\u0000b"}]}',
                                   headers=headers)
    assert "NUL" in str(_shape(nul, 422)["error"])
    deep = sqlite_world.client.post("/api/v1/pedigree", content="[" * 100_000 + "]" * 100_000, headers=headers)
    assert "nested" in str(_shape(deep, 422)["error"])
    query = sqlite_world.client.get("/api/v1/genotype?genotype=Z%00Z")
    _shape(query, 422)


def test_result_value__inf_string_is_a_422_with_a_json_safe_value(world: World) -> None:
    h = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "A", "sex": "female"}, headers=h).json()["id"]
    for value in ("inf", "nan", "-Infinity", "1e999"):
        response = world.client.post(f"/api/v1/patients/{pid}/results", headers=h,
                                     json={"kind": "crp", "taken_on": "2024-01-01", "value": value})
        _shape(response, 422)


def test_genotype__long_text_refused_fast_with_a_short_message(sqlite_world: World) -> None:
    response = sqlite_world.client.get("/api/v1/genotype", params={"genotype": "Z" * 5000})
    body = _shape(response, 422)
    assert len(json.dumps(body)) < 2000
    page = sqlite_world.client.post("/public/my-result", data={"submitted": "1", "kind": "genotype",
                                                               "result": "Z" * 40_000})
    assert page.status_code == 422 and "at most 100 characters" in page.text


def test_openapi__declares_the_core_limits(sqlite_world: World) -> None:
    spec = sqlite_world.client.get("/api/v1/openapi.json").text
    doc = json.loads(spec)
    genotype = doc["paths"]["/api/v1/genotype"]["get"]["parameters"][0]["schema"]
    assert genotype["maxLength"] == limits.GENOTYPE_TEXT
    members = doc["components"]["schemas"]["PedigreeIn"]["properties"]["members"]
    assert members["maxItems"] == limits.MEMBERS
    note = doc["components"]["schemas"]["ResultIn"]["properties"]["note"]
    assert f'"maxLength": {limits.NOTE}' in json.dumps(note)


# --- compute budget ---------------------------------------------------------------------------------------------

def _chain(n: int) -> dict[str, object]:
    members: list[dict[str, object]] = [{"id": "g0", "sex": "male", "genotype": "ZZ"}, {"id": "w0", "sex": "female"}]
    for i in range(1, n // 2):
        members += [{"id": f"g{i}", "sex": "male", "father": f"g{i - 1}", "mother": f"w{i - 1}"},
                    {"id": f"w{i}", "sex": "female"}]
    return {"country": "USA", "members": members}


def test_pedigree__anonymous_size_cap_and_larger_cap_when_logged_in(sqlite_world: World) -> None:
    big = _chain(limits.ANONYMOUS_MEMBERS + 2)
    refused = _shape(sqlite_world.client.post("/api/v1/pedigree", json=big), 422)
    assert f"members without login (up to {limits.MEMBERS}" in str(refused["error"])
    h = sqlite_world.token("doc@a.org")
    assert sqlite_world.client.post("/api/v1/pedigree", json=big, headers=h).status_code == 200


def test_pedigree__time_budget_gives_503_naming_the_step(sqlite_world: World) -> None:
    sqlite_world.app.state.budget = ComputeBudget(budget_s=0.0)
    response = sqlite_world.client.post("/api/v1/pedigree?plan=true", json=_chain(40))
    body = _shape(response, 503)
    assert "time budget" in str(body["error"]) and response.headers["retry-after"]


def test_engine_routes__rate_limited_per_address(sqlite_world: World) -> None:
    sqlite_world.app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=1, burst=2))
    codes = [sqlite_world.client.get("/api/v1/genotype?genotype=ZZ").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = sqlite_world.client.post("/api/v1/interpret", json={"genotype": "MZ"})
    assert int(_shape(response, 429)["status"]) == 429 and int(response.headers["retry-after"]) > 0
    page = sqlite_world.client.get("/public/my-result")
    assert page.status_code == 429
    assert sqlite_world.client.get("/api/v1/health").status_code == 200  # not an engine route


def test_engine_routes__busy_slots_give_503(sqlite_world: World) -> None:
    sqlite_world.app.state.budget = ComputeBudget(slots=0, slot_wait_s=0.05)
    response = sqlite_world.client.post("/api/v1/pedigree", json=_chain(4))
    assert "busy" in str(_shape(response, 503)["error"])
    h = sqlite_world.token("doc@a.org")  # logged-in callers do not queue behind anonymous ones
    assert sqlite_world.client.post("/api/v1/pedigree", json=_chain(4), headers=h).status_code == 200


def test_rate_limiter__memory_bounded_and_refills() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=100)
    for k in range(20_000):
        limiter.take(f"10.0.{k // 256}.{k % 256}", now=0.0)
    assert len(limiter) == 100
    assert limiter.take("a", now=0.0) == 0.0
    assert limiter.take("a", now=0.5) == pytest.approx(0.5)
    assert limiter.take("a", now=1.0) == 0.0


def test_fifo_lock__hands_over_in_order_and_times_out() -> None:
    lock = FifoLock()
    assert lock.acquire(timeout=0.01)
    assert not lock.acquire(timeout=0.01)
    lock.release()
    assert lock.acquire(timeout=0.01)
    lock.release()


def test_pedigree__same_document_answered_from_cache(sqlite_world: World) -> None:
    from aatd.web.api import family

    family.CACHE.clear()
    doc = _chain(6)
    first = sqlite_world.client.post("/api/v1/pedigree", json=doc).json()
    second = sqlite_world.client.post("/api/v1/pedigree", json=doc).json()
    assert first == second and family.CACHE.hits == 1


# --- escaping -----------------------------------------------------------------------------------------------------

HOSTILE_TEXT = ['x" onmouseover="alert(1)', "<script>alert(1)</script>", "Mum 'Mary' & <Bob>", 'k" a="']


@pytest.mark.parametrize("label", HOSTILE_TEXT)
def test_workspace_svg__labels_cannot_add_markup(sqlite_world: World, label: str) -> None:
    h = sqlite_world.token("doc@a.org")
    fid = sqlite_world.client.post("/api/v1/families", json={"name": label}, headers=h).json()["id"]
    sqlite_world.client.post("/api/v1/patients", json={"label": label, "sex": "male", "family_id": fid}, headers=h)
    browser = sqlite_world.login("doc@a.org")
    svg = browser.get(f"/families/{fid}/pedigree.svg").text
    root = ET.fromstring(svg)  # well-formed
    assert not [e for e in root.iter() if any(k.startswith("on") for k in e.attrib)]
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert label in texts
    assert all(re.fullmatch(r"member-[IVXLCDM]+-\d+", g.get("id", "")) for g in root.iter("{http://www.w3.org/2000/svg}g")
               if g.get("class") == "member")


def test_cli_svg__hostile_ids_are_inert(tmp_path: Path) -> None:
    from aatd.cli import main

    doc = {"country": "USA", "members": [{"id": text, "sex": "male"} for text in HOSTILE_TEXT]}
    source, out = tmp_path / "evil.json", tmp_path / "out.svg"
    source.write_text(json.dumps(doc))
    main(["pedigree", str(source), "--svg", str(out)])  # returns normally on success
    root = ET.fromstring(out.read_text())
    assert not [e for e in root.iter() if any(k.startswith("on") for k in e.attrib)]
    assert sorted(g.get("data-member") for g in root.iter("{http://www.w3.org/2000/svg}g")
                  if g.get("class") == "member") == sorted(HOSTILE_TEXT)


def _pdf_text(pdf: bytes) -> str:
    """The page content streams of a reportlab PDF (ASCII85 + Flate encoded), as text."""
    import base64
    import zlib

    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data, adobe=True) if data.startswith(b"<~") else base64.a85decode(data[:-2])
        try:
            chunks.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            chunks.append(data.decode("latin-1"))
    return "\n".join(chunks)


def test_pdf__long_notes_print_and_entities_show_as_characters(sqlite_world: World) -> None:
    h = sqlite_world.token("doc@a.org")
    pid = sqlite_world.client.post("/api/v1/patients", json={"label": "<b>Ann</b> & co", "sex": "female"},
                                   headers=h).json()["id"]
    url = f"/api/v1/patients/{pid}/results"
    notes = ["line\n" * 399, "x" * 2000, "FEV1 < 80% & AAT > 11", '<script>alert("x")</script>']
    for note in notes:
        response = sqlite_world.client.post(url, headers=h, json={"kind": "crp", "taken_on": "2024-01-01",
                                                                  "value": 3, "note": note})
        assert response.status_code == 201, response.text
    level = {"kind": "level", "taken_on": "2024-01-01", "value": "<20", "unit": "mg/dL"}
    assert sqlite_world.client.post(url, headers=h, json=level).status_code == 201
    browser = sqlite_world.login("doc@a.org")
    pdf = browser.get(f"/patients/{pid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert "&lt;" not in text and "&amp;" not in text
    assert "(FEV1 < 80% & AAT > 11)" in text or "FEV1 < 80% & AAT > 11" in text
    assert text.count("(line)") >= 399


def test_public_family_picture__quotes_in_names_stay_text(sqlite_world: World) -> None:
    client = TestClient(sqlite_world.app)
    data = {"tree": "1", "p1": "MZ", "p2": "MZ", "m0_name": 'Mum "Mary" <b>', "m0_sex": "female"}
    page = client.post("/public/our-family", data=data)
    assert page.status_code in (200, 422)
    assert '"Mary" <b>' not in page.text


def test_nul_bytes__4xx_on_both_databases(world: World) -> None:
    """PostgreSQL cannot store NUL; it gave 500 on search, login and token (review L1)."""
    token = world.client.post("/api/v1/auth/token", json={"email": "a\u0000@a.org", "password": "x"})
    _shape(token, 422)
    h = world.token("doc@a.org")
    _shape(world.client.get("/api/v1/patients?q=a%00b", headers=h), 422)
    browser = TestClient(world.app)
    page = browser.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    login = browser.post("/login", data={"email": "a\x00@a.org", "password": "x", "csrf_token": csrf})
    assert 400 <= login.status_code < 500
    doc = world.login("doc@a.org")
    search = doc.get("/patients", params={"q": "a\x00b"})
    assert search.status_code < 500 and "Traceback" not in search.text


# --- workspace integrity, search, idempotency, host ------------------------------------------------------------

def test_workspace__refuses_impossible_pedigrees_on_edit_and_import(world: World) -> None:
    h = world.token("doc@a.org")
    fid = world.client.post("/api/v1/families", json={"name": "F"}, headers=h).json()["id"]

    def add(label: str, sex: str, **links: int) -> int:
        body = {"label": label, "sex": sex, "family_id": fid, **links}
        response = world.client.post("/api/v1/patients", json=body, headers=h)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    dad = add("Dad", "male")
    son = add("Son", "male", father_id=dad)
    cycle = world.client.patch(f"/api/v1/patients/{dad}", json={"father_id": son}, headers=h)
    assert "nobody is their own ancestor" in str(_shape(cycle, 422)["error"])
    flip = world.client.patch(f"/api/v1/patients/{dad}", json={"sex": "female"}, headers=h)
    assert "father" in str(_shape(flip, 422)["error"])
    assert world.client.get(f"/api/v1/patients/{dad}", headers=h).json()["sex"] == "male"
    members = [{"id": "a", "sex": "male", "father": "b"}, {"id": "b", "sex": "male", "father": "a"}]
    _shape(world.client.post("/api/v1/families/import", json={"members": members}, headers=h), 422)
    flag = world.client.post("/api/v1/families/import", headers=h,
                             json={"members": [{"id": "a", "sex": "male", "proband": "false"}]})
    assert "true or false" in str(_shape(flag, 422)["error"])
    families = world.client.get("/api/v1/families", headers=h).json()
    assert [f["id"] for f in families] == [fid]  # nothing half-imported


def test_search__like_wildcards_are_literal(world: World) -> None:
    h = world.token("doc@a.org")
    for label in ("Ann", "Bob", "50%_off"):
        world.client.post("/api/v1/patients", json={"label": label, "sex": "female"}, headers=h)
    for q, expected in (("%", ["50%_off"]), ("_", ["50%_off"]), ("n", ["Ann"]), ("zz", [])):
        found = world.client.get("/api/v1/patients", params={"q": q}, headers=h).json()
        assert [p["label"] for p in found] == expected, q


def test_results__idempotency_key_makes_retries_safe(world: World) -> None:
    h = world.token("doc@a.org")
    pid = world.client.post("/api/v1/patients", json={"label": "A", "sex": "female"}, headers=h).json()["id"]
    other = world.client.post("/api/v1/patients", json={"label": "B", "sex": "female"}, headers=h).json()["id"]
    body = {"kind": "crp", "taken_on": "2024-01-01", "value": 2}
    keyed = {**h, "Idempotency-Key": "retry-1"}
    first = world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=keyed)
    again = world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert len(world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json()) == 1
    _shape(world.client.post(f"/api/v1/patients/{other}/results", json=body, headers=keyed), 409)
    world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=h)
    world.client.post(f"/api/v1/patients/{pid}/results", json=body, headers=h)
    assert len(world.client.get(f"/api/v1/patients/{pid}/results", headers=h).json()) == 3


def test_host_check__unknown_hosts_refused_when_configured(tmp_path: Path) -> None:
    from aatd.web.app import create_app
    from aatd.web.settings import LOCAL_HOSTS, load_settings
    from web.conftest import make_settings

    given = load_settings({"AATD_DATA_DIR": str(tmp_path), "AATD_ALLOWED_HOSTS": "Clinic.example.org, localhost"})
    assert given.allowed_hosts == ("clinic.example.org", "localhost")
    assert load_settings({"AATD_DATA_DIR": str(tmp_path), "AATD_ALLOWED_HOSTS": "*"}).allowed_hosts == ()
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite3'}", allowed_hosts=LOCAL_HOSTS))
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/health", headers={"host": "[::1]:8000"}).status_code == 200
    evil = client.get("/api/v1/health", headers={"host": "evil.example"})
    assert "unknown host" in str(_shape(evil, 400)["error"])
    app.state.engine.dispose()


# --- responsiveness under load (issue 11, second pass) ---------------------------------------------------------------

def test_worker_threads__bounded_per_app_and_validated(tmp_path: Path) -> None:
    """Route functions run on a few worker threads (AATD_WORKER_THREADS), not anyio's 40."""
    import anyio.to_thread

    from aatd.errors import InputError
    from aatd.web.app import create_app
    from aatd.web.settings import load_settings
    from web.conftest import make_settings

    assert load_settings({"AATD_DATA_DIR": str(tmp_path)}).worker_threads == 1
    assert load_settings({"AATD_DATA_DIR": str(tmp_path), "AATD_WORKER_THREADS": "7"}).worker_threads == 7
    for bad in ("0", "-1", "many", "65"):
        with pytest.raises(InputError, match="AATD_WORKER_THREADS"):
            load_settings({"AATD_DATA_DIR": str(tmp_path), "AATD_WORKER_THREADS": bad})
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 't.sqlite3'}", worker_threads=3))
    with TestClient(app) as client:
        tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
        assert tokens == 3
        assert client.get("/api/v1/health").json() == {"ok": True}
    app.state.engine.dispose()


def test_prepare_to_serve__freezes_start_up_objects_and_collects_young_objects_less_often() -> None:
    import gc
    import sys

    from aatd.web.app import GC_FIRST_GENERATION, SWITCH_INTERVAL_S, prepare_to_serve

    before, interval = gc.get_threshold(), sys.getswitchinterval()
    try:
        prepare_to_serve()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == GC_FIRST_GENERATION
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S) and interval > SWITCH_INTERVAL_S
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        sys.setswitchinterval(interval)


def test_engine_pool__heavy_work_runs_in_another_process_and_survives_a_crash() -> None:
    import os
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    from aatd.web.budget import EnginePool
    from aatd.web.errors import ApiError

    pool = EnginePool(processes=1)

    def run(function: object, *args: object) -> object:  # on a fresh event loop in a fresh thread
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(anyio.run, lambda: pool.run(function, *args, budget_s=30.0)).result()  # type: ignore[arg-type]

    try:
        assert run(os.getpid) != os.getpid()
        with pytest.raises(ApiError) as crashed:
            run(os._exit, 1)
        assert crashed.value.status == 503 and "stopped unexpectedly" in crashed.value.error
        assert run(abs, -3) == 3  # a fresh process took over
    finally:
        pool.shutdown()


def test_engine_pool__full_queue_answers_503_at_once(sqlite_world: World) -> None:
    from aatd.web.budget import EnginePool

    sqlite_world.app.state.budget = ComputeBudget(pool=EnginePool(queue=0))
    h = sqlite_world.token("doc@a.org")
    response = sqlite_world.client.post("/api/v1/pedigree", json=_chain(5), headers=h)
    assert "busy" in str(_shape(response, 503)["error"]) and response.headers["retry-after"]


def test_pedigree__engine_errors_keep_their_422_shape_from_the_engine_process(sqlite_world: World) -> None:
    doc = {"country": "USA", "members": [{"id": "a", "sex": "male", "father": "a"}]}
    body = _shape(sqlite_world.client.post("/api/v1/pedigree", json=doc), 422)
    assert body["errors"] and "father" in json.dumps(body)


def test_rate_limit__counts_the_client_behind_a_trusted_proxy_only(tmp_path: Path) -> None:
    """The anonymous rate limit uses the login throttle's address: X-Forwarded-For counts only when a
    trusted proxy sends it (each client behind the proxy has its own bucket), and is ignored otherwise."""
    from aatd.web.app import create_app
    from web.conftest import make_settings

    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'p.sqlite3'}", trusted_proxies=("10.0.0.0/8",)))
    app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=1, burst=1))
    url = "/api/v1/genotype?genotype=ZZ"

    def codes(client: TestClient, *forwarded: str) -> list[int]:
        return [client.get(url, headers={"X-Forwarded-For": f}).status_code for f in forwarded]

    behind_proxy = TestClient(app, client=("10.0.0.2", 4000))
    assert codes(behind_proxy, "198.51.100.7", "198.51.100.8", "198.51.100.7") == [200, 200, 429]
    assert codes(behind_proxy, "6.6.6.6, 198.51.100.9") == [200]  # a forged left part does not count
    direct = TestClient(app, client=("203.0.113.5", 4000))  # not a proxy: its header is ignored
    assert codes(direct, "198.51.100.10", "198.51.100.11") == [200, 429]
    ipv6 = TestClient(app, client=("2001:db8:1:2::1", 4000))
    assert codes(ipv6, "") == [200]
    assert TestClient(app, client=("2001:db8:1:2:ffff::9", 4000)).get(url).status_code == 429  # same /64
    app.state.engine.dispose()


def test_risk__simulation_stops_at_the_time_budget_with_a_503(sqlite_world: World) -> None:
    """The lung simulation checks the request's time budget every simulated year (aatd.limits)."""
    from aatd.limits import TimeBudgetExceeded, time_budget
    from aatd.risk.lung import Profile, simulate

    with time_budget(0.0), pytest.raises(TimeBudgetExceeded, match="lung simulation"):
        simulate(Profile(genotype="ZZ", sex=1, age=40, height_cm=175.0), n=200)
    sqlite_world.app.state.budget = ComputeBudget(budget_s=0.0)
    response = sqlite_world.client.post("/api/v1/risk", json={"genotype": "ZZ", "sex": "male", "age": 40,
                                                               "height_cm": 175})
    body = _shape(response, 503)
    assert "lung simulation" in str(body["error"]) and "time budget" in str(body["error"])
    assert response.headers["retry-after"]


def test_engine_pool__processes_end_when_the_server_is_killed(tmp_path: Path) -> None:
    """kill -9 of the server leaves no engine process behind (they would wait for work forever)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = ("import anyio, os, sys, time\n"
              "from aatd.web.budget import EnginePool\n"
              "pool = EnginePool(processes=1)\n"
              "print(anyio.run(lambda: pool.run(os.getpid, budget_s=30.0)), flush=True)\n"
              "time.sleep(120)\n")
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert server.stdout is not None
        engine = int(server.stdout.readline())
        os.kill(engine, 0)  # running
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(engine, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(engine, signal.SIGKILL)
    pytest.fail(f"engine process {engine} outlived its server")
