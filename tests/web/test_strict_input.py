"""The strict-input middleware's NUL check: the quick look at the raw body agrees with the walk of the document."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

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
