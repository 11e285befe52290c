"""The process that answers HTTP for ``aatd serve``: it hands every request to the app process and
answers the health check itself.

Why: Python runs one thread of a process at a time. When one process both answered HTTP and ran the
routes, its event loop waited for the global interpreter lock behind the worker thread that ran database
routes and pages, several times per request; under the mixed load of ``benchmarks/load.py`` that made
the health check's p99 sit at about 3x its idle value on SQLite, run after run, after every cheaper lever
had been tried (``docs/hardening.md``). Here the event loop has no other thread to wait for: it parses
HTTP, passes ASGI messages to and from :mod:`aatd.web.app_process` over a socket pair
(:mod:`aatd.web.wire`) and writes the answers.

What stays as it was:

- The app process runs the same app with the same limits; the request's scope (client address, headers,
  path) is passed unchanged, so rate limits and audit see the real client.
- The app process is one process: SQLite keeps one writer; the rate limiter and the engine queue stay in
  one memory (``docs/hardening.md``, "Two server processes").
- The health check (``GET /api/v1/health``) goes through the same middleware as the app's routes (host
  check, body limit, strict input, security headers) and gives the same bytes. It is answered here, and it
  is honest about the app process: the app process's event loop sends a beat every second, and when none
  came for :data:`STALE_AFTER_S` (or the process ended) the answer is 503 in the one error shape.

If the app process ends by itself, requests in flight get 503 and the server stops with exit status 1
(a supervisor restarts it); ``aatd serve --one-process`` serves as before, without the split.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from aatd.web import wire
from aatd.web.middleware import CSP, HEADERS, MAX_BODY_BYTES, BodyLimit, HostCheck, SecurityHeaders, StrictInput
from aatd.web.settings import Settings

logger = logging.getLogger("uvicorn.error")

HEALTH_PATH = "/api/v1/health"
STALE_AFTER_S = 10.0
"""The health check answers 503 when the app process's event loop has not beaten for this long (s);
a request's own deadline is 30 s, so a loop silent for 10 s is stuck, not busy."""
STOP_WAIT_S = 60.0
"""How long a stopping server waits for the app process to finish its shutdown (engines joined) before killing it."""
_ENDED = object()
_GONE = object()


