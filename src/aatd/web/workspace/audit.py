"""Append-only audit log: who read or changed which record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aatd.web.models import AuditEvent, User


def record(db: Session, user: User | None, action: str, entity: str, entity_id: int | None = None,
           *, actor: str | None = None, organisation_id: int | None = None,
           detail: dict[str, object] | None = None) -> None:
    """Add an audit event to the current transaction (it commits or rolls back with the change)."""
    db.add(AuditEvent(
        organisation_id=user.organisation_id if user is not None else organisation_id,
        user_id=user.id if user is not None else None,
        actor=user.email if user is not None else (actor or "anonymous"),
        action=action, entity=entity, entity_id=entity_id, detail=dict(detail or {}),
    ))
