"""Tamper-evident audit log: who read or changed which record, and when.

Every event carries a sequence number, the hash of the event before it and its own hash,
SHA-256 over a canonical JSON serialisation (sorted keys, no spaces, UTF-8) of its fields
and that previous hash. Editing, deleting or inserting an event anywhere but at the end
breaks the chain, and :func:`verify` names the first event where it breaks. The database
refuses UPDATE, DELETE, REPLACE, out-of-sequence and backdated inserts (migration 0004);
on PostgreSQL the table belongs to a separate owner role (docs/web.md).

Events are chained when their transaction commits (:func:`record` only queues them), and
appends are serialised: on PostgreSQL with a transaction-level advisory lock, on SQLite by
taking the database write lock before the chain head is read, so two transactions never
link to the same previous event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, insert, select, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session, SessionTransaction

from aatd.web.models import AuditEvent, User, utcnow

GENESIS = "0" * 64
_PENDING = "aatd_audit_pending"
# Key of the PostgreSQL advisory lock that serialises appends ("aatd-audit" as an int).
_PG_LOCK_KEY = 0x61617464_61756469
_VERIFY_BATCH = 1000


def _utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime (SQLite returns naive UTC values)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def canonical(seq: int, at: dt.datetime, organisation_id: int | None, user_id: int | None, actor: str,
              action: str, entity: str, entity_id: int | None, detail: Mapping[str, object],
              prev_hash: str) -> bytes:
    """The bytes an event's hash is computed over: one JSON object, sorted keys, no spaces, UTF-8."""
    return _canonical(seq, _instant(at), organisation_id, user_id, actor, action, entity, entity_id, detail,
                      prev_hash)


def _instant(at: dt.datetime) -> str:
    """``at`` as the canonical form writes it (UTC, microseconds, ``Z``)."""
    return _utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _canonical(seq: int, at: str, organisation_id: int | None, user_id: int | None, actor: str, action: str,
               entity: str, entity_id: int | None, detail: Mapping[str, object], prev_hash: str) -> bytes:
    """:func:`canonical` with the instant already written (one append shares it): the same bytes."""
    document = {"seq": seq, "at": at, "organisation_id": organisation_id, "user_id": user_id, "actor": actor,
                "action": action, "entity": entity, "entity_id": entity_id, "detail": dict(detail),
                "prev_hash": prev_hash}
    return _ENCODE(document).encode("utf-8")


def event_hash(event: Any) -> str:
    """The SHA-256 (hex) an event (an :class:`AuditEvent` or a row of its table) should carry."""
    payload = canonical(event.seq, event.at, event.organisation_id, event.user_id, event.actor, event.action,
                        event.entity, event.entity_id, event.detail or {}, event.prev_hash)
    return hashlib.sha256(payload).hexdigest()


