"""The "My lungs over time" page: expected lung function with and without smoking, with a band of uncertainty."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from aatd.errors import InputError
from aatd.knowledge.life_tables import DEFAULT_COUNTRY, life_table_countries
from aatd.patients.i18n import gettext_noop
from aatd.risk.answers import describe_risk, input_limits
from aatd.web.budget import Caller, EngineCaller
from aatd.web.public import engines
from aatd.web.public.lungs_plot import both_sizes
from aatd.web.public.rendering import (
    Fields,
    SubmittedFields,
    country_options,
    decimal,
    field_errors,
    number,
    render,
    safe,
)
from aatd.web.public.rendering import gettext as _
from aatd.web.public.take_to_doctor import DoctorSheet, pdf_response_headers, sheet_pdf

router = APIRouter()
SIMULATED_PEOPLE = 2000
_ERROR_FIELDS = {"fev1": "fev1", "bmi": "weight",
                 "genotype": "genotype", "sex": "sex", "age": "age", "height": "height_cm",
                 "smoking": "smoking", "pack_years": "pack_years", "quit_age": "quit_age", "scenario": "age",
                 "ascertainment": "ascertainment", "country": "country"}


@dataclass(frozen=True, slots=True)
class LungInput:
    """The person's answers, read from the form."""

    genotype: str
    sex: str
    age: float
    height_cm: float
    smoking: str
    pack_years: float | None
    quit_age: float | None
    fev1: float | None = None
    """A measured FEV1 in litres: the engine starts the curve from it."""
    bmi: float | None = None
    """Body-mass index from the weight typed (kg or pounds) and the height; used for the liver."""
    ascertainment: str = "unknown"
    """How the person was found (index, family, screened, unknown): the engine's ascertainment."""
    country: str = DEFAULT_COUNTRY
    """Where the person lives: whose life table gives deaths from other causes (checked by the engine)."""

    def scenarios(self) -> list[str]:
        """What-ifs to compare: stopping now (and in ten years) for a person who smokes."""
        if self.smoking != "current":
            return []
        now = int(self.age)
        return [f"quit@{now}"] + ([f"quit@{now + 10}"] if now + 10 < 85 else [])


CM_PER_INCH = 2.54
INCHES_PER_FOOT = 12
KG_PER_POUND = 0.45359237
"""Unit conversions (exact by definition), not clinical numbers."""


def _height_cm(fields: Fields, errors: dict[str, str]) -> float | None:
    """Height from centimetres, or from feet and inches when those are given instead."""
    if fields.get("height_ft", "").strip():
        feet = number(fields, "height_ft", errors, low=3, high=8)
        inches = number(fields, "height_in", errors, low=0, high=11.99) or 0.0
        if feet is None:
            return None
        cm = (feet * INCHES_PER_FOOT + inches) * CM_PER_INCH
        if not 120 <= cm <= 220:
            errors["height_ft"] = _("Please enter a height between 4 ft 0 in and 7 ft 2 in.")
            return None
        return round(cm, 1)
    low, high = input_limits()["height_cm"]
    return number(fields, "height_cm", errors, low=low, high=high)


def _bmi(fields: Fields, errors: dict[str, str], height_cm: float | None) -> float | None:
    unit = fields.get("weight_unit", "kg")
    if unit not in ("kg", "lb"):
        errors["weight_unit"] = _("Please choose kg or pounds.")
        return None
    weight = number(fields, "weight", errors, low=30 if unit == "kg" else 66, high=250 if unit == "kg" else 550)
    if weight is None or height_cm is None:
        return None
    kg = weight * KG_PER_POUND if unit == "lb" else weight
    return round(kg / (height_cm / 100) ** 2, 1)


