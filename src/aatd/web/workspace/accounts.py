"""Organisations, users, login sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import time
from collections.abc import Sequence

import pyotp
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from aatd.errors import AatdError, Conflict, Forbidden, InputError, NotFound
from aatd.limits import check_text
from aatd.web.db import before_slow_work
from aatd.web.models import ROLES, TOKEN_SCOPES, ApiToken, LoginSession, Organisation, User, utcnow
from aatd.web.security import TotpKeyError, TotpVault, hash_password, new_token, token_digest, verify_password
from aatd.web.workspace import audit
from aatd.web.workspace.throttle import LoginThrottle, ThrottlePolicy, account_key

MAX_TOKEN_DAYS = 365
TOKEN_NAME = 100
"""Characters in an API token's name (the column's length; the API schema declares the same)."""
TOTP_DIGITS = 6


class LoginFailed(AatdError):
    """Wrong email, password or two-step code, or a deactivated account (the caller cannot tell which)."""

    def __init__(self) -> None:
        super().__init__("wrong email or password (or two-step login code)")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


def clean_email(email: str) -> str:
    """A lower-cased, plausible email address, or :class:`InputError`."""
    text = str(email).strip().lower()
    if not _EMAIL.match(text) or any(ord(c) < 32 for c in text):
        raise InputError("email", email, "an email address such as name@example.org")
    return text


def organisation_key(name: str) -> str:
    """The case-blind key of an organisation name: "My Clinic" and "my clinic" are one organisation."""
    return str(name).strip().casefold()[:200]


def organisation(db: Session, name: str, *, create: bool = False) -> Organisation:
    """The organisation called ``name`` (created when asked)."""
    clean = str(name).strip()
    if not clean or len(clean) > 200:
        raise InputError("org", name, "an organisation name of 1 to 200 characters")
    found = db.scalar(select(Organisation).where(Organisation.name_key == organisation_key(clean)))
    if found is None and create:
        found = Organisation(name=clean, name_key=organisation_key(clean))
        db.add(found)
        db.flush()
    if found is None:
        raise InputError("org", name, "an existing organisation")
    return found


def create_user(db: Session, org: Organisation, email: str, password: str, role: str = "clinician",
                *, by: User | None = None) -> User:
    """A new user of ``org``; the email must be unused.

    Emails are login names, unique across the whole server, so an admin who adds an email that is
    already in use (in any organisation) is told so. That answer says the email has an account
    somewhere; when an admin (``by``) asks, the refusal is recorded in the audit log of the admin's
    organisation and, if it differs, of the account's, in a transaction of its own: probing for
    other organisations' users is visible to both admins.
    """
    if role not in ROLES:
        raise InputError("role", role, "admin or clinician")
    address = clean_email(email)
    existing = db.scalar(select(User).where(User.email == address))
    if existing is not None:
        if by is not None:
            _record_refused_email(db, by, existing)
        raise Conflict(f"a user with email {address} already exists")
    user = User(organisation_id=org.id, email=address, role=role,
                password_hash=hash_password(password, (address, org.name)))
    db.add(user)
    db.flush()
    audit.record(db, by, "create", "user", user.id, actor="cli", organisation_id=org.id, detail={"role": role})
    return user


def _record_refused_email(db: Session, admin: User, existing: User) -> None:
    """Audit an admin's attempt to add an email that already has an account, now, in its own transaction."""
    target_id, target_org = existing.id, existing.organisation_id
    same = target_org == admin.organisation_id
    db.rollback()
    audit.record(db, admin, "create_refused", "user", target_id if same else None,
                 detail={"reason": "email in use", "in_this_organisation": same})
    if not same:
        audit.record(db, None, "create_refused", "user", target_id, actor=admin.email, organisation_id=target_org,
                     detail={"reason": "email in use", "by_organisation": admin.organisation.name})
    db.commit()


def authenticate(db: Session, email: str, password: str, code: str | None = None, *,
                 vault: TotpVault | None = None) -> User | None:
    """The active user with these credentials, or ``None`` (same work either way).

    A user who set up two-step login must also give the current 6-digit code of their
    authenticator app (``code``); their secret is decrypted with ``vault`` (none: refused).
    """
    user = db.scalar(select(User).where(User.email == str(email).strip().lower()))
    before_slow_work(db)  # the hash check takes ~0.1 s of CPU: not while holding SQLite's write lock
    ok = verify_password(user.password_hash if user is not None else None, password)
    if not ok or user is None or not user.active:
        return None
    if user.totp_secret_encrypted is not None and not _code_matches(vault, user, code):
        return None
    return user


