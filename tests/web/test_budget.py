"""Engine routes run their engines in the engine processes (aatd.web.budget.EnginePool), with the same answers.

The risk and interpretation API, the public result, lungs and family pages used to run their
engines in worker threads of the server, holding its interpreter lock; they now wait for an
engine process on the event loop. These tests check that every such route goes through the
pool, that its answers are byte for byte those of the old in-thread path, that a full queue
and engine errors keep the one error shape, and that the health check answers while an
engine request waits.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aatd.clinic.answers import InterpretationAnswer
from aatd.clinic.interpretation import describe_interpretation
from aatd.errors import InputError
from aatd.limits import time_budget
from aatd.risk.answers import RiskAnswer, describe_risk
from aatd.web.api.clinic import InterpretIn
from aatd.web.api.risk import RISK_SIMULATIONS, RiskIn
from aatd.web.budget import ComputeBudget, EnginePool, RateLimiter
from web.conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

RISKS: list[dict[str, Any]] = [
    {"genotype": "ZZ", "sex": "male", "age": 40, "height_cm": 178, "smoking": "current", "pack_years": 20,
     "scenarios": ["quit@45"]},
    {"genotype": "MZ", "sex": "female", "age": 55, "height_cm": 160, "smoking": "former", "pack_years": 10,
     "quit_age": 40, "alcohol": "heavy", "bmi": 31},
    {"genotype": "SZ", "sex": "female", "age": 30, "height_cm": 165, "fev1": 2.9, "augmentation": True},
]
INTERPRETATIONS: list[dict[str, Any]] = [
    {"genotype": "MZ", "level": "95", "unit": "mg/dL", "crp": "3"},
    {"level": 0.4, "unit": "g/L", "phenotype": "PI*ZZ", "smoking": "current", "fev1_pct": 45},
    {"genotype": "ZZ", "level": 140, "unit": "mg/dL", "crp": 40, "age": 30, "pregnant": True},
]
PAGES: list[tuple[str, dict[str, str]]] = [
    ("/public/my-result", {"submitted": "1", "level": "60", "unit": "mg/dL", "kind": "genotype", "result": "SZ",
                           "crp": "12", "smoking": "former"}),
    ("/public/my-result", {"submitted": "1", "kind": "genotype", "result": "Z" * 200}),
    ("/public/my-result.pdf", {"submitted": "1", "kind": "phenotype", "result": "MZ"}),
    ("/public/my-lungs", {"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "45", "height_cm": "180",
                          "smoking": "current", "pack_years": "25", "weight": "80"}),
    ("/public/my-lungs", {"submitted": "1", "genotype": "QQ", "sex": "female", "age": "45", "height_cm": "170"}),
    ("/public/my-lungs.pdf", {"submitted": "1", "genotype": "MZ", "sex": "female", "age": "50", "height_cm": "165"}),
    ("/public/our-family", {"tree": "1", "country": "Ireland", "m0_name": "Ann", "m0_sex": "female",
                            "m0_result": "ZZ", "m1_name": "Bob", "m1_sex": "male", "m1_result": "MS",
                            "m2_name": "Cy \"the kid\"", "m2_sex": "male", "m2_father": "Bob", "m2_mother": "Ann"}),
    ("/public/our-family", {"tree": "1", "m0_name": "Ann", "m0_father": "Ann"}),
]


class RecordingPool(EnginePool):
    """The engine processes, noting which functions were sent to them."""

    def __init__(self) -> None:
        super().__init__(processes=1)
        self.functions: list[str] = []

    async def run(self, function: Callable[..., Any], *args: Any, budget_s: float) -> Any:
        self.functions.append(f"{function.__module__}.{function.__qualname__}")
        return await super().run(function, *args, budget_s=budget_s)


class ThreadPool(EnginePool):
    """The old path: the engine in a worker thread of the server, under the same time budget."""

    async def run(self, function: Callable[..., Any], *args: Any, budget_s: float) -> Any:
        def call() -> Any:
            with time_budget(budget_s):
                return function(*args)

        return await anyio.to_thread.run_sync(call)


def _budget(pool: EnginePool) -> ComputeBudget:
    return ComputeBudget(limiter=RateLimiter(per_minute=1e6, burst=1e6), pool=pool)


@pytest.fixture(scope="module")
def recording_pool() -> Any:
    pool = RecordingPool()
    yield pool
    pool.shutdown()


def _shape(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = json.loads(response.text)
    assert body["ok"] is False and body["status"] == status and isinstance(body["error"], str)
    assert isinstance(body["errors"], list)
    return body


def _old_api() -> TestClient:
    """The API routes as they were: sync, the core's answer returned to FastAPI to validate and write."""
    app = FastAPI()

    @app.post("/api/v1/risk")
    def risk(payload: RiskIn) -> RiskAnswer:
        return describe_risk(**payload.model_dump(), n=RISK_SIMULATIONS, seed=0)

    @app.post("/api/v1/interpret")
    def interpret(payload: InterpretIn) -> InterpretationAnswer:
        return describe_interpretation(**payload.model_dump(exclude_none=True))

    return TestClient(app)