def read_input(fields: Fields, errors: dict[str, str]) -> LungInput | None:
    """The answers, or ``None`` with messages in ``errors``."""
    limits = input_limits()
    age = number(fields, "age", errors, low=limits["age"][0], high=limits["age"][1])
    height = _height_cm(fields, errors)
    fev1 = number(fields, "fev1", errors, low=limits["fev1"][0], high=limits["fev1"][1])
    bmi = _bmi(fields, errors, height)
    pack_years = number(fields, "pack_years", errors, low=limits["pack_years"][0], high=limits["pack_years"][1])
    quit_age = number(fields, "quit_age", errors, low=limits["quit_age"][0], high=limits["quit_age"][1])
    for name, value in (("age", age), ("height_cm", height)):
        if value is None and name not in errors and not (name == "height_cm" and "height_ft" in errors):
            errors[name] = _("Please fill this in.")
    if not fields.get("genotype", "").strip():
        errors["genotype"] = _("Please enter your type, for example ZZ.")
    if errors or age is None or height is None:
        return None
    smoking = fields.get("smoking", "never")
    return LungInput(fields.get("genotype", "").strip(), fields.get("sex", "female"), age, height, smoking,
                     pack_years, quit_age if smoking == "former" else None, fev1=fev1, bmi=bmi,
                     ascertainment=fields.get("ascertainment", "unknown"),
                     country=fields.get("country", DEFAULT_COUNTRY) or DEFAULT_COUNTRY)


def _country_options() -> list[tuple[str, str]]:
    """The countries with a life table, as (value, label) pairs for the form's list."""
    return country_options(life_table_countries())


def _at(points: list[dict[str, Any]], age: int) -> dict[str, Any] | None:
    return next((p for p in points if int(p["age"]) == age), None)


def scenario_name(code: str, description: str) -> str:
    """A what-if series in the page's language ("quit@45" -> "If you stop smoking at 45")."""
    if code.startswith("quit@") and code[5:].isdigit():
        return _("If you stop smoking at %(age)s", age=code[5:])
    return _("If you %(what)s", what=description)


RISK_DISCLAIMER = gettext_noop("aatd supports, and does not replace, clinical judgement. These are model estimates "
                               "for a population of people like you, not predictions for you alone.")
"""The risk engine's disclaimer, marked for translation (a test checks it matches the engine's)."""


def summary(answer: dict[str, Any], plot: dict[str, Any], age: float) -> list[dict[str, Any]]:
    """Per series, the expected lung function 20 years from now as a share of a healthy person's."""
    target = min(int(age) + 20, int(plot["reference"][-1]["age"]))
    ref = _at(plot["reference"], target)
    rows = []
    for k, series in enumerate(plot["series"]):
        point = _at(series["points"], target)
        if point is None or ref is None:
            continue
        name = _("If nothing changes") if k == 0 else scenario_name(str(series.get("name", "")),
                                                                   str(series.get("description", "")))
        rows.append({"name": name, "index": k, "age": target, "p50": point["p50"], "p10": point["p10"],
                     "p90": point["p90"], "share": point["p50"] / ref["predicted"] if ref["predicted"] else None})
    return rows


def _litres_sentence(row: dict[str, Any]) -> str:
    """One summary row as a sentence, its litres to one decimal in the page's language (2.3; 2,3 in Spanish)."""
    return _("%(name)s: at age %(age)s, about %(p50)s litres (most people between %(p10)s and %(p90)s).",
             name=row["name"], age=row["age"], p50=decimal(row["p50"], ".1f"), p10=decimal(row["p10"], ".1f"),
             p90=decimal(row["p90"], ".1f"))


def engine_arguments(inp: LungInput) -> dict[str, Any]:
    """Keyword arguments of :func:`aatd.risk.answers.describe_risk` for the person's answers."""
    return {"genotype": inp.genotype, "sex": inp.sex, "age": inp.age, "height_cm": inp.height_cm,
            "smoking": inp.smoking, "pack_years": inp.pack_years, "quit_age": inp.quit_age,
            "ascertainment": inp.ascertainment, "country": inp.country, "scenarios": inp.scenarios(),
            "fev1": inp.fev1, "bmi": inp.bmi,
            "n": SIMULATED_PEOPLE}


def lung_view(inp: LungInput) -> dict[str, Any]:
    """The engine's answer with the plot and plain-language summary rows."""
    return view_of(inp, dict(describe_risk(**engine_arguments(inp))))


def view_of(inp: LungInput, answer: dict[str, Any]) -> dict[str, Any]:
    """The plot and plain-language summary rows of the engine's ``answer`` for ``inp``."""
    from aatd.risk.plots import plot_data

    plot = plot_data(answer)
    rows = summary(answer, plot, inp.age)
    labels = {"title": _("Lung function (FEV1) by age, for people like you"),
              "desc": " ".join(_litres_sentence(r) for r in rows),
              "x": _("Age (years)"), "y": _("FEV1 (litres)")}
    return {"answer": answer, "plot": plot, "rows": rows, "svg": safe(both_sizes(plot, labels)),
            "table": [p for p in plot["series"][0]["points"] if int(p["age"]) % 5 == 0]}


