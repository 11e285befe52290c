"""Results of a patient over time."""

from __future__ import annotations

from fastapi import APIRouter

from aatd.web.deps import ApiUser, Db, DbRoute
from aatd.web.schemas import Id, ResultIn, ResultOut
from aatd.web.workspace.repository import Workspace

router = APIRouter(route_class=DbRoute, prefix="/patients/{patient_id}/results", tags=["results"])


@router.get("")
def list_results(patient_id: Id, principal: ApiUser, db: Db) -> list[ResultOut]:
    """A patient's results, oldest first."""
    ws = Workspace(db, principal.user)
    return [ResultOut.model_validate(r) for r in ws.results(ws.patient(patient_id))]


@router.post("", status_code=201)
def add_result(patient_id: Id, payload: ResultIn, principal: ApiUser, db: Db) -> ResultOut:
    """Record a result (validated by the core: genotype notation, units, methods)."""
    ws = Workspace(db, principal.user)
    return ResultOut.model_validate(ws.add_result(patient_id, payload.model_dump()))
