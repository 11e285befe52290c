"""Engine endpoints of optional capabilities (registered only when the engine exists).

Public like the core engines: no login, no database writes. Each route validates the
shape of the request and hands the fields to one engine function.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from aatd.errors import InputError
from aatd.web.capabilities import engine_function, has
from aatd.web.errors import ApiError
from aatd.web.schemas import ShortText, Strict

Finite = Annotated[float, Field(allow_inf_nan=False)]
NumberOrText = Finite | Annotated[str, Field(max_length=30)]


class InterpretIn(Strict):
    """Inputs of ``aatd.interpretation.describe_interpretation``."""

    level: NumberOrText | None = None
    unit: ShortText | None = None
    method: ShortText | None = None
    crp: NumberOrText | None = None
    phenotype: ShortText | None = None
    genotype: ShortText | None = None
    panel: ShortText | None = None
    fev1_pct: NumberOrText | None = None
    smoking: ShortText | None = None
    on_augmentation: bool = False
    emphysema: bool | None = None
    ct_density_decline: bool | None = None
    country_name: ShortText | None = None


class ShouldTestIn(Strict):
    """Inputs of ``aatd.testing.describe_should_test``."""

    findings: Annotated[list[ShortText], Field(max_length=50)]
    age: Annotated[float, Field(ge=0, le=130, allow_inf_nan=False)] | None = None
    pack_years: Annotated[float, Field(ge=0, le=300, allow_inf_nan=False)] | None = None


class RiskIn(Strict):
    """Inputs of ``aatd.progression.describe_risk`` (simulation size fixed by the server)."""

    genotype: ShortText
    sex: ShortText
    age: Annotated[float, Field(allow_inf_nan=False)]
    height_cm: Annotated[float, Field(allow_inf_nan=False)]
    smoking: ShortText = "never"
    pack_years: Finite | None = None
    quit_age: Finite | None = None
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


def interpret(payload: InterpretIn) -> dict[str, Any]:
    """What a result means: severity, consistency, next steps (as ``aatd interpret --json``)."""
    return engine_function("aatd.interpretation:describe_interpretation")(**payload.model_dump(exclude_none=True))


def should_test(payload: ShouldTestIn) -> dict[str, Any]:
    """Whether guidelines recommend AATD testing for these findings."""
    describe = engine_function("aatd.testing:describe_should_test")
    return describe(payload.findings, age=payload.age, pack_years=payload.pack_years)


RISK_SIMULATIONS = 2000


def risk(payload: RiskIn) -> dict[str, Any]:
    """Lifetime lung and liver risk with scenarios (2,000 simulated people, seed 0)."""
    return engine_function("aatd.progression:describe_risk")(**payload.model_dump(), n=RISK_SIMULATIONS, seed=0)


class PedigreeIn(BaseModel):
    """A pedigree document: ``{"members": [...], "country" | "allele_frequencies": ...}``."""

    members: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=2000)]
    model_config = ConfigDict(extra="allow")


def pedigree(payload: PedigreeIn, plan: bool = False) -> dict[str, Any]:
    """Posterior genotype probabilities of every member (as ``aatd pedigree FILE --json [--plan]``).

    Give ``country`` or ``allele_frequencies`` in the document; ``plan=true`` adds the
    cascade testing plan and the chances of each couple's children.
    """
    try:
        return engine_function("aatd.cascade:pedigree_report")(payload.model_dump(), plan=plan)
    except InputError:
        raise
    except (ValueError, ArithmeticError) as exc:  # e.g. a pedigree too complex for exact inference
        raise ApiError(422, f"pedigree: {exc}") from None


def capability_router() -> APIRouter:
    """The routes of the capabilities this build has."""
    router = APIRouter(tags=["engines"])
    if has("pedigree"):
        router.add_api_route("/pedigree", pedigree, methods=["POST"])
    if has("interpret"):
        router.add_api_route("/interpret", interpret, methods=["POST"])
    if has("should-test"):
        router.add_api_route("/should-test", should_test, methods=["POST"])
    if has("risk"):
        router.add_api_route("/risk", risk, methods=["POST"])
    return router
