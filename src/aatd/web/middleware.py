"""Security headers on every response (pure ASGI middleware)."""

from __future__ import annotations

import contextlib
import json

import anyio
import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aatd.errors import InputError
from aatd.limits import load_json

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
# Drawings served as images (SVG from the engines) may carry inline presentation styles; as
# <img> they cannot run scripts.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds CSP, nosniff, frame denial and a referrer policy; no-store on authenticated pages."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in HEADERS.items():
                    headers.setdefault(key, value)
                is_svg = headers.get("content-type", "").startswith("image/svg")
                headers.setdefault("content-security-policy", IMAGE_CSP if is_svg else CSP)
                if not str(scope.get("path", "")).startswith("/static/"):
                    headers.setdefault("cache-control", "no-store")
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies larger than ``limit`` bytes with 413 in the API's error shape."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        received, exceeded, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                exceeded = True
                raise TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # A body parser may catch TooLarge and answer 400 ("error parsing the body", as a streamed
            # multipart upload does): once the body went over the limit, the answer is the 413.
            nonlocal started
            if exceeded and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(TooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"ok": False, "status": 413, "error": f"request body larger than {self.limit} bytes",
                           "errors": []}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class TooLarge(Exception):
    """A streamed request body went over the limit."""


MAX_BODY_BYTES = 4_000_000
"""The largest request body the app accepts (bytes): a 500-member pedigree with every result is far smaller."""

_JSON_TYPES = (b"application/json", b"application/merge-patch+json")


class StrictInput:
    """Refuses, before any route runs, input that Python would accept but aatd must not.

    - JSON bodies are parsed with :func:`aatd.limits.load_json`: ``NaN``, ``Infinity``,
      ``1e999``, integers of more than 30 digits and nesting deeper than 32 levels are a 422
      in the one error shape (Python's parser turns them into floats that later break the
      JSON encoder, or into exceptions of its own).
    - A NUL character (``\\u0000`` in a JSON body, ``%00`` in an API query string) is a 422: no
      aatd text contains one and PostgreSQL cannot store it. Forms are checked field by field
      (the schemas refuse control characters), with :mod:`aatd.web.errors` as the backstop.

    The body is read once (it is already capped by :class:`BodyLimit`, which runs first) and
    replayed to the app unchanged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")
        if api and b"%00" in scope.get("query_string", b""):
            await _refuse(send, "query", "%00", "text without NUL characters")
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in _JSON_TYPES:
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        problem = await checked(body)
        if problem is not None:
            await _refuse(send, problem.field, problem.value, problem.expected)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


LARGE_BODY_BYTES = 64 * 1024
"""JSON bodies larger than this are checked in a thread of their own, one at a time (see :func:`checked`)."""
_LARGE_BODIES = anyio.CapacityLimiter(1)


async def checked(body: bytes) -> InputError | None:
    """What is wrong with a JSON body (:func:`_problem`), without holding the event loop for a large one.

    Parsing and checking a 1.7 MB CDS Hooks request takes about 110 ms of CPU (a 4 MB body, the most the app
    accepts, about twice that): on the event loop, every other request would wait that long. A body over
    :data:`LARGE_BODY_BYTES` is checked in a worker thread of its own limiter (not the route threads), one at a
    time, so several large bodies never run at once and the loop gets the interpreter lock every switch
    interval meanwhile."""
    if len(body) <= LARGE_BODY_BYTES:
        return _problem(body)
    return await anyio.to_thread.run_sync(_problem, body, limiter=_LARGE_BODIES)


def _problem(body: bytes) -> InputError | None:
    if not body.strip():
        return None
    try:
        doc = load_json(body, "body")
    except InputError as exc:
        return exc
    return InputError("body", "\\u0000", "text without NUL characters") if _has_nul(body, doc) else None


def _has_nul(body: bytes, doc: object) -> bool:
    """Whether a string (or key) of ``doc``, parsed from ``body``, holds a NUL character.

    JSON cannot carry a raw control character in a string, only the escape ``\\u0000``; a body without
    that escape has no NUL, found in C without walking the document (most bodies). A body with it is
    walked, since ``\\\\u0000`` (a backslash, then ``u0000``) is ordinary text."""
    if b"\\u0000" not in body:
        return False
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


async def _refuse(send: Send, field: str, value: object, expected: str) -> None:
    error = InputError(field, value, expected)
    body = json.dumps({"ok": False, "status": 422, "error": str(error), "errors": [error.as_dict()]}).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class HostCheck:
    """Answers 400 in the error shape when the ``Host`` header is not one of ``hosts`` (port ignored)."""

    def __init__(self, app: ASGIApp, *, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = frozenset(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.hosts:
            host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").lower()
            if _host_name(host) not in self.hosts:
                body = json.dumps({"ok": False, "status": 400, "error": "unknown host; set AATD_ALLOWED_HOSTS",
                                   "errors": [InputError("Host", host[:100], "one of " + ", ".join(sorted(self.hosts)))
                                              .as_dict()]}).encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """``example.org:8000`` -> ``example.org``; ``[::1]:8000`` -> ``[::1]``."""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
