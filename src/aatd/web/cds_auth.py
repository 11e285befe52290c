"""Who may call aatd's CDS Hooks services: settings and JWT verification (CDS Hooks 2.0, "Trusting CDS Clients").

Settings (environment):

``AATD_CDS_ISSUERS``        JSON object: issuer (the JWT ``iss``) -> its public JWK Set
                            (``{"keys": [...]}``), exchanged with the EHR out of band.
``AATD_CDS_ISSUERS_FILE``   the same JSON in a file (used when ``AATD_CDS_ISSUERS`` is unset).
``AATD_CDS_BASE_URL``       public base URL of aatd (e.g. ``https://aatd.example.org``): the
                            ``aud`` of a call must be ``{base}/cds-services/{id}``. Default:
                            the URL the request arrived at.
``AATD_CDS_ALGORITHMS``     accepted signature algorithms (default ES384, RS384, ES256, RS256,
                            ES512, RS512, PS256, PS384, PS512). ``none`` and HMAC are refused.
``AATD_CDS_FHIR_SERVERS``   comma-separated FHIR base URLs aatd may query when a call lacks
                            prefetch data (default: none, so such calls get 412).
``AATD_CDS_ALLOWED_ORIGINS`` comma-separated browser origins allowed by CORS (e.g. the public
                            sandbox ``https://sandbox.cds-hooks.org``); default none.

A call must carry ``Authorization: Bearer <JWT>`` signed by a configured issuer's key
(header ``kid`` picks the key; ``jku`` is never fetched), with ``aud`` the service URL,
``exp``/``iat`` current and a ``jti`` not seen before (replays are refused). With
``AATD_ENV=local`` a call without any Authorization header, or with a well-formed JWT from an
issuer that is not configured (the public CDS Hooks sandbox signs with a key published in its
source code, so its signature proves nothing), is accepted unverified with a logged warning. A
malformed token, or a token from a configured issuer that fails verification, is refused everywhere.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from aatd.errors import InputError

log = logging.getLogger("aatd.web.cds")

DEFAULT_ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS256", "PS384", "PS512")
FORBIDDEN_ALGORITHMS = ("none", "HS256", "HS384", "HS512")
LEEWAY_S = 30
"""Clock skew tolerated on ``exp``/``iat`` (seconds)."""
MAX_REPLAY_CACHE = 10_000


class CdsAuthError(Exception):
    """The call is not authenticated (HTTP 401)."""


@dataclass(frozen=True, slots=True)
class CdsSettings:
    """Resolved CDS Hooks settings."""

    env: str = "local"
    issuers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    base_url: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    fhir_servers: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()

    @property
    def allows_unsigned(self) -> bool:
        """Only a local instance accepts calls without a JWT."""
        return self.env == "local"


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip().rstrip("/") for v in (value or "").split(",") if v.strip())


def _issuers(raw: str, name: str) -> dict[str, Mapping[str, Any]]:
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(name, "<json>", "a JSON object of issuer -> JWK Set", hint=exc.msg) from None
    if not isinstance(doc, dict) or not all(isinstance(v, dict) and isinstance(v.get("keys"), list)
                                            for v in doc.values()):
        raise InputError(name, "<json>", 'a JSON object {"<iss>": {"keys": [<public JWK>, ...]}}')
    for iss, jwks in doc.items():
        try:
            jwt.PyJWKSet.from_dict(jwks)
        except jwt.PyJWTError as exc:
            raise InputError(name, iss, "a valid public JWK Set", hint=str(exc)) from None
        if any("d" in key for key in jwks["keys"]):
            raise InputError(name, iss, "public keys only (a JWK with 'd' is a private key)")
    return doc


def load_cds_settings(environ: Mapping[str, str] | None = None) -> CdsSettings:
    """CDS settings from ``environ`` (default ``os.environ``); refuses unsafe algorithm lists."""
    env_vars = dict(os.environ if environ is None else environ)
    raw = env_vars.get("AATD_CDS_ISSUERS")
    name = "AATD_CDS_ISSUERS"
    if raw is None and env_vars.get("AATD_CDS_ISSUERS_FILE"):
        name = "AATD_CDS_ISSUERS_FILE"
        raw = Path(env_vars[name]).read_text(encoding="utf-8")
    algorithms = _list(env_vars.get("AATD_CDS_ALGORITHMS")) or DEFAULT_ALGORITHMS
    bad = [a for a in algorithms if a in FORBIDDEN_ALGORITHMS or a.startswith("HS")]
    if bad:
        raise InputError("AATD_CDS_ALGORITHMS", ",".join(bad), "asymmetric algorithms only (CDS Hooks forbids none "
                         "and HMAC)")
    return CdsSettings(env=env_vars.get("AATD_ENV", "local").strip().lower(),
                       issuers=_issuers(raw, name) if raw else {},
                       base_url=(env_vars.get("AATD_CDS_BASE_URL") or "").rstrip("/") or None,
                       algorithms=algorithms, fhir_servers=_list(env_vars.get("AATD_CDS_FHIR_SERVERS")),
                       allowed_origins=_list(env_vars.get("AATD_CDS_ALLOWED_ORIGINS")))


class ReplayCache:
    """``jti`` values seen, kept until their token expires (bounded; thread-safe)."""

    def __init__(self, limit: int = MAX_REPLAY_CACHE) -> None:
        self.limit = limit
        self.seen: dict[str, float] = {}
        self.lock = threading.Lock()

    def first_use(self, jti: str, expires: float, now: float) -> bool:
        """Record ``jti``; False when it was already used by an unexpired token."""
        with self.lock:
            for key in [k for k, exp in self.seen.items() if exp < now - LEEWAY_S]:
                del self.seen[key]
            if jti in self.seen:
                return False
            if len(self.seen) >= self.limit:
                self.seen.pop(next(iter(self.seen)))
            self.seen[jti] = expires
            return True


def verify_call(authorization: str | None, audience: str, settings: CdsSettings, replays: ReplayCache,
                *, now: float | None = None) -> dict[str, Any] | None:
    """The verified JWT claims of a call, or None for an unsigned call that a local instance accepts.

    Raises :class:`CdsAuthError` naming what is wrong.
    """
    if not authorization:
        if settings.allows_unsigned:
            log.warning("CDS Hooks call to %s without a JWT accepted because AATD_ENV=local", audience)
            return None
        raise CdsAuthError("a signed JWT (Authorization: Bearer ...) is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CdsAuthError("Authorization must be 'Bearer <JWT>'")
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise CdsAuthError(f"malformed JWT: {exc}") from None
    alg, kid, iss = header.get("alg"), header.get("kid"), unverified.get("iss")
    if alg not in settings.algorithms:
        raise CdsAuthError(f"JWT algorithm {alg!r} not accepted (accepted: {', '.join(settings.algorithms)})")
    if not isinstance(iss, str) or iss not in settings.issuers:
        if settings.allows_unsigned:
            log.warning("CDS Hooks call to %s with a JWT from unconfigured issuer %r accepted unverified because "
                        "AATD_ENV=local", audience, iss)
            return None
        raise CdsAuthError(f"JWT issuer {iss!r} is not a trusted CDS client")
    key = _key(settings.issuers[iss], kid, iss)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[str(alg)], audience=audience, issuer=iss, leeway=LEEWAY_S,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]})
    except jwt.PyJWTError as exc:
        raise CdsAuthError(f"JWT rejected: {exc}") from None
    moment = time.time() if now is None else now
    if float(claims["iat"]) > moment + LEEWAY_S:
        raise CdsAuthError("JWT issued in the future")
    if not replays.first_use(f"{iss}|{claims['jti']}", float(claims["exp"]), moment):
        raise CdsAuthError("JWT already used (jti replayed)")
    return claims


def _key(jwks: Mapping[str, Any], kid: object, iss: str) -> Any:
    if not isinstance(kid, str):
        raise CdsAuthError("JWT header has no kid")
    try:
        return jwt.PyJWKSet.from_dict(dict(jwks))[kid].key
    except KeyError:
        raise CdsAuthError(f"no key {kid!r} for issuer {iss!r}") from None
