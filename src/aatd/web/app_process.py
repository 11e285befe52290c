"""The process that runs the app for ``aatd serve``: every route, its database work and its pages.

:mod:`aatd.web.front` answers HTTP in another process and hands each request over as ASGI messages
(:mod:`aatd.web.wire`); this process runs them through the same app that tests and in-process servers use
(:func:`aatd.web.app.create_app`), so a route cannot tell the difference: the scope carries the client's
own address, headers and path. Why two processes: Python runs one thread of a process at a time, and the
app's worker thread (database routes, pages) kept the event loop that answers HTTP waiting for its turn
(``docs/hardening.md``, "Tenth wave"). There is still one app process, so SQLite keeps one writer and the
rate limits and engine queue stay in one memory.

Signals are left to the front process (Ctrl+C reaches both): this process ends when the front says
``stop`` or its socket closes (the front ended, even by ``kill -9``), after the app's own shutdown (which
stops the engine processes).
"""

from __future__ import annotations

import asyncio
import logging
import logging.config
import signal
import socket
import sys
from typing import Any

from starlette.types import ASGIApp, Message

from aatd.web import wire
from aatd.web.settings import Settings

logger = logging.getLogger("aatd.web.app_process")

BEAT_S = 1.0
"""How often this process tells the front that its event loop is alive (seconds)."""


def main(argv: list[str]) -> int:
    """Run the app for the front process on the socket whose file descriptor is ``argv[1]``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[1]))
    _log_as_uvicorn()
    frame = _read_first(sock)
    if frame is None or frame[0] != "settings" or not isinstance(frame[2], Settings):
        return 1
    try:
        app, has_users = _build(frame[2])
    except Exception as exc:
        logger.exception("aatd: the app could not start")
        sock.sendall(wire.pack("failed", 0, f"{type(exc).__name__}: {exc}"))
        return 1
    import uvloop

    uvloop.run(AppProcess(app, sock).serve(has_users))
    return 0


def _log_as_uvicorn() -> None:
    """Errors of the app print as they did when uvicorn ran it in this process."""
    from uvicorn.config import LOGGING_CONFIG

    logging.config.dictConfig(LOGGING_CONFIG)
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)


def _read_first(sock: socket.socket) -> wire.Frame | None:
    """The front's first frame (the settings), read before the event loop starts."""
    stream = sock.makefile("rb")
    header = stream.read(wire.HEADER.size)
    if len(header) < wire.HEADER.size:
        return None
    (size,) = wire.HEADER.unpack(header)
    import pickle

    kind, request_id, payload = pickle.loads(stream.read(size))
    stream.close()
    return str(kind), int(request_id), payload


def _build(settings: Settings) -> tuple[ASGIApp, bool]:
    """The app, migrated and prepared to serve; and whether the workspace has a user yet."""
    from aatd.web.app import create_app, prepare_to_serve
    from aatd.web.db import has_users

    app = create_app(settings)
    users = has_users(app.state.engine)
    prepare_to_serve(app)
    return app, users


class AppProcess:
    """Runs the requests the front hands over, each in its own task on this process's event loop."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.inboxes: dict[int, asyncio.Queue[Message]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.state: dict[str, Any] = {}
        self.outbox: wire.Outbox | None = None

    async def serve(self, has_users: bool) -> None:
        """Start the app (its lifespan), say ``ready``, run requests until ``stop`` or the socket closes,
        then stop the app."""
        reader, writer = await asyncio.open_unix_connection(sock=self.sock)
        self.outbox = wire.Outbox(writer)
        lifespan = _Lifespan(self.app, self.state)
        await lifespan.startup()
        self.outbox.put("ready", 0, has_users)
        beat = asyncio.create_task(self._beat())
        while (frame := await wire.read_frame(reader)) is not None and frame[0] != "stop":
            self._take(*frame)
        beat.cancel()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await lifespan.shutdown()
        self.outbox.close()

    def _take(self, kind: str, request_id: int, payload: Any) -> None:
        if kind == "request":
            inbox: asyncio.Queue[Message] = asyncio.Queue()
            self.inboxes[request_id] = inbox
            task = asyncio.create_task(self._run(request_id, payload, inbox))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif kind == "receive" and (known := self.inboxes.get(request_id)) is not None:
            known.put_nowait(payload)

    async def _run(self, request_id: int, scope: dict[str, Any], inbox: asyncio.Queue[Message]) -> None:
        outbox = self.outbox
        assert outbox is not None
        scope["state"] = self.state.copy()

        async def send(message: Message) -> None:
            outbox.put("send", request_id, message)
            await outbox.drain()

        raised = False
        try:
            await self.app(scope, inbox.get, send)
        except Exception:
            logger.exception("Exception in ASGI application")
            raised = True
        finally:
            self.inboxes.pop(request_id, None)
            if not outbox.closed:
                outbox.put("end", request_id, raised)

    async def _beat(self) -> None:
        """Every :data:`BEAT_S`, tell the front how late this loop woke (its health check reads it)."""
        loop = asyncio.get_running_loop()
        assert self.outbox is not None
        while True:
            asked = loop.time()
            await asyncio.sleep(BEAT_S)
            self.outbox.put("beat", 0, max(0.0, loop.time() - asked - BEAT_S))


class _Lifespan:
    """The app's lifespan (start-up and shutdown), driven as an ASGI server drives it."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self.task = asyncio.create_task(self._run(scope))
        await self.inbox.put({"type": "lifespan.startup"})
        answered = asyncio.ensure_future(self.outbox.get())
        await asyncio.wait({answered, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if not answered.done():
            answered.cancel()
            self.task.result()  # the app's own error, if it raised
            raise RuntimeError("the app's lifespan ended during start-up")
        answer = answered.result()
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(str(answer.get("message", "the app's start-up failed")))

    async def _run(self, scope: dict[str, Any]) -> None:
        await self.app(scope, self.inbox.get, self.outbox.put)

    async def shutdown(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        if self.task is not None:
            await self.task


if __name__ == "__main__":
    sys.exit(main(sys.argv))