@pytest.mark.parametrize(("path", "given"), [("/api/v1/risk", r) for r in RISKS]
                         + [("/api/v1/interpret", i) for i in INTERPRETATIONS])
def test_api__answer_from_the_engine_process_is_the_old_answer_byte_for_byte(
        sqlite_world: World, recording_pool: RecordingPool, path: str, given: dict[str, Any]) -> None:
    sqlite_world.app.state.budget = _budget(recording_pool)
    recording_pool.functions.clear()
    new = sqlite_world.client.post(path, json=given)
    old = _old_api().post(path, json=given)
    assert new.status_code == old.status_code == 200, new.text
    assert new.headers["content-type"] == old.headers["content-type"]
    assert new.content == old.content
    assert recording_pool.functions == [{"/api/v1/risk": "aatd.web.api.risk.risk_json",
                                         "/api/v1/interpret": "aatd.web.api.clinic.interpretation_json"}[path]]


@pytest.mark.parametrize(("path", "fields"), PAGES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(PAGES)])
def test_public_pages__engine_in_a_process_gives_the_page_of_the_old_path(
        sqlite_world: World, recording_pool: RecordingPool, path: str, fields: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "invariant", 1)  # PDFs without creation time and random id
    sqlite_world.app.state.budget = _budget(ThreadPool())
    old = sqlite_world.client.post(path, data=fields, headers={"Accept-Language": "es"})
    sqlite_world.app.state.budget = _budget(recording_pool)
    recording_pool.functions.clear()
    new = sqlite_world.client.post(path, data=fields, headers={"Accept-Language": "es"})
    assert new.status_code == old.status_code
    assert new.headers["content-type"] == old.headers["content-type"]
    assert new.content == old.content
    engine = {"/public/my-result": "interpretation", "/public/my-lungs": "lung_risk",
              "/public/our-family": "family_tree"}[path.removesuffix(".pdf")]
    assert recording_pool.functions == [f"aatd.web.public.engines.{engine}"]


def test_public_pages__spanish_words_made_around_the_engine_process(sqlite_world: World,
                                                                     recording_pool: RecordingPool) -> None:
    """The engine processes translate nothing: the page's words are in the request's language."""
    sqlite_world.app.state.budget = _budget(recording_pool)
    page = sqlite_world.client.post("/public/my-lungs?lang=es", data=dict(PAGES[3][1]))
    assert page.status_code == 200 and 'lang="es"' in page.text and "Si nada cambia" in page.text


@pytest.mark.parametrize(("path", "given"), [
    ("/api/v1/risk", RISKS[0]), ("/api/v1/interpret", INTERPRETATIONS[0]),
    ("/public/my-result", PAGES[0][1]), ("/public/my-lungs", PAGES[3][1]), ("/public/our-family", PAGES[6][1]),
])
def test_engine_routes__full_queue_is_a_503_in_the_one_shape(sqlite_world: World, path: str,
                                                               given: dict[str, Any]) -> None:
    sqlite_world.app.state.budget = _budget(EnginePool(queue=0))
    if path.startswith("/api/"):
        response = sqlite_world.client.post(path, json=given)
    else:
        response = sqlite_world.client.post(path, data=given, headers={"Accept": "application/json"})
    assert "busy" in str(_shape(response, 503)["error"]) and int(response.headers["retry-after"]) > 0


@pytest.mark.parametrize(("path", "given"), [
    ("/api/v1/risk", {"genotype": "QQ", "sex": "male", "age": 40, "height_cm": 175}),
    ("/api/v1/risk", {"genotype": "ZZ", "sex": "male", "age": 40, "height_cm": 175, "scenarios": ["fly"]}),
    ("/api/v1/interpret", {"genotype": "ZZZ"}),
    ("/api/v1/interpret", {"level": "lots", "unit": "mg/dL"}),
])
def test_engine_routes__engine_errors_keep_the_422_shape(sqlite_world: World, recording_pool: RecordingPool,
                                                           path: str, given: dict[str, Any]) -> None:
    """An error raised in the engine process is the error the core raises in this one, in the one shape."""
    sqlite_world.app.state.budget = _budget(recording_pool)
    new = _shape(sqlite_world.client.post(path, json=given), 422)
    with pytest.raises(InputError) as old:
        if path == "/api/v1/risk":
            describe_risk(**given, n=RISK_SIMULATIONS, seed=0)
        else:
            describe_interpretation(**given)
    assert new["error"] == str(old.value)
    assert new["errors"] == [old.value.as_dict()]


