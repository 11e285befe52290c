"""Family endpoint: exact genotype probabilities for a pedigree and the cascade plan. No login, no writes."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from aatd import limits
from aatd.errors import InputError
from aatd.family.answers import PedigreeAnswer, pedigree_report
from aatd.web.budget import EngineCaller, answer_json
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


@router.post("/pedigree", response_model=PedigreeAnswer)
async def pedigree(payload: PedigreeIn, caller: EngineCaller, plan: bool = False) -> Response:
    """Posterior genotype probabilities of every member (as ``aatd pedigree FILE --json [--plan]``).

    Give ``country`` or ``allele_frequencies`` in the document; ``plan=true`` adds the
    cascade testing plan and the chances of each couple's children. Without login a
    pedigree has at most 100 members and the request a time budget of 10 s (then 503).
    The same document asked again is answered from a cache.

    The analysis runs in a separate engine process (:class:`aatd.web.budget.EnginePool`), which
    also writes the JSON answer; this route only waits for it, on the event loop.
    """
    if not caller.signed_in:
        limits.check_count("members", len(payload.members), limits.ANONYMOUS_MEMBERS,
                           f"members without login (up to {limits.MEMBERS} when logged in)")
    document = json.dumps(payload.model_dump(), sort_keys=True)
    # keyed by a digest: a cached entry costs the answer's size, not the document's (up to the 4 MB body limit)
    key = (hashlib.sha256(document.encode()).hexdigest(), plan)
    body = CACHE.get(key)
    if body is None:
        try:
            body = await caller.run(report_json, document, plan)
        except InputError:
            raise
        except (ValueError, ArithmeticError) as exc:  # e.g. a pedigree too complex for exact inference
            raise ApiError(422, f"pedigree: {exc}") from None
        CACHE.put(key, body)
    return Response(body, media_type="application/json")


_ANSWER = TypeAdapter(PedigreeAnswer)


def report_json(document: str, plan: bool) -> bytes:
    """The report of a document given as canonical JSON, checked against :class:`PedigreeAnswer` and
    written as FastAPI writes answers (compact UTF-8 JSON). Runs in an engine process."""
    return answer_json(_ANSWER, pedigree_report(json.loads(document), plan=plan))


class ReportCache:
    """The JSON answers of the last :data:`CACHED_REPORTS` documents (least recently used dropped
    first), so that an unchanged family is not computed twice. Keys are (SHA-256 of the canonical
    document, plan): an anonymous client cannot make the cache hold 64 copies of a 4 MB body."""

    def __init__(self, size: int = CACHED_REPORTS) -> None:
        self.size = size
        self.hits = 0
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, bool], bytes] = OrderedDict()

    def get(self, key: tuple[str, bool]) -> bytes | None:
        with self._lock:
            body = self._answers.get(key)
            if body is not None:
                self._answers.move_to_end(key)
                self.hits += 1
            return body

    def put(self, key: tuple[str, bool], body: bytes) -> None:
        with self._lock:
            self._answers[key] = body
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.hits = 0


CACHE = ReportCache()