async def _evaluate(fields: Fields, caller: Caller, errors: dict[str, str]) -> tuple[LungInput | None,
                                                                                  dict[str, Any] | None]:
    """The answers, and the view of the engine's answer (``None`` with messages in ``errors``).

    The simulation runs in an engine process (:class:`aatd.web.budget.EnginePool`); the plot and
    the rows, in the request's language, in a worker thread."""
    inp = read_input(fields, errors)
    if inp is None:
        return None, None
    try:
        answer = await caller.run(engines.lung_risk, engine_arguments(inp))
    except InputError as exc:
        errors |= field_errors(exc, _ERROR_FIELDS)
        return inp, None
    return inp, await run_in_threadpool(view_of, inp, answer)


@router.api_route("/public/my-lungs", methods=["GET", "POST"], response_class=HTMLResponse)
async def my_lungs(request: Request, fields: SubmittedFields, caller: EngineCaller) -> HTMLResponse:
    """The form, and the expected lung function with its band of uncertainty and what quitting changes."""
    errors: dict[str, str] = {}
    view = None
    if "submitted" in fields:
        _inp, view = await _evaluate(fields, caller, errors)
    return await run_in_threadpool(render, request, "my_lungs.html", fields=fields, view=view, errors=errors,
                                   countries=_country_options(), status_code=422 if errors else 200)


def lungs_sheet(inp: LungInput, view: dict[str, Any]) -> DoctorSheet:
    """The expected lung function as a one-page sheet to take to the doctor."""
    smoking = {"never": _("I never smoked"), "former": _("I smoked in the past"), "current": _("I smoke now")}
    entered = [(_("Type"), inp.genotype), (_("Sex"), _("Male") if inp.sex == "male" else _("Female")),
               (_("Age"), decimal(inp.age, "g")), (_("Height in cm"), decimal(inp.height_cm, "g")),
               (_("Do you smoke?"), smoking.get(inp.smoking, inp.smoking)),
               (_("Where do you live?"), view["answer"]["life_table"]["country"])]
    if inp.pack_years is not None:
        entered.append((_("Pack-years of smoking"), decimal(inp.pack_years, "g")))
    if inp.quit_age is not None:
        entered.append((_("Age when you stopped (if you smoked in the past)"), decimal(inp.quit_age, "g")))
    lines = [_litres_sentence(r) for r in view["rows"]]
    answer = view["answer"]
    return DoctorSheet(
        title=_("My lungs over time: a summary for my doctor"), entered=entered,
        answer=lines[0] if lines else _("What the model expects"),
        sections=[(_("What the model expects"), lines[1:]),
                  (_("How honest is this?"), [_("This is a computer model built from studies of many people. It "
                                               "shows a range, not a promise. Your own lungs may do better or "
                                               "worse. Your doctor can follow your real breathing tests over "
                                               "time.")])],
        questions=[_("Can I have a breathing test (spirometry) to compare with this?"),
                   _("What can I do to protect my lungs?"), _("Should I see a lung doctor who knows alpha-1?")],
        sources=[str(s.get("citation", "")) for s in answer.get("sources", [])])


@router.api_route("/public/my-lungs.pdf", methods=["GET", "POST"], response_model=None)
async def my_lungs_pdf(request: Request, fields: SubmittedFields, caller: EngineCaller) -> Response:
    """The expected lung function as a one-page PDF, made in memory from the fields in the request."""
    errors: dict[str, str] = {}
    inp, view = await _evaluate(fields, caller, errors)
    if inp is None or view is None:
        return await run_in_threadpool(render, request, "my_lungs.html", fields=fields, view=None, errors=errors,
                                       countries=_country_options(), status_code=422)
    return await run_in_threadpool(_pdf, inp, view)


def _pdf(inp: LungInput, view: dict[str, Any]) -> Response:
    return Response(sheet_pdf(lungs_sheet(inp, view)), media_type="application/pdf",
                    headers=pdf_response_headers("aatd-my-lungs"))
