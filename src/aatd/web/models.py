"""The database tables, as SQLAlchemy 2 typed models.

Every clinical row carries ``organisation_id``: the repository layer filters on it in
every query. The audit log is append-only (the ORM refuses updates and deletes, and the
migration installs database triggers that do the same).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("admin", "clinician")
TOKEN_SCOPES = ("read", "write")
SEXES = ("female", "male", "unknown")
RESULT_KINDS = ("level", "crp", "phenotype", "genotype", "spirometry")
ADOPTION = ("in", "out")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Organisation(Base):
    """A clinic or laboratory; the unit of data isolation."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The name folded to lower case: names that differ only in case are the same organisation.
    name_key: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A person who logs in; role ``admin`` or ``clinician``."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="clinician")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The base32 secret of the optional TOTP second factor (RFC 6238), encrypted by
    # aatd.web.security.TotpVault (a Fernet token, about 140 characters); None when not enrolled.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The RFC 6238 time step (30 s since 1970) of the last code accepted, so no code works twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def is_admin(self) -> bool:
        """Whether the user may manage users, restore patients and read the audit log."""
        return self.role == "admin"

    @property
    def two_step(self) -> bool:
        """Whether the user logs in with a TOTP code as well as their password."""
        return self.totp_secret_encrypted is not None


class LoginSession(Base):
    """A browser session: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for non-browser clients (stored as its SHA-256)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="api")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10), default="write")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginAttempt(Base):
    """A login attempt counted by the throttle: failures for a window, successes for familiar addresses."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Family(Base):
    """A group of related patients."""

    __tablename__ = "families"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Explicit founder allele frequencies ({"M": 0.97, "S": 0.01, "Z": 0.02}), used exactly instead of
    # the country's; ``residual_allele`` adds (True) or drops (False) the residual Null allele.
    allele_frequencies: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    residual_allele: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Patient(Base):
    """A person in a family; deleting one is a soft delete (``deleted_at``)."""

    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(10), default="unknown")
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    father_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    mother_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    proband: Mapped[bool] = mapped_column(Boolean, default=False)
    tested: Mapped[bool] = mapped_column(Boolean, default=False)
    deceased: Mapped[bool] = mapped_column(Boolean, default=False)
    # Twins and adoption (pedigree editor): a monozygotic / dizygotic co-twin (same parents);
    # adopted "in" (raised by the recorded parents, not their biological child) or "out" (placed for adoption).
    mz_twin_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    dz_twin_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    adopted: Mapped[str | None] = mapped_column(String(3), nullable=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Risk inputs kept with the patient: height (cm), smoking (never/former/current), pack-years, quit age (years).
    height_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    smoking: Mapped[str | None] = mapped_column(String(10), nullable=True)
    pack_years: Mapped[float | None] = mapped_column(Float, nullable=True)
    quit_age: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Result(Base):
    """One result of a patient on a date: a level, CRP, phenotype, genotype or spirometry."""

    __tablename__ = "results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    taken_on: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    below: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    method: Mapped[str | None] = mapped_column(String(40), nullable=True)
    text: Mapped[str | None] = mapped_column(String(100), nullable=True)
    panel: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fev1_l: Mapped[float | None] = mapped_column(Float, nullable=True)
    fvc_l: Mapped[float | None] = mapped_column(Float, nullable=True)
    post_bronchodilator: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    """Spirometry only: measured after a bronchodilator (``None``: not said). The guidelines judge airflow
    obstruction on post-bronchodilator values; the answers say when a spirometry is not marked as such."""
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The client's ``Idempotency-Key`` header (unique per organisation): a retry returns this row."""
    retracted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the result was retracted (kept, shown struck through, left out of every answer)."""
    retraction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the result was last corrected (the audit log holds the old values and the reason)."""

    __table_args__ = (Index("ix_results_idempotency_key", "organisation_id", "idempotency_key", unique=True),)


class FamilyEdit(Base):
    """One change made in the pedigree editor, with the family as it was before (for undo).

    ``before`` maps each patient id of the family to its editable fields before the change
    (``label``, ``sex``, ``birth_year``, parents, partner, twins, ``adopted``, flags and
    ``deleted``); undoing restores them and removes members created by the change.
    """

    __tablename__ = "family_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    summary: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEvent(Base):
    """Who read or changed which record, and when. Append-only and hash-chained.

    ``seq`` numbers the events 1, 2, 3... without gaps; ``prev_hash`` is the ``hash`` of event
    ``seq - 1`` (64 zeros for the first); ``hash`` is the SHA-256 of the event's canonical form
    (:func:`aatd.web.workspace.audit.canonical`).
    """

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_change(*_args: object) -> None:
    raise PermissionError("the audit log is append-only")
