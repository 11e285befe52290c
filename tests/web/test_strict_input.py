"""The strict-input middleware's NUL check: the quick look at the raw body agrees with the walk of the document."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.web import middleware

_TEXT = st.text(alphabet="ab\\u0\x00\x01é", max_size=10)
_DOCS = st.recursive(st.none() | st.integers() | _TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                     max_leaves=30)


def _walk_finds_nul(doc: object) -> bool:
    if isinstance(doc, str):
        return "\x00" in doc
    if isinstance(doc, dict):
        return any(_walk_finds_nul(k) or _walk_finds_nul(v) for k, v in doc.items())
    return isinstance(doc, list) and any(_walk_finds_nul(v) for v in doc)


@given(_DOCS, st.booleans())
def test_has_nul__same_answer_as_walking_every_string(doc: object, ascii_only: bool) -> None:
    body = json.dumps(doc, ensure_ascii=ascii_only).encode()
    assert middleware._has_nul(body, json.loads(body)) is _walk_finds_nul(doc)


def test_has_nul__a_backslash_before_u0000_is_ordinary_text() -> None:
    body = json.dumps({"note": "\\u0000"}).encode()
    assert b"\\u0000" in body
    assert middleware._has_nul(body, json.loads(body)) is False
    nul = json.dumps({"note": "a\x00"}).encode()
    assert middleware._has_nul(nul, json.loads(nul)) is True
    assert middleware._problem(nul) is not None and middleware._problem(body) is None


@pytest.mark.parametrize(("size", "off_the_loop"), [(1_000, False), (middleware.LARGE_BODY_BYTES + 1, True)])
@pytest.mark.parametrize("bad", [False, True])
def test_checked__a_large_body_is_checked_off_the_event_loop_with_the_same_answer(
        monkeypatch: pytest.MonkeyPatch, size: int, off_the_loop: bool, bad: bool) -> None:
    threads: list[str] = []
    check = middleware._problem

    def spy(body: bytes) -> object:
        threads.append(threading.current_thread().name)
        return check(body)

    monkeypatch.setattr(middleware, "_problem", spy)
    value = "NaN" if bad else "1"
    body = ('{"pad": "' + "x" * size + '", "n": ' + value + "}").encode()

    async def run() -> tuple[object, str]:
        return await middleware.checked(body), threading.current_thread().name

    with ThreadPoolExecutor(1) as fresh:  # a thread of its own: the browser tests leave a loop in this one
        problem, loop_thread = fresh.submit(anyio.run, run).result()
    assert (problem is not None) is bad
    if bad:
        assert isinstance(problem, InputError) and problem.value == "NaN"
    assert (threads[0] != loop_thread) is off_the_loop
