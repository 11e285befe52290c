"""Risk endpoint: lifetime lung and liver risk with scenarios. No login, no database writes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field, TypeAdapter

from aatd import limits
from aatd.risk.answers import RiskAnswer, describe_risk
from aatd.web.budget import EngineCaller, answer_json
from aatd.web.schemas import ShortText, Strict

router = APIRouter(tags=["risk"])

Finite = Annotated[float, Field(allow_inf_nan=False)]


class RiskIn(Strict):
    """Inputs of ``aatd.risk.answers.describe_risk`` (simulation size fixed by the server)."""

    genotype: Annotated[str, Field(min_length=1, max_length=limits.GENOTYPE_TEXT)]
    sex: ShortText
    age: Annotated[float, Field(allow_inf_nan=False)]
    height_cm: Annotated[float, Field(allow_inf_nan=False)]
    smoking: ShortText = "never"
    pack_years: Finite | None = None
    quit_age: Finite | None = None
    smoking_start_age: Finite | None = None
    cigarettes_per_day: Finite | None = None
    ascertainment: ShortText = "unknown"
    country: Annotated[ShortText, Field(description="whose life table gives deaths from other causes; "
                                            "an unknown name is a 422 listing those with a table")] = "USA"
    secondhand_smoke: bool = False
    dust: bool = False
    family_emphysema: bool = False
    asthma: bool = False
    infections: bool = False
    alcohol: ShortText = "none"
    bmi: Finite | None = None
    diabetes: bool = False
    fev1: Finite | None = None
    augmentation: bool = False
    scenarios: Annotated[list[ShortText], Field(max_length=5, default_factory=list)]


RISK_SIMULATIONS = 2000
_ANSWER = TypeAdapter(RiskAnswer)


@router.post("/risk", response_model=RiskAnswer)
async def risk(payload: RiskIn, caller: EngineCaller) -> Response:
    """Lifetime lung and liver risk with scenarios (2,000 simulated people, seed 0).

    The simulation runs in an engine process (:class:`aatd.web.budget.EnginePool`) under the
    request's time budget, which also writes the JSON answer; this route only waits for it."""
    return Response(await caller.run(risk_json, payload.model_dump()), media_type="application/json")


def risk_json(inputs: dict[str, Any]) -> bytes:
    """The answer to ``inputs`` as the route's JSON (runs in an engine process)."""
    return answer_json(_ANSWER, describe_risk(**inputs, n=RISK_SIMULATIONS, seed=0))
