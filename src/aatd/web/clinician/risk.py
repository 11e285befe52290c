"""Risk page of a patient: lifetime FEV1 trajectory with scenarios, measured FEV1 over the bands.

The page opens with a form filled from the record (age from the birth year; height, smoking,
pack-years and quit age as stored on the patient). It asks for every exposure ``aatd risk``
takes and passes them to the same core function (:func:`aatd.risk.answers.describe_risk`),
which validates them: the form's bounds come from :func:`aatd.risk.answers.input_limits`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aatd.errors import InputError
from aatd.knowledge.life_tables import DEFAULT_COUNTRY, life_table_countries
from aatd.limits import LABEL, check_text, typed_number
from aatd.risk.answers import SUMMARY_AGES, input_limits
from aatd.risk.liver import ALCOHOL_GRAMS
from aatd.risk.lung import ASCERTAINMENT, SMOKING
from aatd.risk.plots import plot_data
from aatd.web.budget import Caller, EngineCaller
from aatd.web.clinician.plots import trajectory_svg
from aatd.web.clinician.rendering import render, see_other
from aatd.web.deps import Db, DbRoute, PageUser, Principal, in_this_thread
from aatd.web.models import Patient, Result, User
from aatd.web.public import engines
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute)
PatientId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SIMULATIONS = 2000
NUMBERS = ("age", "height_cm", "pack_years", "quit_age", "smoking_start_age", "cigarettes_per_day", "bmi")
FLAGS = ("secondhand_smoke", "dust", "family_emphysema", "asthma", "infections", "diabetes", "augmentation")
FLAG_LABELS = {"secondhand_smoke": "Exposed to other people's smoke", "dust": "Dusty or fume-laden work or home",
               "family_emphysema": "A relative with emphysema", "asthma": "Asthma", "infections":
               "Repeated chest infections or pneumonia", "diabetes": "Diabetes",
               "augmentation": "Receiving weekly IV augmentation"}
ASCERTAINMENT_LABELS = {"unknown": "not known (register mix)", "index": "own lung disease (index case)",
                        "family": "testing of a relative", "screened": "screening"}
ALCOHOL_LABELS = {"none": "none", "moderate": "moderate (about 25 g a day)", "heavy": "heavy (about 50 g a day)",
                  "very_heavy": "very heavy (about 100 g a day)"}
SMOKING_LABELS = {"never": "never smoked", "former": "former smoker", "current": "current smoker"}
SCENARIO_AGES = (60, 70, 80)
_MAX_FIELD = 40
_MAX_SCENARIOS = 6
"""Scenarios ticked on the form (four boxes; a hand-made query may send more, which are refused)."""


def _number(field: str, text: str | None) -> float | None:
    """A form number (blank is ``None``); a word is refused naming the field, the core checks the range."""
    if text is None or not text.strip():
        return None
    return typed_number(field, text, "a number")


def _life_table_country(family_country: str | None) -> str:
    """The family's country when it has a life table (the form's starting choice), else the default."""
    names = {c.lower(): c for c in life_table_countries()}
    return names.get((family_country or "").strip().lower(), DEFAULT_COUNTRY)


def _form(patient: Patient, query: dict[str, str], scenarios: list[str],
          family_country: str | None = None) -> dict[str, Any]:
    """The form's values: what was submitted, and the record's values for whatever was left blank (the
    life table starts at the family's country when it has one)."""
    age = dt.date.today().year - patient.birth_year if patient.birth_year else None
    stored = {"age": age, "height_cm": patient.height_cm, "pack_years": patient.pack_years,
              "quit_age": patient.quit_age}
    form: dict[str, Any] = {k: "" if v is None else f"{v:g}" for k, v in stored.items()}
    form |= {"smoking": patient.smoking or "never", "ascertainment": "unknown", "alcohol": "none",
             "scenario_text": "", "country": _life_table_country(family_country)}
    for key in (*NUMBERS, "smoking", "ascertainment", "alcohol", "scenario_text", "country"):
        value = str(query.get(key, "")).strip()
        if value:
            form[key] = value
        form.setdefault(key, "")
    form |= {flag: query.get(flag) == "on" for flag in FLAGS}
    form["scenarios"] = list(scenarios)
    return form


def _check_lengths(form: dict[str, Any]) -> None:
    """Refuse a field or a scenario list longer than the form takes (they were cut without a word, so a
    41-digit height was read as its first 40 digits and a seventh scenario dropped)."""
    for key in (*NUMBERS, "smoking", "ascertainment", "alcohol", "country"):
        check_text(key, form[key], _MAX_FIELD)
    check_text("scenario_text", form["scenario_text"], LABEL)
    for scenario in form["scenarios"]:
        check_text("scenario", scenario, _MAX_FIELD)
    if len(form["scenarios"]) > _MAX_SCENARIOS:
        raise InputError("scenario", form["scenarios"], f"at most {_MAX_SCENARIOS} ticked scenarios")


def _needs(patient: Patient, results: list[Result], form: dict[str, Any]) -> list[str]:
    """What the record or the form must still give before an estimate can be made (not an error)."""
    missing = []
    if not any(r.kind == "genotype" and r.text for r in results):
        missing.append("a genotype result on the patient's record")
    if patient.sex not in ("male", "female"):
        missing.append("the patient's sex (male or female, for the reference equations)")
    if not form.get("age"):
        missing.append("the age (or a birth year on the record)")
    if not form.get("height_cm"):
        missing.append("the height in cm")
    return missing


def _inputs(patient: Patient, results: list[Result], form: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    genotypes = [r.text for r in results if r.kind == "genotype" and r.text]
    numbers = {k: _number(k, form.get(k)) for k in NUMBERS}
    measured: list[tuple[float, float]] = []
    if patient.birth_year:
        measured = [(r.taken_on.year - patient.birth_year, r.fev1_l) for r in results
                    if r.kind == "spirometry" and r.fev1_l is not None]
    latest = [r.fev1_l for r in results if r.kind == "spirometry" and r.fev1_l is not None]
    scenarios = [s for s in form["scenarios"] if s] + [s.strip() for s in form["scenario_text"].split(",")
                                                       if s.strip()]
    inputs: dict[str, Any] = {"genotype": genotypes[-1], "sex": patient.sex, **numbers,
                              "smoking": form["smoking"] or "never", "alcohol": form["alcohol"] or "none",
                              "ascertainment": form["ascertainment"] or "unknown",
                              "country": form["country"] or DEFAULT_COUNTRY,
                              **{flag: bool(form.get(flag)) for flag in FLAGS},
                              "fev1": latest[-1] if latest else None, "scenarios": list(dict.fromkeys(scenarios)),
                              "n": SIMULATIONS, "seed": 0}
    return inputs, measured


def _read(db: Session, user: User, patient_id: int, query: dict[str, str],
          scenarios: list[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """In a worker thread: the patient's record and the form (the transaction ends here, see
    :func:`aatd.web.deps.in_this_thread`), and the engine's inputs (``None`` when the record or the
    form lacks something, said in ``needs``, or a field was refused, said in ``error``)."""
    with in_this_thread(db):
        ws = Workspace(db, user)
        patient = ws.patient(patient_id)
        results = list(ws.results(patient))
        family_country = ws.family(patient.family_id, audit_read=False).country
    form = _form(patient, query, scenarios, family_country)
    found: dict[str, Any] = {"patient": patient, "form": form, "answer": None, "measured": [], "error": None,
                             "needs": _needs(patient, results, form)}
    try:
        _check_lengths(form)
    except InputError as exc:
        found["error"] = exc
        return found, None
    if found["needs"]:
        return found, None
    try:
        inputs, found["measured"] = _inputs(patient, results, form)
    except InputError as exc:
        found["error"] = exc
        return found, None
    return found, inputs


async def _answer(db: Session, principal: Principal, caller: Caller, patient_id: int, query: dict[str, str],
                  scenarios: list[str]) -> dict[str, Any]:
    """The record read in a worker thread, then the simulation in an engine process
    (:class:`aatd.web.budget.EnginePool`, with the logged-in time budget and the queue cap: a
    full queue is a 503), as the public lungs page and ``/api/v1/risk`` run it."""
    found, inputs = await run_in_threadpool(_read, db, principal.user, patient_id, query, scenarios)
    if inputs is not None:
        try:
            found["answer"] = await caller.run(engines.lung_risk, inputs)
        except InputError as exc:
            found["error"] = exc
    return found


def scenario_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per scenario (``as now`` first): COPD and death by each of :data:`SCENARIO_AGES`."""
    def at(outcomes: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        return {int(o["age"]): o for o in outcomes}

    rows = [{"name": "As now", "description": "no change", "by_age": at(answer["outcomes"])}]
    rows += [{"name": name, "description": s["description"], "by_age": at(s["outcomes"])}
             for name, s in answer["scenarios"].items()]
    return rows


def _context(found: dict[str, Any], request: Request) -> dict[str, Any]:
    answer = found["answer"]
    rows = answer["outcomes"] if answer else []
    limits = input_limits()
    return found | {
        "outcomes": [o for o in rows if int(o["age"]) in SUMMARY_AGES or o is rows[0]],
        "scenario_rows": scenario_rows(answer) if answer else [], "scenario_ages": SCENARIO_AGES,
        "query": request.url.query, "limits": limits, "flag_labels": FLAG_LABELS,
        "smoking_labels": SMOKING_LABELS,
        "ascertainment_labels": {k: ASCERTAINMENT_LABELS[k]
                                 for k in sorted(ASCERTAINMENT, key=lambda k: k != "unknown")},
        "alcohol_labels": {k: ALCOHOL_LABELS.get(k, k.replace("_", " ")) for k in ALCOHOL_GRAMS},
        "smoking_choices": SMOKING, "countries": life_table_countries(),
    }


def _query(request: Request) -> tuple[dict[str, str], list[str]]:
    """The form's fields and the chosen scenarios from the query string."""
    return ({k: v for k, v in request.query_params.items() if k != "scenario"},
            request.query_params.getlist("scenario"))


@router.get("/patients/{patient_id}/risk")
async def risk_page(request: Request, patient_id: PatientId, principal: PageUser, caller: EngineCaller,
                    db: Db) -> Response:
    """The risk form (filled from the record), then the trajectory plot, the outcome and scenario tables."""
    found = await _answer(db, principal, caller, patient_id, *_query(request))
    return await run_in_threadpool(render, request, "risk.html", principal, status_code=422 if found["error"] else 200,
                                   **_context(found, request))


def _plot(found: dict[str, Any]) -> Response:
    svg = trajectory_svg(plot_data(found["answer"]), found["measured"], f"Predicted FEV1 of {found['patient'].label}")
    return Response(svg, media_type="image/svg+xml")


@router.get("/patients/{patient_id}/risk.svg")
async def risk_plot(request: Request, patient_id: PatientId, principal: PageUser, caller: EngineCaller,
                    db: Db) -> Response:
    """The trajectory plot as SVG, measured FEV1 points drawn over the predicted bands."""
    found = await _answer(db, principal, caller, patient_id, *_query(request))
    if found["answer"] is None:
        raise found["error"] or InputError("patient", patient_id, "; ".join(found["needs"]))
    return await run_in_threadpool(_plot, found)


Short = Annotated[str, Form(max_length=_MAX_FIELD)]


def _save(db: Session, user: User, patient_id: int, fields: dict[str, str]) -> InputError | None:
    """In a worker thread: keep the fields on the record (all or nothing); the refusal, if any."""
    try:
        with in_this_thread(db):
            Workspace(db, user).update_patient(patient_id, {
                "height_cm": _number("height_cm", fields["height_cm"]), "smoking": fields["smoking"] or None,
                "pack_years": _number("pack_years", fields["pack_years"]),
                "quit_age": _number("quit_age", fields["quit_age"])})
    except InputError as exc:
        return exc
    return None


@router.post("/patients/{patient_id}/risk-profile")
async def save_profile(request: Request, patient_id: PatientId, principal: PageUser, caller: EngineCaller, db: Db,
                       height_cm: Short = "", smoking: Short = "", pack_years: Short = "",
                       quit_age: Short = "") -> Response:
    """Keep height and smoking on the patient's record (validated with the risk model's own bounds)."""
    fields = {"height_cm": height_cm, "smoking": smoking, "pack_years": pack_years, "quit_age": quit_age}
    error = await run_in_threadpool(_save, db, principal.user, patient_id, fields)
    if error is None:
        return see_other(f"/patients/{patient_id}/risk")
    found = await _answer(db, principal, caller, patient_id, {}, [])
    found["error"] = error
    return await run_in_threadpool(render, request, "risk.html", principal, status_code=422,
                                   **_context(found, request))


def record_scenario_inputs(patient: Patient, results: list[Result],
                           family_country: str | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The patient PDF's risk scenarios from the record alone: as now, stopping smoking for a current smoker,
    and augmentation. Returns what the PDF shows so far (``needs`` says what the record lacks, ``error`` what
    was refused) and the simulation's inputs (``None`` when there is nothing to simulate). The life table is
    the family's country's when it has one, as on the risk page."""
    form = _form(patient, {}, [], family_country)
    form["scenarios"] = (["quit"] if patient.smoking == "current" else []) + ["augmentation"]
    found: dict[str, Any] = {"needs": _needs(patient, results, form), "error": None, "rows": [],
                             "ages": SCENARIO_AGES}
    if found["needs"]:
        return found, None
    try:
        inputs, _measured = _inputs(patient, results, form)
    except InputError as exc:
        return found | {"error": str(exc)}, None
    return found, inputs


def record_scenario_rows(found: dict[str, Any], inputs: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The PDF's scenario table from the simulation's answer (:func:`aatd.risk.answers.describe_risk` run on
    ``inputs``), with the inputs it used said in words."""
    shown = {k: inputs[k] for k in ("age", "height_cm", "smoking", "pack_years", "quit_age") if inputs[k] is not None}
    shown["life_table"] = answer["life_table"]["country"]
    return found | {"rows": scenario_rows(answer), "inputs": ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in
                                                                        shown.items())}


async def record_scenarios(caller: Caller, found: dict[str, Any], inputs: dict[str, Any] | None) -> dict[str, Any]:
    """The patient PDF's risk scenarios (:func:`record_scenario_inputs`), simulated in an engine process with
    the caller's time budget and the queue cap (a full queue is a 503), as the risk page runs it."""
    if inputs is None:
        return found
    try:
        answer = await caller.run(engines.lung_risk, inputs)
    except InputError as exc:
        return found | {"error": str(exc)}
    return record_scenario_rows(found, inputs, answer)
