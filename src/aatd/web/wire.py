"""Frames between the process that answers HTTP and the process that runs the app (``aatd serve``).

The two processes are ours and talk over a private socket pair made by the front process before it starts
the app process, so the frames are pickled tuples: ``(kind, request id, payload)``, each preceded by its
length (4 bytes, big-endian). ASGI messages are plain dicts of strings, ints, bytes and lists, which pickle
cheaply (a few microseconds per message).

Kinds, front to app: ``settings`` (the app's :class:`~aatd.web.settings.Settings`, once, first),
``request`` (an HTTP scope), ``receive`` (an ASGI message for the request's ``receive``), ``stop``.
App to front: ``ready`` (served from now on), ``send`` (an ASGI message for the request's ``send``),
``end`` (the app returned; payload ``True`` when it raised), ``beat`` (the app's event loop is alive;
payload: how late its last timer woke, in seconds), ``failed`` (start-up failed; payload: the message).
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

HEADER = struct.Struct("!I")
MAX_FRAME_BYTES = 256 * 1024 * 1024
"""A frame larger than this is a broken peer, not a message (responses are far smaller)."""

Frame = tuple[str, int, Any]


def pack(kind: str, request_id: int, payload: Any = None) -> bytes:
    """One frame, ready to write."""
    body = pickle.dumps((kind, request_id, payload), protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


class Outbox:
    """Frames to write, gathered while the event loop runs callbacks and written together once per turn of the
    loop: under load many requests' frames leave in one system call instead of one each."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.frames: list[bytes] = []

    def put(self, kind: str, request_id: int, payload: Any = None) -> None:
        """Queue one frame; it is written at the end of this turn of the loop."""
        if not self.frames:
            asyncio.get_running_loop().call_soon(self._flush)
        self.frames.append(pack(kind, request_id, payload))

    @property
    def closed(self) -> bool:
        return self.writer.is_closing()

    def _flush(self) -> None:
        frames, self.frames = self.frames, []
        if frames and not self.writer.is_closing():
            self.writer.write(b"".join(frames))

    async def drain(self) -> None:
        """Wait while the peer is behind (the transport's buffer is over its high-water mark)."""
        await self.writer.drain()

    def close(self) -> None:
        """Write what is queued, then close."""
        self._flush()
        self.writer.close()


async def read_frame(reader: asyncio.StreamReader) -> Frame | None:
    """The next frame, or ``None`` when the peer closed the socket."""
    try:
        header = await reader.readexactly(HEADER.size)
        (size,) = HEADER.unpack(header)
        if size > MAX_FRAME_BYTES:
            raise ConnectionError(f"frame of {size} bytes from the peer process")
        body = await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionResetError):
        return None
    kind, request_id, payload = pickle.loads(body)
    return str(kind), int(request_id), payload