class Front:
    """The ASGI app of the front process (see the module's docstring)."""

    def __init__(self, settings: Settings, *, announce: Callable[[bool], None] = lambda has_users: None,
                 stop_server: Callable[[], None] = lambda: None) -> None:
        self.settings = settings
        self.announce = announce
        self.stop_server = stop_server
        self.health = SecurityHeaders(HostCheck(BodyLimit(StrictInput(self._health), limit=MAX_BODY_BYTES),
                                                hosts=settings.allowed_hosts), hsts=settings.cookie_secure)
        self.pending: dict[int, asyncio.Queue[object]] = {}
        self.next_id = 1
        self.outbox: wire.Outbox | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ready: asyncio.Future[bool] | None = None
        self.reading: asyncio.Task[None] | None = None
        self.last_beat = 0.0
        self.stopping = False
        self.exit_code = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
        elif scope["path"] == HEALTH_PATH and scope["method"] == "GET":
            await self.health(scope, receive, send)
        else:
            await self._hand_over(scope, receive, send)

    # -- the app process ---------------------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()
        try:
            has_users = await self._start()
        except RuntimeError as exc:
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        self.announce(has_users)
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await self._stop()
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self) -> bool:
        """Start the app process, send it the settings and wait until it serves; whether a user exists."""
        mine, theirs = socket.socketpair()
        self.process = subprocess.Popen([sys.executable, "-m", "aatd.web.app_process", str(theirs.fileno())],
                                        pass_fds=[theirs.fileno()])
        theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=mine)
        self.outbox = wire.Outbox(writer)
        self.ready = asyncio.get_running_loop().create_future()
        self.outbox.put("settings", 0, self.settings)
        self.reading = asyncio.create_task(self._read(reader))
        return await self.ready

    async def _stop(self) -> None:
        """Ask the app process to stop (it shuts its engines down) and wait for it."""
        self.stopping = True
        if self.outbox is not None and not self.outbox.closed:
            self.outbox.put("stop", 0)
            self.outbox.close()
        if self.process is not None:
            try:
                await asyncio.to_thread(self.process.wait, STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                logger.error("aatd: the app process did not stop within %.0f s; killing it", STOP_WAIT_S)
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        if self.reading is not None:
            self.reading.cancel()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        while (frame := await wire.read_frame(reader)) is not None:
            kind, request_id, payload = frame
            if kind == "send" or kind == "end":
                inbox = self.pending.get(request_id)
                if inbox is not None:
                    inbox.put_nowait(payload if kind == "send" else _ENDED)
            elif kind == "beat":
                self.last_beat = loop.time()
            elif kind == "ready" and self.ready is not None and not self.ready.done():
                self.last_beat = loop.time()
                self.ready.set_result(bool(payload))
            elif kind == "failed" and self.ready is not None and not self.ready.done():
                self.ready.set_exception(RuntimeError(f"the app could not start: {payload}"))
        self._gone()

    def _gone(self) -> None:
        """The app process closed its socket: fail what is in flight; stop serving unless we are stopping."""
        self.outbox = None
        for inbox in self.pending.values():
            inbox.put_nowait(_GONE)
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(RuntimeError("the app process ended during start-up"))
            return
        if not self.stopping:
            code = self.process.poll() if self.process is not None else None
            logger.error("aatd: the app process ended (exit status %s); stopping the server", code)
            self.exit_code = 1
            self.stop_server()

    # -- requests ----------------------------------------------------------------------------------

    async def _hand_over(self, scope: Scope, receive: Receive, send: Send) -> None:
        outbox = self.outbox
        if outbox is None:
            await _error(send, 503, "the app process is not running")
            return
        request_id = self.next_id
        self.next_id += 1
        inbox: asyncio.Queue[object] = asyncio.Queue()
        self.pending[request_id] = inbox
        first = await receive()  # a GET's (empty) body is there at once: both leave in one write
        outbox.put("request", request_id, _portable(scope))
        outbox.put("receive", request_id, first)
        pump = asyncio.create_task(self._pump(request_id, receive, outbox, len(first.get("body", b""))))
        started = ended = False
        try:
            while (message := await inbox.get()) is not _ENDED:
                if message is _GONE:
                    if not started:
                        await _error(send, 503, "the app process ended; try again shortly")
                    return
                assert isinstance(message, dict)
                started = started or message["type"] == "http.response.start"
                await send(message)
            ended = True
        finally:
            pump.cancel()
            del self.pending[request_id]
            if not ended and not outbox.closed:
                outbox.put("receive", request_id, {"type": "http.disconnect"})

    async def _pump(self, request_id: int, receive: Receive, outbox: wire.Outbox, handed: int) -> None:
        """Hand the rest of the request's body (and a disconnect) to the app process as it arrives, up to the
        cap (``handed``: body bytes handed over already)."""
        while handed <= MAX_BODY_BYTES:
            message = await receive()
            handed += len(message.get("body", b""))
            if outbox.closed:
                return
            outbox.put("receive", request_id, message)
            if message["type"] == "http.disconnect":
                return

    async def _health(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``{"ok": true}`` as the app's route answers it, while the app process's loop beats."""
        silent = asyncio.get_running_loop().time() - self.last_beat
        if self.outbox is None or silent > STALE_AFTER_S:
            await _error(send, 503, f"the app process has not answered for {silent:.0f} s")
            return
        body = b'{"ok":true}'
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


def _portable(scope: Scope) -> dict[str, Any]:
    """The scope without what belongs to this process (the app, the lifespan state)."""
    return {key: value for key, value in scope.items() if key not in ("app", "state")}


_SECURITY = [(name.encode(), value.encode()) for name, value in
             {**HEADERS, "content-security-policy": CSP, "cache-control": "no-store"}.items()]


async def _error(send: Send, status: int, error: str) -> None:
    """The one error shape, with ``Retry-After`` and the app's security headers."""
    body = json.dumps({"ok": False, "status": status, "error": error, "errors": []}).encode()
    message: Message = {"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()), (b"retry-after", b"2"), *_SECURITY]}
    await send(message)
    await send({"type": "http.response.body", "body": body})