def _code_matches(vault: TotpVault | None, user: User, code: str | None) -> bool:
    """Whether ``code`` is the current code of the user's stored (encrypted) secret, not used before.

    A code is accepted once: the 30-second step it belongs to is remembered, and a code from that
    step or an earlier one is refused (RFC 6238 section 5.2), so a code seen over a shoulder or
    replayed from a log cannot open a second session.
    Raises :class:`~aatd.web.security.TotpKeyError` when the keys cannot decrypt it.
    """
    if user.totp_secret_encrypted is None:
        return True
    if vault is None:
        return False
    step = totp_step(vault.open(user.totp_secret_encrypted), code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def totp_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    """The RFC 6238 time step (30 s) whose code ``code`` is, trying now and one step either side
    (clock drift); ``None`` when it is none of them."""
    text = (code or "").replace(" ", "")
    if len(text) != TOTP_DIGITS or not text.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    for offset in (0, -1, 1):
        step = totp.timecode(dt.datetime.fromtimestamp(moment, dt.UTC)) + offset
        if hmac.compare_digest(totp.generate_otp(step), text):
            return step
    return None


def totp_matches(secret: str, code: str | None) -> bool:
    """Whether ``code`` is the TOTP code (RFC 6238, 30 s steps) of ``secret`` now, or one step either side."""
    return totp_step(secret, code) is not None


def new_totp_secret() -> str:
    """A fresh random base32 secret (160 bits) for an authenticator app."""
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (typed in, or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="aatd")


def enable_totp(db: Session, vault: TotpVault, user: User, secret: str, code: str) -> None:
    """Turn on two-step login once the user proves their app shows the right code for ``secret``."""
    if len(secret) != 32 or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in secret):
        raise InputError("secret", secret, "the 32-character key shown when setting up two-step login")
    step = totp_step(secret, code)
    if step is None:
        raise InputError("code", code, "the 6-digit code your authenticator app shows now")
    user.totp_secret_encrypted = vault.seal(secret)
    user.totp_last_step = step
    audit.record(db, user, "enable_totp", "user", user.id)


def disable_own_totp(db: Session, vault: TotpVault, user: User, code: str) -> None:
    """The user turns off their own two-step login, giving a current code."""
    if not _code_matches(vault, user, code):
        raise InputError("code", code, "the 6-digit code your authenticator app shows now")
    disable_totp(db, user, by=user)


def disable_totp(db: Session, user: User, *, by: User | None = None) -> None:
    """Turn off a user's two-step login (by themself, an admin, or the CLI when ``by`` is None)."""
    if user.totp_secret_encrypted is None:
        return
    user.totp_secret_encrypted = None
    audit.record(db, by if by is not None else user, "disable_totp", "user", user.id, actor="cli",
                 organisation_id=user.organisation_id)


def rotate_totp_secrets(db: Session, keys: Sequence[str]) -> int:
    """Encrypt every stored two-step login secret again under the newest of ``keys`` (key rotation);
    returns how many. All or nothing: a secret no key decrypts raises
    :class:`~aatd.web.security.TotpKeyError` naming its user, and the caller's transaction rolls back."""
    vault = TotpVault(keys)
    users = db.scalars(select(User).where(User.totp_secret_encrypted.is_not(None)).order_by(User.id)).all()
    for user in users:
        assert user.totp_secret_encrypted is not None
        try:
            user.totp_secret_encrypted = vault.rotate(user.totp_secret_encrypted)
        except TotpKeyError:
            raise TotpKeyError(f"user {user.email}") from None
    audit.record(db, None, "rotate_totp_keys", "user", None, actor="cli", detail={"secrets": len(users)})
    return len(users)


def remove_member_totp(db: Session, admin: User, user_id: int) -> User:
    """An admin removes a user's two-step login (a lost phone); the user can set it up again."""
    user = _member(db, admin, user_id)
    disable_totp(db, user, by=admin)
    return user


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


def login(db: Session, policy: ThrottlePolicy, email: str, password: str, address: str, via: str,
          code: str | None = None, *, vault: TotpVault | None = None) -> User:
    """The user with these credentials, throttled by account and address.

    Raises :class:`~aatd.web.workspace.throttle.Throttled` before checking when too many attempts
    failed, and :class:`LoginFailed` after recording the failure (and its audit event) in a
    transaction of its own, committed even though the request then fails.
    """
    account = account_key(email)
    gate = LoginThrottle(db, policy)
    gate.check(account, address)
    user = authenticate(db, email, password, code, vault=vault)
    if user is None:
        record_failed_login(db, policy, account, address, via)
        raise LoginFailed
    gate.succeeded(account, address)
    return user


def record_failed_login(db: Session, policy: ThrottlePolicy, account: str, address: str, via: str) -> None:
    """Count and audit a failed login now, in its own transaction.

    The event belongs to the organisation of the targeted account when it exists, so that
    organisation's admin sees attempts on their users.
    """
    db.rollback()
    target = db.scalar(select(User).where(User.email == account))
    LoginThrottle(db, policy).failed(account, address)
    audit.record(db, None, "login_failed", "user", target.id if target is not None else None,
                 actor=account or "anonymous", organisation_id=target.organisation_id if target else None,
                 detail={"via": via, "address": address})
    db.commit()


