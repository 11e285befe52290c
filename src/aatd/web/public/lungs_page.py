"""The "My lungs over time" page: expected lung function with and without smoking, with a band of uncertainty."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from aatd.errors import InputError
from aatd.risk.answers import describe_risk
from aatd.web.public.lungs_plot import trajectory_svg
from aatd.web.public.rendering import Fields, field_errors, number, read_fields, render, safe
from aatd.web.public.rendering import gettext as _

router = APIRouter()
SIMULATED_PEOPLE = 2000
_ERROR_FIELDS = {"genotype": "genotype", "sex": "sex", "age": "age", "height": "height_cm",
                 "smoking": "smoking", "pack_years": "pack_years", "quit_age": "quit_age", "scenario": "age",
                 "ascertainment": "ascertainment"}


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
    ascertainment: str = "unknown"

    def scenarios(self) -> list[str]:
        """What-ifs to compare: stopping now (and in ten years) for a person who smokes."""
        if self.smoking != "current":
            return []
        now = int(self.age)
        return [f"quit@{now}"] + ([f"quit@{now + 10}"] if now + 10 < 85 else [])


def read_input(fields: Fields, errors: dict[str, str]) -> LungInput | None:
    """The answers, or ``None`` with messages in ``errors``."""
    age = number(fields, "age", errors, low=18, high=90)
    height = number(fields, "height_cm", errors, low=120, high=220)
    pack_years = number(fields, "pack_years", errors, low=0, high=300)
    quit_age = number(fields, "quit_age", errors, low=5, high=90)
    for name, value in (("age", age), ("height_cm", height)):
        if value is None and name not in errors:
            errors[name] = _("Please fill this in.")
    if not fields.get("genotype", "").strip():
        errors["genotype"] = _("Please enter your type, for example ZZ.")
    if errors or age is None or height is None:
        return None
    smoking = fields.get("smoking", "never")
    return LungInput(fields.get("genotype", "").strip(), fields.get("sex", "female"), age, height, smoking,
                     pack_years, quit_age if smoking == "former" else None, fields.get("ascertainment", "unknown"))


def _at(points: list[dict[str, Any]], age: int) -> dict[str, Any] | None:
    return next((p for p in points if int(p["age"]) == age), None)


def summary(answer: dict[str, Any], plot: dict[str, Any], age: float) -> list[dict[str, Any]]:
    """Per series, the expected lung function 20 years from now as a share of a healthy person's."""
    target = min(int(age) + 20, int(plot["reference"][-1]["age"]))
    ref = _at(plot["reference"], target)
    rows = []
    for k, series in enumerate(plot["series"]):
        point = _at(series["points"], target)
        if point is None or ref is None:
            continue
        name = _("If nothing changes") if k == 0 else _("If you %(what)s", what=series.get("description", ""))
        rows.append({"name": name, "index": k, "age": target, "p50": point["p50"], "p10": point["p10"],
                     "p90": point["p90"], "share": point["p50"] / ref["predicted"] if ref["predicted"] else None})
    return rows


def lung_view(inp: LungInput) -> dict[str, Any]:
    """The engine's answer with the plot and plain-language summary rows."""
    answer: dict[str, Any] = describe_risk(genotype=inp.genotype, sex=inp.sex, age=inp.age, height_cm=inp.height_cm,
                                      smoking=inp.smoking, pack_years=inp.pack_years, quit_age=inp.quit_age,
                                      ascertainment=inp.ascertainment,
                                      scenarios=inp.scenarios(), n=SIMULATED_PEOPLE)
    from aatd.risk.plots import plot_data

    plot = plot_data(answer)
    rows = summary(answer, plot, inp.age)
    labels = {"title": _("Lung function (FEV1) by age, for people like you"),
              "desc": " ".join(_("%(name)s: at age %(age)s, about %(p50).1f litres (most people between %(p10).1f "
                                 "and %(p90).1f).", name=r["name"], age=r["age"], p50=r["p50"], p10=r["p10"],
                                 p90=r["p90"]) for r in rows),
              "x": _("Age (years)"), "y": _("FEV1 (litres)")}
    return {"answer": answer, "plot": plot, "rows": rows, "svg": safe(trajectory_svg(plot, labels)),
            "table": [p for p in plot["series"][0]["points"] if int(p["age"]) % 5 == 0]}


@router.api_route("/public/my-lungs", methods=["GET", "POST"], response_class=HTMLResponse)
async def my_lungs(request: Request) -> HTMLResponse:
    """The form, and the expected lung function with its band of uncertainty and what quitting changes."""
    fields = await read_fields(request)
    errors: dict[str, str] = {}
    view = None
    if "submitted" in fields:
        inp = read_input(fields, errors)
        if inp is not None:
            try:
                view = lung_view(inp)
            except InputError as exc:
                errors = field_errors(exc, _ERROR_FIELDS)
    return render(request, "my_lungs.html", fields=fields, view=view, errors=errors,
                  status_code=422 if errors else 200)
