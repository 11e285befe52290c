"""Family endpoint: exact genotype probabilities for a pedigree and the cascade plan. No login, no writes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from aatd.errors import InputError
from aatd.family.answers import PedigreeAnswer, pedigree_report
from aatd.web.errors import ApiError

router = APIRouter(tags=["family"])


class PedigreeIn(BaseModel):
    """A pedigree document: ``{"members": [...], "country" | "allele_frequencies": ...}``."""

    members: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=2000)]
    model_config = ConfigDict(extra="allow")


@router.post("/pedigree")
def pedigree(payload: PedigreeIn, plan: bool = False) -> PedigreeAnswer:
    """Posterior genotype probabilities of every member (as ``aatd pedigree FILE --json [--plan]``).

    Give ``country`` or ``allele_frequencies`` in the document; ``plan=true`` adds the
    cascade testing plan and the chances of each couple's children.
    """
    try:
        return pedigree_report(payload.model_dump(), plan=plan)
    except InputError:
        raise
    except (ValueError, ArithmeticError) as exc:  # e.g. a pedigree too complex for exact inference
        raise ApiError(422, f"pedigree: {exc}") from None