def test_engine_routes__time_budget_is_a_503_from_the_engine_process(sqlite_world: World) -> None:
    sqlite_world.app.state.budget = ComputeBudget(budget_s=0.0, limiter=RateLimiter(per_minute=1e6, burst=1e6))
    response = sqlite_world.client.post("/api/v1/risk", json=RISKS[0])
    assert "time budget" in str(_shape(response, 503)["error"])
    page = sqlite_world.client.post("/public/my-lungs", data=PAGES[3][1], headers={"Accept": "application/json"})
    assert "time budget" in str(_shape(page, 503)["error"])


def test_health__answers_while_engine_requests_wait_for_a_process(sqlite_world: World) -> None:
    """With the only engine process busy (a 3 s job), risk, interpretation and page requests wait on the
    event loop, holding no worker thread and no lock: the health check answers meanwhile, every time."""
    pool = EnginePool(processes=1)
    sqlite_world.app.state.budget = _budget(pool)
    pool.start()
    finished: dict[str, float] = {}
    health_times: list[float] = []

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=sqlite_world.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            async def engine(name: str, send: Callable[[], Any]) -> None:
                response = await send()
                assert response.status_code == 200, response.text
                finished[name] = time.monotonic()

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(partial(pool.run, time.sleep, 3.0, budget_s=30.0))  # occupies the only process
                await anyio.sleep(0.2)
                tasks.start_soon(engine, "risk", lambda: client.post("/api/v1/risk", json=RISKS[2]))
                tasks.start_soon(engine, "interpret", lambda: client.post("/api/v1/interpret",
                                                                          json=INTERPRETATIONS[0]))
                tasks.start_soon(engine, "page", lambda: client.post("/public/my-result", data=PAGES[0][1]))
                for _ in range(10):
                    await anyio.sleep(0.1)
                    response = await client.get("/api/v1/health")
                    assert response.json() == {"ok": True}
                    health_times.append(time.monotonic())

    try:
        with ThreadPoolExecutor(1) as thread:  # a fresh event loop in a fresh thread (another may be running here)
            thread.submit(anyio.run, scenario).result()
    finally:
        pool.shutdown()
    assert len(health_times) == 10 and set(finished) == {"risk", "interpret", "page"}
    assert max(health_times) < min(finished.values())  # every health answer came while all three waited


RISK_QUERIES: list[tuple[dict[str, Any], bool, int, int]] = [  # query, simulated?, page status, plot status
    ({"age": "50", "height_cm": "170", "smoking": "current", "pack_years": "20", "dust": "on",
      "alcohol": "moderate", "scenario": ["quit", "no-dust"], "scenario_text": "augmentation@55"}, True, 200, 200),
    ({"age": "60", "height_cm": "158", "smoking": "former", "pack_years": "12", "quit_age": "45", "asthma": "on"},
     True, 200, 200),
    ({"age": "60", "height_cm": "tall"}, False, 422, 422),  # refused by the page before any engine work
    ({"age": "60", "height_cm": "170", "scenario_text": "fly"}, True, 422, 422),  # refused by the engine
    ({}, False, 200, 422),  # the record lacks the age and height: the form says so, no engine work
]


def test_clinician_risk__engine_in_a_process_gives_the_page_of_the_old_path(
        sqlite_world: World, recording_pool: RecordingPool) -> None:
    """The clinician risk page and its plot: the simulation runs in an engine process, and the page,
    status and headers are byte for byte those of the simulation in a worker thread (the old path)."""
    from web.clinician.test_risk import _patient

    browser, pid, _token = _patient(sqlite_world)
    for query, simulated, page_status, plot_status in RISK_QUERIES:
        for path, status in ((f"/patients/{pid}/risk", page_status), (f"/patients/{pid}/risk.svg", plot_status)):
            sqlite_world.app.state.budget = _budget(ThreadPool())
            old = browser.get(path, params=query)  # type: ignore[attr-defined]
            sqlite_world.app.state.budget = _budget(recording_pool)
            recording_pool.functions.clear()
            new = browser.get(path, params=query)  # type: ignore[attr-defined]
            case = f"{path} {query}"
            assert new.status_code == old.status_code == status, case
            assert new.headers["content-type"] == old.headers["content-type"], case
            assert new.content == old.content, case
            assert recording_pool.functions == (["aatd.web.public.engines.lung_risk"] if simulated else []), case
            if status == 200 and simulated:
                assert ("<svg" in new.text) if path.endswith(".svg") else ('id="scenarios"' in new.text), case


