"""The CDS Hooks endpoints: ``GET /cds-services`` (discovery) and ``POST /cds-services/{id}``.

Thin transport over :mod:`aatd.interop.cds_hooks` (the services) and :mod:`aatd.web.cds_auth`
(who may call). The services and the JWT check run in worker threads; unsigned calls are under the
anonymous compute budget (:mod:`aatd.web.budget`). Errors
use the API's one JSON error shape: 400 bad request, 401 unauthenticated, 404 unknown
service, 412 prefetch missing and no FHIR server aatd may query.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from aatd.errors import InputError
from aatd.interop.cds_hooks import PrefetchMissing, UnknownService, call_service, discovery
from aatd.limits import TimeBudgetExceeded
from aatd.web.budget import caller_budget
from aatd.web.cds_auth import CdsAuthError, CdsSettings, ReplayCache, load_cds_settings, verify_call
from aatd.web.errors import BUSY_RETRY_S, ApiError, body

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])


class DiscoveryOut(BaseModel):
    """The CDS Hooks discovery document: one entry per (service, hook) with its prefetch templates."""

    services: list[dict[str, Any]]


class CardsOut(BaseModel):
    """A CDS Hooks service response: the cards (possibly none)."""

    cards: list[dict[str, Any]]


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed CDS Hooks request or results aatd cannot map (the JSON error shape)"},
    401: {"description": "No valid JWT from a configured CDS client"},
    404: {"description": "No such service"},
    412: {"description": "Prefetch data missing and no FHIR server aatd may query"},
}
FETCH_TIMEOUT_S = 5.0
MAX_FETCH_BYTES = 5_000_000


def cds_settings(request: Request) -> CdsSettings:
    """The app's CDS settings (loaded from the environment once; tests may set ``app.state.cds_settings``)."""
    state = request.app.state
    if getattr(state, "cds_settings", None) is None:
        state.cds_settings = load_cds_settings()
    if getattr(state, "cds_replays", None) is None:
        state.cds_replays = ReplayCache()
    settings: CdsSettings = state.cds_settings
    return settings


def _error(status: int, message: str, errors: list[dict[str, object]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body(status, message, errors or []), status_code=status, headers=headers)


def _cors(request: Request, response: Response, settings: CdsSettings) -> None:
    origin = request.headers.get("origin", "").rstrip("/")
    if origin and origin in settings.allowed_origins:
        response.headers["access-control-allow-origin"] = origin
        response.headers["access-control-allow-headers"] = "authorization, content-type"
        response.headers["access-control-allow-methods"] = "GET, POST, OPTIONS"
        response.headers["vary"] = "origin"


def _base(request: Request, settings: CdsSettings) -> str:
    return settings.base_url or str(request.base_url).rstrip("/")


@router.get("", response_model=DiscoveryOut)
def discover(request: Request) -> JSONResponse:
    """The services aatd offers, with their hooks and prefetch templates."""
    response = JSONResponse(discovery())
    _cors(request, response, cds_settings(request))
    return response


@router.options("", status_code=204, include_in_schema=False)
@router.options("/{service_id}", status_code=204, include_in_schema=False)
def preflight(request: Request) -> Response:
    """CORS preflight for the origins in ``AATD_CDS_ALLOWED_ORIGINS``."""
    response = Response(status_code=204)
    _cors(request, response, cds_settings(request))
    return response


def _fetcher(payload: dict[str, Any], settings: CdsSettings) -> Callable[[str], object] | None:
    """A function that reads a prefetch query from the call's FHIR server, if aatd may query it."""
    server = payload.get("fhirServer")
    auth = payload.get("fhirAuthorization")
    if not isinstance(server, str) or server.rstrip("/") not in settings.fhir_servers:
        return None
    token = auth.get("access_token") if isinstance(auth, dict) else None

    def fetch(query: str) -> object:
        url = server.rstrip("/") + "/" + query.lstrip("/")
        if urllib.parse.urlsplit(url).netloc != urllib.parse.urlsplit(server).netloc:
            raise PrefetchMissing("fetch", (query,))
        headers = {"Accept": "application/fhir+json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                        timeout=FETCH_TIMEOUT_S) as reply:
                return json.loads(reply.read(MAX_FETCH_BYTES + 1)[:MAX_FETCH_BYTES])
        except (OSError, ValueError):
            raise PrefetchMissing("fetch", (query,)) from None
    return fetch


@router.post("/{service_id}", response_model=CardsOut, responses=_ERRORS)
async def call(service_id: str, request: Request, payload: Annotated[dict[str, Any], Body()],
               authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
    """Run a service on a CDS Hooks request and return its cards.

    A call with a verified JWT runs with the logged-in time budget; any other call (accepted without a JWT
    when ``AATD_ENV=local``) is under the anonymous compute budget of the other engine routes
    (:func:`aatd.web.budget.caller_budget`: rate limit per address, engine slots, time budget). The JWT check
    and the service run in worker threads, never on the event loop."""
    settings = cds_settings(request)
    audience = f"{_base(request, settings)}/cds-services/{service_id}"
    try:
        claims = await run_in_threadpool(verify_call, authorization, audience, settings,
                                         request.app.state.cds_replays)
        async with caller_budget(request, signed_in=claims is not None):
            cards = await run_in_threadpool(call_service, service_id, payload, _fetcher(payload, settings))
    except ApiError as exc:  # 429 or 503 from the budget, answered here so the CORS headers are added
        response = _error(exc.status, exc.error, exc.errors, headers=exc.headers)
    except TimeBudgetExceeded as exc:
        response = _error(503, str(exc), headers={"Retry-After": str(BUSY_RETRY_S)})
    except CdsAuthError as exc:
        response = _error(401, str(exc), headers={"WWW-Authenticate": "Bearer"})
    except UnknownService as exc:
        response = _error(404, str(exc))
    except PrefetchMissing as exc:
        response = _error(412, str(exc), [{"field": f"prefetch.{k}", "value": None,
                                           "expected": "prefetched data or a FHIR server aatd may query",
                                           "message": str(exc)} for k in exc.keys])
    except InputError as exc:
        response = _error(400, str(exc), [exc.as_dict()])
    else:
        response = JSONResponse(cards)
    _cors(request, response, settings)
    return response