def _member(db: Session, admin: User, user_id: int) -> User:
    """A user of the admin's organisation, or :class:`NotFound` (also for other organisations' users)."""
    if not admin.is_admin:
        raise Forbidden("managing users needs the admin role")
    user = db.get(User, user_id)
    if user is None or user.organisation_id != admin.organisation_id:
        raise NotFound("user", user_id)
    return user


def user_by_email(db: Session, email: str) -> User:
    """The user with this email (for the CLI), or :class:`NotFound`."""
    user = db.scalar(select(User).where(User.email == account_key(email)))
    if user is None:
        raise NotFound("user", email)
    return user


def _sign_out_everywhere(db: Session, user: User, *, keep_session: int | None = None) -> None:
    """End the user's sessions (but ``keep_session``) and revoke their API tokens."""
    sessions = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_session is not None:
        sessions = sessions.where(LoginSession.id != keep_session)
    db.execute(sessions)
    db.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
               .values(revoked_at=utcnow()))


def change_password(db: Session, user: User, current: str, new: str, *, keep_session: int | None = None) -> None:
    """Change one's own password; the current one must be given. Other sessions and all tokens end."""
    if not verify_password(user.password_hash, current):
        raise InputError("current_password", "<hidden>", "your current password")
    if new == current:
        raise InputError("new_password", "<hidden>", "a password different from the current one")
    user.password_hash = hash_password(new, (user.email, user.organisation.name))
    _sign_out_everywhere(db, user, keep_session=keep_session)
    audit.record(db, user, "change_password", "user", user.id)


def set_password(db: Session, user: User, new: str, *, by: User | None = None) -> None:
    """Set a user's password without the old one (an admin's reset, or the CLI); signs them out everywhere."""
    user.password_hash = hash_password(new, (user.email, user.organisation.name))
    _sign_out_everywhere(db, user)
    audit.record(db, by, "reset_password", "user", user.id, actor="cli", organisation_id=user.organisation_id)


def reset_password(db: Session, admin: User, user_id: int, new: str) -> User:
    """An admin sets a new password for a user of their organisation."""
    user = _member(db, admin, user_id)
    set_password(db, user, new, by=admin)
    return user


def set_active(db: Session, user: User, active: bool, *, by: User | None = None) -> None:
    """Deactivate (sessions end, tokens revoked, logins refused) or reactivate a user."""
    if by is not None and by.id == user.id and not active:
        raise Conflict("you cannot deactivate your own account; ask another admin")
    user.active = active
    if not active:
        _sign_out_everywhere(db, user)
    audit.record(db, by, "reactivate" if active else "deactivate", "user", user.id, actor="cli",
                 organisation_id=user.organisation_id)


def set_member_active(db: Session, admin: User, user_id: int, active: bool) -> User:
    """An admin deactivates or reactivates a user of their organisation."""
    user = _member(db, admin, user_id)
    set_active(db, user, active, by=admin)
    return user


def unlock(db: Session, user: User, *, by: User | None = None) -> int:
    """Clear the failed logins counted against ``user``; returns how many were cleared."""
    cleared = LoginThrottle(db, ThrottlePolicy()).unlock(user.email)
    audit.record(db, by, "unlock", "user", user.id, actor="cli", organisation_id=user.organisation_id,
                 detail={"cleared": cleared})
    return cleared


def unlock_member(db: Session, admin: User, user_id: int) -> User:
    """An admin clears the login throttle of a user of their organisation."""
    user = _member(db, admin, user_id)
    unlock(db, user, by=admin)
    return user


def issue_api_token(db: Session, user: User, name: str = "api", *, scope: str = "write",
                    days: int = 90) -> str:
    """A new bearer token for ``user``, valid ``days`` days, ``read`` (GET only) or ``write``; shown once."""
    if scope not in TOKEN_SCOPES:
        raise InputError("scope", scope, "read or write")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InputError("expires_in_days", days, f"1 to {MAX_TOKEN_DAYS} days")
    name = check_text("name", name, TOKEN_NAME)  # refused, never cut to the column's length
    token = new_token()
    db.add(ApiToken(user_id=user.id, name=name or "api", token_hash=token_digest(token), scope=scope,
                    expires_at=utcnow() + dt.timedelta(days=days)))
    audit.record(db, user, "create", "api_token", None, detail={"name": name, "scope": scope, "days": days})
    return token


def tokens(db: Session, user: User) -> Sequence[ApiToken]:
    """The user's API tokens, newest first (revoked and expired ones included)."""
    return db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).all()


def revoke_token_id(db: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens, by id."""
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(db, user, "revoke", "api_token", row.id)
    return row


def revoke_api_token(db: Session, token: str) -> None:
    """Revoke a bearer token."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is not None:
        row.revoked_at = utcnow()
