"""Organisations, users, login sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aatd.errors import Conflict, InputError
from aatd.web.db import before_slow_work
from aatd.web.models import ROLES, ApiToken, LoginSession, Organisation, User, utcnow
from aatd.web.security import hash_password, new_token, token_digest, verify_password
from aatd.web.workspace import audit

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


def clean_email(email: str) -> str:
    """A lower-cased, plausible email address, or :class:`InputError`."""
    text = str(email).strip().lower()
    if not _EMAIL.match(text) or any(ord(c) < 32 for c in text):
        raise InputError("email", email, "an email address such as name@example.org")
    return text


def organisation(db: Session, name: str, *, create: bool = False) -> Organisation:
    """The organisation called ``name`` (created when asked)."""
    clean = str(name).strip()
    if not clean or len(clean) > 200:
        raise InputError("org", name, "an organisation name of 1 to 200 characters")
    found = db.scalar(select(Organisation).where(Organisation.name == clean))
    if found is None and create:
        found = Organisation(name=clean)
        db.add(found)
        db.flush()
    if found is None:
        raise InputError("org", name, "an existing organisation")
    return found


def create_user(db: Session, org: Organisation, email: str, password: str, role: str = "clinician",
                *, by: User | None = None) -> User:
    """A new user of ``org``; the email must be unused."""
    if role not in ROLES:
        raise InputError("role", role, "admin or clinician")
    address = clean_email(email)
    if db.scalar(select(User).where(User.email == address)) is not None:
        raise Conflict(f"a user with email {address} already exists")
    user = User(organisation_id=org.id, email=address, password_hash=hash_password(password), role=role)
    db.add(user)
    db.flush()
    audit.record(db, by, "create", "user", user.id, actor="cli", organisation_id=org.id, detail={"role": role})
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or ``None`` (same work either way)."""
    user = db.scalar(select(User).where(User.email == str(email).strip().lower()))
    before_slow_work(db)  # the hash check takes ~0.1 s of CPU: not while holding SQLite's write lock
    ok = verify_password(user.password_hash if user is not None else None, password)
    return user if ok and user is not None and user.active else None


def start_session(db: Session, user: User, hours: float) -> tuple[str, LoginSession]:
    """A new login session; returns the cookie token (kept only as a digest) and the row."""
    token = new_token()
    row = LoginSession(token_hash=token_digest(token), user_id=user.id, csrf_token=new_token(),
                       expires_at=utcnow() + dt.timedelta(hours=hours))
    db.add(row)
    db.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))
    db.flush()
    return token, row


def end_session(db: Session, session_id: int) -> None:
    """Log out: the session row is removed, so the cookie is worthless even if kept."""
    db.execute(delete(LoginSession).where(LoginSession.id == session_id))


def issue_api_token(db: Session, user: User, name: str = "api") -> str:
    """A new bearer token for ``user``; shown once, stored as a digest."""
    token = new_token()
    db.add(ApiToken(user_id=user.id, name=name[:100] or "api", token_hash=token_digest(token)))
    audit.record(db, user, "create", "api_token", None, detail={"name": name[:100]})
    return token


def revoke_api_token(db: Session, token: str) -> None:
    """Revoke a bearer token."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is not None:
        row.revoked_at = utcnow()