def _lock_chain(db: Session) -> dt.datetime:
    """Serialise appends until this transaction ends; returns the database's clock."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        clock = db.scalar(text("SELECT clock_timestamp()"))
        return _utc(clock) if isinstance(clock, dt.datetime) else utcnow()
    # Any write statement makes SQLite take the database write lock (waiting on the busy timeout),
    # so the head read after it sees every committed event. It deletes nothing and fires no trigger.
    db.execute(text("DELETE FROM audit_events WHERE 0"))
    return utcnow()


def select_event(seq: int) -> Select[AuditEvent]:
    """The query of the event numbered ``seq``."""
    return select(AuditEvent).where(AuditEvent.seq == seq)


def _head(db: Session) -> AuditEvent | None:
    return db.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))


@dataclass(frozen=True, slots=True)
class _Pending:
    """An event waiting for its transaction to commit."""

    organisation_id: int | None
    user_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: int | None
    detail: dict[str, object]


def record(db: Session, user: User | None, action: str, entity: str, entity_id: int | None = None,
           *, actor: str | None = None, organisation_id: int | None = None,
           detail: Mapping[str, object] | None = None) -> None:
    """Add an event to the current transaction: it is chained when the transaction commits and
    dropped if it rolls back, so the log holds exactly what happened."""
    pending: list[_Pending] = db.info.setdefault(_PENDING, [])
    pending.append(_Pending(
        organisation_id=user.organisation_id if user is not None else organisation_id,
        user_id=user.id if user is not None else None,
        actor=user.email if user is not None else (actor or "anonymous")[:320],
        action=action, entity=entity, entity_id=entity_id, detail=dict(detail or {})))


def _append(db: Session, pending: list[_Pending]) -> None:
    """Chain ``pending`` after the newest event. The chain lock is taken last in the transaction
    and held only until its commit, so it never waits behind, or blocks, row locks."""
    now = _lock_chain(db)
    head = _head(db)
    seq, prev_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    at = max(now, _utc(head.at)) if head is not None else now  # never earlier than the event before
    stamp = _instant(at)  # every event of one append has the same instant: written once, not once per event
    rows: list[dict[str, Any]] = []
    for item in pending:
        seq += 1
        digest = hashlib.sha256(_canonical(seq, stamp, item.organisation_id, item.user_id, item.actor, item.action,
                                           item.entity, item.entity_id, item.detail, prev_hash)).hexdigest()
        rows.append({"seq": seq, "at": at, "organisation_id": item.organisation_id, "user_id": item.user_id,
                     "actor": item.actor, "action": item.action, "entity": item.entity, "entity_id": item.entity_id,
                     "detail": item.detail, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    # One bulk INSERT of plain rows, in chain order (the database's triggers still check each row's seq, previous
    # hash and time): building, tracking and flushing an ORM object per event cost more than the hashing itself.
    db.execute(insert(AuditEvent), rows)


@sqlalchemy_event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, pending)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _drop_on_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of :func:`verify`: how many events were checked and the first broken one."""

    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the whole chain verified."""
        return self.problem is None


def _events(db: Session) -> Iterator[Any]:
    """Every stored event in ``seq`` order, as plain rows read in batches (no ORM objects kept)."""
    table = AuditEvent.__table__
    last = 0
    while True:
        batch = db.execute(select(table).where(table.c.seq > last).order_by(table.c.seq)
                           .limit(_VERIFY_BATCH)).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def verify(db: Session, anchors: Mapping[int, str] | None = None) -> ChainReport:
    """Recompute the chain from the first event; report the first event that does not fit.

    ``anchors`` maps sequence numbers to hashes recorded elsewhere (for example printed by an
    earlier ``aatd audit verify``): they catch a chain rewritten from some point onwards.
    """
    expected_seq, prev_hash, prev_at, count = 1, GENESIS, None, 0
    wanted = dict(anchors or {})
    for event in _events(db):
        problem = _problem(event, expected_seq, prev_hash, prev_at, wanted.pop(event.seq, None))
        if problem is not None:
            gap = event.seq != expected_seq
            return ChainReport(count, expected_seq - 1, prev_hash, expected_seq if gap else event.seq,
                               None if gap else event.id, problem)
        count += 1
        expected_seq, prev_hash, prev_at = event.seq + 1, event.hash, _utc(event.at)
    if wanted:
        seq = min(wanted)
        return ChainReport(count, expected_seq - 1, prev_hash, seq, None,
                           f"event {seq} is missing (the chain ends at {expected_seq - 1})")
    return ChainReport(count, expected_seq - 1, prev_hash)


def _problem(event: Any, expected_seq: int, prev_hash: str, prev_at: dt.datetime | None,
             anchor: str | None) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing: event {event.seq} follows event {expected_seq - 1} (deleted event)"
    if event.prev_hash != prev_hash:
        return f"event {event.seq} does not link to event {event.seq - 1} (inserted or reordered event)"
    if event.hash != event_hash(event):
        return f"event {event.seq} does not match its hash (edited event)"
    if prev_at is not None and _utc(event.at) < prev_at:
        return f"event {event.seq} is dated before event {event.seq - 1} (backdated event)"
    if anchor is not None and anchor != event.hash:
        return f"event {event.seq} differs from its recorded anchor (chain rewritten)"
    return None
