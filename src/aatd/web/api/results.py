"""Results of a patient over time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import TypeAdapter

from aatd.web.deps import ApiUser, Db, DbRoute
from aatd.web.schemas import Id, ResultCorrection, ResultIn, ResultOut, RetractionIn
from aatd.web.workspace.repository import Workspace

RESULT_LIST = TypeAdapter(list[ResultOut])
"""Validates a list of results given as column values (:meth:`Workspace.result_values`) in one call."""

router = APIRouter(route_class=DbRoute, prefix="/patients/{patient_id}/results", tags=["results"])


@router.get("")
def list_results(patient_id: Id, principal: ApiUser, db: Db) -> list[ResultOut]:
    """A patient's results, oldest first (retracted ones too, with ``retracted_at`` and the reason)."""
    ws = Workspace(db, principal.user)
    return RESULT_LIST.validate_python(ws.result_values(ws.patient(patient_id), include_retracted=True))


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="A key of the client's choosing: a retry with the same "
                                                          "key returns the stored result instead of a copy.")]


@router.post("", status_code=201)
def add_result(patient_id: Id, payload: ResultIn, principal: ApiUser, db: Db,
               idempotency_key: IdempotencyKey = None) -> ResultOut:
    """Record a result (validated by the core: genotype notation, units, methods).

    Send an ``Idempotency-Key`` header to make retries safe: the same key answers with the
    result stored the first time (no duplicate after a timeout or a crash).
    """
    ws = Workspace(db, principal.user)
    return ResultOut.model_validate(ws.add_result(patient_id, payload.model_dump(), idempotency_key))


@router.patch("/{result_id}")
def correct_result(patient_id: Id, result_id: Id, payload: ResultCorrection, principal: ApiUser,
                   db: Db) -> ResultOut:
    """Correct a result with a reason: the fields given replace the stored ones (same kind, validated as a new
    result); the audit log keeps the old values, the new ones and the reason."""
    changes = payload.model_dump(exclude_unset=True)
    reason = changes.pop("reason")
    ws = Workspace(db, principal.user)
    return ResultOut.model_validate(ws.correct_result(patient_id, result_id, changes, reason))


@router.post("/{result_id}/retract")
def retract_result(patient_id: Id, result_id: Id, payload: RetractionIn, principal: ApiUser, db: Db) -> ResultOut:
    """Retract a result with a reason: it stays on record (marked retracted) and leaves every answer."""
    ws = Workspace(db, principal.user)
    return ResultOut.model_validate(ws.retract_result(patient_id, result_id, payload.reason))
