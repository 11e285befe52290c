"""The organisation's audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from aatd.web.deps import ApiAdmin, Db
from aatd.web.schemas import AuditOut, AuditVerifyOut
from aatd.web.workspace import audit
from aatd.web.workspace.repository import Workspace

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("")
def list_audit(principal: ApiAdmin, db: Db, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> list[AuditOut]:
    """Who read or changed which record, newest first."""
    return [AuditOut.model_validate(e) for e in Workspace(db, principal.user).audit_events(limit, offset)]


@router.get("/verify")
def verify_audit(_principal: ApiAdmin, db: Db) -> AuditVerifyOut:
    """Recompute the audit log's hash chain (all organisations) and name the first event that does not fit."""
    report = audit.verify(db)
    return AuditVerifyOut(ok=report.ok, events=report.events, head_seq=report.head_seq,
                          head_hash=report.head_hash, first_bad_seq=report.first_bad_seq, problem=report.problem)
