"""Login throttling by account and by client address, kept in the database.

Three sliding windows, all counting failed logins in the last ``window_s`` seconds:

* **account and address**: ``pair_attempts`` failures for one email from one address, then
  that pair waits until its oldest failure leaves the window;
* **address**: ``address_attempts`` failures from one address over any emails (password
  spraying), then that address waits;
* **account**: ``account_attempts`` failures for one email from anywhere (a distributed
  attack), then further attempts back off exponentially (30 s, 60 s, 120 s, ... up to the window).

An address from which the account logged in successfully in the last ``familiar_days`` days
is exempt from the address and account limits, so an attacker's wrong passwords elsewhere
never lock the real user out of their usual address; only their own pair limit applies.

The state lives in the ``login_attempts`` table: every worker process shares it, the CLI can
clear it (``aatd user unlock``), and memory use does not grow with attempts. Rows older than
the window (failures) or than ``familiar_days`` (successes) are deleted as new ones arrive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from aatd.errors import AatdError
from aatd.web.models import LoginAttempt, utcnow

MAX_ACCOUNT_KEY = 320
MAX_ADDRESS = 64


class Throttled(AatdError):
    """Too many failed logins: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed attempts; try again in {retry_after} s")


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """The limits of :class:`LoginThrottle` (defaults: 5 per pair, 30 per address, 100 per account)."""

    pair_attempts: int = 5
    address_attempts: int = 30
    account_attempts: int = 100
    window_s: float = 900.0
    familiar_days: float = 30.0
    backoff_s: float = 30.0


def account_key(email: str) -> str:
    """The throttle key of a typed email: stripped, lower-cased, capped at 320 characters."""
    return str(email).strip().lower()[:MAX_ACCOUNT_KEY]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class LoginThrottle:
    """Failed-login accounting for one request's database session."""

    def __init__(self, db: Session, policy: ThrottlePolicy) -> None:
        self.db = db
        self.policy = policy

    def _failures(self, *conditions: ColumnElement[bool]) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        since = utcnow() - dt.timedelta(seconds=self.policy.window_s)
        row = self.db.execute(select(func.count(), func.min(LoginAttempt.at), func.max(LoginAttempt.at))
                              .where(LoginAttempt.ok.is_(False), LoginAttempt.at > since, *conditions)).one()
        return int(row[0]), row[1], row[2]

    def familiar(self, account: str, address: str) -> bool:
        """Whether ``account`` logged in from ``address`` within the last ``familiar_days`` days."""
        since = utcnow() - dt.timedelta(days=self.policy.familiar_days)
        return self.db.scalar(select(LoginAttempt.id).where(
            LoginAttempt.ok.is_(True), LoginAttempt.account == account, LoginAttempt.address == address,
            LoginAttempt.at > since).limit(1)) is not None

    def check(self, account: str, address: str) -> None:
        """Raise :class:`Throttled` when ``account`` may not try again from ``address`` yet."""
        wait = self.retry_after(account, address)
        if wait:
            raise Throttled(wait)

    def retry_after(self, account: str, address: str) -> int:
        """Seconds to wait before another attempt for ``account`` from ``address``; 0 when allowed."""
        now, window = utcnow(), self.policy.window_s
        waits: list[float] = []
        count, oldest, _ = self._failures(LoginAttempt.account == account, LoginAttempt.address == address)
        if count >= self.policy.pair_attempts and oldest is not None:
            waits.append(window - (now - _aware(oldest)).total_seconds())
        if not self.familiar(account, address):
            count, oldest, _ = self._failures(LoginAttempt.address == address)
            if count >= self.policy.address_attempts and oldest is not None:
                waits.append(window - (now - _aware(oldest)).total_seconds())
            count, _, newest = self._failures(LoginAttempt.account == account)
            if count >= self.policy.account_attempts and newest is not None:
                backoff = min(self.policy.backoff_s * 2.0 ** (count - self.policy.account_attempts), window)
                waits.append(backoff - (now - _aware(newest)).total_seconds())
        wait = max(waits, default=0.0)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, account: str, address: str) -> None:
        """Count a failed attempt (the caller commits it in its own transaction)."""
        now = utcnow()
        self.db.execute(delete(LoginAttempt).where(
            LoginAttempt.ok.is_(False), LoginAttempt.at < now - dt.timedelta(seconds=self.policy.window_s)))
        self.db.add(LoginAttempt(account=account, address=address, ok=False, at=now))
        self.db.flush()

    def succeeded(self, account: str, address: str) -> None:
        """Forget the pair's failures and remember the address as familiar for the account."""
        now = utcnow()
        self.db.execute(delete(LoginAttempt).where(LoginAttempt.account == account,
                                                   LoginAttempt.address == address))
        self.db.execute(delete(LoginAttempt).where(
            LoginAttempt.ok.is_(True), LoginAttempt.at < now - dt.timedelta(days=self.policy.familiar_days)))
        self.db.add(LoginAttempt(account=account, address=address, ok=True, at=now))
        self.db.flush()

    def unlock(self, account: str) -> int:
        """Clear every failure counted against ``account``; returns how many were cleared."""
        result = self.db.execute(delete(LoginAttempt).where(LoginAttempt.account == account,
                                                            LoginAttempt.ok.is_(False)))
        return int(getattr(result, "rowcount", 0) or 0)
