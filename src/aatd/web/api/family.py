"""Family endpoint: exact genotype probabilities for a pedigree and the cascade plan. No login, no writes."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from aatd import limits
from aatd.errors import InputError
from aatd.family.answers import PedigreeAnswer, pedigree_report
from aatd.web.budget import EngineCaller
from aatd.web.errors import ApiError

router = APIRouter(tags=["family"])

CACHED_REPORTS = 64
"""Pedigree reports kept in memory (least recently used dropped first)."""


class PedigreeIn(BaseModel):
    """A pedigree document: ``{"members": [...], "country" | "allele_frequencies": ...}``."""

    members: Annotated[list[dict[str, Any]], Field(
        min_length=1, max_length=limits.MEMBERS,
        description=f"at most {limits.MEMBERS} members; {limits.ANONYMOUS_MEMBERS} without login")]
    model_config = ConfigDict(extra="allow")


@router.post("/pedigree")
def pedigree(payload: PedigreeIn, caller: EngineCaller, plan: bool = False) -> PedigreeAnswer:
    """Posterior genotype probabilities of every member (as ``aatd pedigree FILE --json [--plan]``).

    Give ``country`` or ``allele_frequencies`` in the document; ``plan=true`` adds the
    cascade testing plan and the chances of each couple's children. Without login a
    pedigree has at most 100 members and the request a time budget of 10 s (then 503).
    The same document asked again is answered from a cache.
    """
    if not caller.signed_in:
        limits.check_count("members", len(payload.members), limits.ANONYMOUS_MEMBERS,
                           f"members without login (up to {limits.MEMBERS} when logged in)")
    try:
        return _report(json.dumps(payload.model_dump(), sort_keys=True), plan)
    except InputError:
        raise
    except (ValueError, ArithmeticError) as exc:  # e.g. a pedigree too complex for exact inference
        raise ApiError(422, f"pedigree: {exc}") from None


@lru_cache(maxsize=CACHED_REPORTS)
def _report(document: str, plan: bool) -> PedigreeAnswer:
    """The report of a document given as canonical JSON (an unchanged family is not computed twice)."""
    return pedigree_report(json.loads(document), plan=plan)