def test_clinician_risk__full_queue_is_a_503_and_a_failed_save_keeps_the_record(sqlite_world: World) -> None:
    from web.clinician.test_risk import _patient

    browser, pid, token = _patient(sqlite_world)
    sqlite_world.app.state.budget = _budget(EnginePool(queue=0))
    query = {"age": "50", "height_cm": "170"}
    busy = browser.get(f"/patients/{pid}/risk", params=query, headers={"Accept": "application/json"})  # type: ignore[attr-defined]
    assert "busy" in str(_shape(busy, 503)["error"]) and int(busy.headers["retry-after"]) > 0
    page = browser.get(f"/patients/{pid}/risk", params=query)  # type: ignore[attr-defined]
    assert page.status_code == 503 and "text/html" in page.headers["content-type"] and "busy" in page.text
    sqlite_world.app.state.budget = _budget(ThreadPool())
    saved = browser.post(f"/patients/{pid}/risk-profile", data={  # type: ignore[attr-defined]
        "height_cm": "165", "smoking": "never", "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303
    refused = browser.post(f"/patients/{pid}/risk-profile", data={  # type: ignore[attr-defined]
        "height_cm": "999", "smoking": "never", "pack_years": "x", "csrf_token": token})
    assert refused.status_code == 422 and "height_cm" in refused.text
    assert 'value="165"' in browser.get(f"/patients/{pid}/risk").text  # type: ignore[attr-defined]


def test_patient_pdf__risk_scenarios_simulated_in_an_engine_process_give_the_pdf_of_the_old_path(
        sqlite_world: World, recording_pool: RecordingPool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The patient PDF's risk scenarios run in an engine process (no worker thread is held while they
    simulate); the PDF is byte for byte the one with the simulation in a worker thread (the old path), for a
    record that lacks what the model needs, a current smoker (quit and augmentation scenarios) and a former
    smoker, and a record the model refuses."""
    from reportlab import rl_config

    from web.clinician.test_documents import pdf_text
    from web.clinician.test_risk import _patient

    monkeypatch.setattr(rl_config, "invariant", 1)  # PDFs without creation time and random id
    browser, pid, token = _patient(sqlite_world)
    records: list[tuple[dict[str, str], bool, str]] = [  # the record's details and risk profile, simulated?, text
        ({}, False, "the age (or a birth year on the record)"),
        ({"birth_year": "1975", "height_cm": "165", "smoking": "current", "pack_years": "10"}, True, "stop smoking"),
        ({"birth_year": "1960", "height_cm": "158", "smoking": "former", "pack_years": "12", "quit_age": "45"},
         True, "COPD by 70"),
        ({"birth_year": "2020", "height_cm": "120", "smoking": "never"}, True, "No estimate: age"),
    ]
    for record, simulated, words in records:
        if record:
            details = browser.post(f"/patients/{pid}/details", data={  # type: ignore[attr-defined]
                "label": "Proband", "sex": "female", "birth_year": record["birth_year"], "csrf_token": token},
                follow_redirects=False)
            profile = browser.post(f"/patients/{pid}/risk-profile", data={  # type: ignore[attr-defined]
                "height_cm": record["height_cm"], "smoking": record["smoking"],
                "pack_years": record.get("pack_years", ""), "quit_age": record.get("quit_age", ""),
                "csrf_token": token}, follow_redirects=False)
            assert details.status_code == profile.status_code == 303, (details.text, profile.text)
        sqlite_world.app.state.budget = _budget(ThreadPool())
        old = browser.get(f"/patients/{pid}/report.pdf")  # type: ignore[attr-defined]
        sqlite_world.app.state.budget = _budget(recording_pool)
        recording_pool.functions.clear()
        new = browser.get(f"/patients/{pid}/report.pdf")  # type: ignore[attr-defined]
        assert new.status_code == old.status_code == 200, record
        assert new.headers["content-type"] == old.headers["content-type"] == "application/pdf"
        assert new.headers["content-disposition"] == old.headers["content-disposition"]
        assert new.content == old.content, record
        assert recording_pool.functions == (["aatd.web.public.engines.lung_risk"] if simulated else []), record
        assert words in pdf_text(new.content), record


def test_patient_pdf__full_engine_queue_is_a_503_in_the_one_shape(sqlite_world: World) -> None:
    from web.clinician.test_risk import _patient

    browser, pid, token = _patient(sqlite_world)
    browser.post(f"/patients/{pid}/details", data={  # type: ignore[attr-defined]
        "label": "Proband", "sex": "female", "birth_year": "1975", "csrf_token": token})
    browser.post(f"/patients/{pid}/risk-profile", data={  # type: ignore[attr-defined]
        "height_cm": "165", "smoking": "never", "csrf_token": token})
    sqlite_world.app.state.budget = _budget(EnginePool(queue=0))
    busy = browser.get(f"/patients/{pid}/report.pdf", headers={"Accept": "application/json"})  # type: ignore[attr-defined]
    assert "busy" in str(_shape(busy, 503)["error"]) and int(busy.headers["retry-after"]) > 0


# --- ninth wave: every logged-in engine path runs under the logged-in time budget -----------------------------------


class BudgetPool(EnginePool):
    """The engine processes, noting the time budget each job was given."""

    def __init__(self) -> None:
        super().__init__(processes=1)
        self.budgets: list[float] = []

    async def run(self, function: Callable[..., Any], *args: Any, budget_s: float) -> Any:
        self.budgets.append(budget_s)
        return await super().run(function, *args, budget_s=budget_s)


def _chain(generations: int) -> dict[str, Any]:
    members: list[dict[str, Any]] = [{"id": "g0", "sex": "male", "genotype": "ZZ"}, {"id": "w0", "sex": "female"}]
    for i in range(1, generations):
        members += [{"id": f"g{i}", "sex": "male", "father": f"g{i - 1}", "mother": f"w{i - 1}"},
                    {"id": f"w{i}", "sex": "female"}]
    return {"country": "USA", "members": members}


def test_api_pedigree__with_a_token_runs_under_the_logged_in_budget_and_503_names_the_step(
        sqlite_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A logged-in pedigree (more members than anonymous callers may send) gets the 60 s budget; with a spent
    budget the answer is a 503 in the one error shape naming the step that ran out of time, not an unbounded run."""
    from aatd.web import budget

    pool = BudgetPool()
    try:
        sqlite_world.app.state.budget = _budget(pool)
        headers = sqlite_world.token("doc@a.org")
        ok = sqlite_world.client.post("/api/v1/pedigree?plan=true", json=_chain(60), headers=headers)
        assert ok.status_code == 200, ok.text
        assert len(ok.json()["prospective_children"]) == 59
        assert budget.SIGNED_IN_BUDGET_S == 60.0 and pool.budgets == [60.0]
        monkeypatch.setattr(budget, "SIGNED_IN_BUDGET_S", 0.0)
        spent = sqlite_world.client.post("/api/v1/pedigree?plan=true", json=_chain(61), headers=headers)
        error = str(_shape(spent, 503)["error"])
        assert error.startswith("pedigree inference (") and "time budget of 0 s" in error, error
        assert int(spent.headers["retry-after"]) > 0 and pool.budgets[-1] == 0.0
    finally:
        pool.shutdown()


def test_clinician_family_paths__run_under_the_logged_in_budget_and_503_names_the_step(
        sqlite_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The family page, its drawing, the family PDF, a relative's letter and the patient PDF compute the family's
    inference, plan and drawing under the logged-in budget: spent, each answers 503 naming the step, caches
    nothing, and answers normally once the budget allows."""
    from aatd.web import budget
    from aatd.web.clinician import answers
    from web.clinician.test_risk import _patient

    browser, pid, _token = _patient(sqlite_world)
    page = browser.get(f"/patients/{pid}")  # type: ignore[attr-defined]
    family_id = int(page.text.split('href="/families/')[1].split('"')[0].split("/")[0])
    paths = [f"/families/{family_id}", f"/families/{family_id}/pedigree.svg", f"/families/{family_id}/report.pdf",
             f"/families/{family_id}/letters/{pid}.pdf", f"/patients/{pid}/report.pdf"]
    monkeypatch.setattr(budget, "SIGNED_IN_BUDGET_S", 0.0)
    for path in paths:
        answers._family_answers.cache_clear()
        spent = browser.get(path, headers={"Accept": "application/json"})  # type: ignore[attr-defined]
        error = str(_shape(spent, 503)["error"])
        assert error.startswith("pedigree ") and "time budget of 0 s" in error, (path, error)
        assert answers._family_answers.cache_info().currsize == 0, path
    monkeypatch.setattr(budget, "SIGNED_IN_BUDGET_S", 60.0)
    for path in paths:
        assert browser.get(path).status_code == 200, path  # type: ignore[attr-defined]
