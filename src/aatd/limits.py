"""Input limits of aatd: how long a text and how big a family may be, and why.

Every limit here is a bound a real user never reaches and an attacker cannot use to make
the engines slow: parsing is linear, and the limit keeps even linear work small. The
limits are checked in the core (the engines raise :class:`~aatd.errors.InputError`), so the
CLI, the API, the clinician pages and the public pages refuse the same inputs with the same
message; the API schemas declare the same numbers, so OpenAPI shows them.

Each check raises ``InputError(field, value, expected)`` with the value shortened in the
message (see :func:`aatd.errors.shown`), so a 1 MB text produces a one-line error.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aatd.errors import AatdError, InputError

GENOTYPE_TEXT = 100
"""Characters in a genotype or phenotype text (``PI*ZZ``, ``Z/Q0granite falls (genotype)``).

The longest catalogued allele name is under 20 characters; two of them with a ``PI*``
prefix, a separator, spaces and a ``(genotype)`` suffix stay under 60. 100 leaves room for
spacing and case while keeping the parser's work trivially small.
"""

MEMBER_ID = 200
"""Characters in a pedigree member id. The workspace uses a patient's label as the id in
drawings, so the bound equals :data:`LABEL`; PED and Phenopackets ids are far shorter."""

LABEL = 200
"""Characters in a patient label, a family name, a country, a unit or a method (one line of
text a clinician types; 200 is about three lines of a printed report)."""

NOTE = 2000
"""Characters in a free-text note on a result (about half a printed page; the PDF report
wraps and splits it across pages)."""

MEMBERS = 500
"""Members of one pedigree (workspace import, authenticated API). Three-generation clinical
pedigrees have tens of members; large cascade-screening families reach a few hundred."""

ANONYMOUS_MEMBERS = 100
"""Members of a pedigree sent without login (``POST /api/v1/pedigree``). The cascade plan
grows about as n^2.3 (security review H3: 200 members 0.8 s, 500 members 4.9 s); 100
members keep one anonymous request to a fraction of a second."""

POPULATION = 10_000_000_000
"""People in a population for expected genotype counts: more than the world's 8 billion,
so a typo of a few digits or ``1e400`` is refused rather than printed as a count."""

JSON_DEPTH = 32
"""Nesting of a JSON document. An aatd pedigree is 4 levels deep (document, members,
member, level); Phenopackets about 8. 32 refuses bombs before Python's recursion limit."""

JSON_INT_DIGITS = 30
"""Digits of a JSON integer. No aatd quantity (a population of 10^10 has 11 digits) needs
more; Python refuses integers over 4,300 digits with an exception of its own."""


FILE_BYTES = 50_000_000
"""Bytes of a pedigree or family file the command line reads (aatd JSON, PED, Phenopackets). A
100,000-member pedigree is under 10 MB; the cap stops ``aatd pedigree /dev/zero`` or a mistaken
multi-gigabyte file from filling memory before any check could run."""


def read_file(path: str | os.PathLike[str], field: str, limit: int = FILE_BYTES) -> bytes:
    """The bytes of the file at ``path``, read at most ``limit`` + 1 bytes at a time.

    Reading stops one byte past the limit, so a device (``/dev/zero``), a pipe or a file larger
    than the limit gives :class:`InputError` without being read whole (its size from ``stat`` is
    not trusted: a device reports 0).
    """
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(field, os.fspath(path), f"a file of at most {limit:,} bytes")
    return data


_TYPED_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+|[0-9]+,[0-9]{1,2})")
"""A number as a person types it: digits with a decimal point, or a decimal comma before one or two digits (``45,5``,
as Spanish and most European reports write it). ``1,200`` could be a thousands separator, so it is refused rather
than read as 1.2; Python's other spellings (``1_000``, ``1e3``, ``nan``, ``٢٠``) are not typed numbers."""


def typed_number(field: str, text: str, expected: str = "a number such as 45 or 45.5") -> float:
    """The number in ``text`` (see :data:`_TYPED_NUMBER`); :class:`InputError` naming ``field`` otherwise."""
    if not _TYPED_NUMBER.fullmatch(text.strip()):
        raise InputError(field, text, expected)
    return float(text.strip().replace(",", "."))


HIDDEN_CONTROLS = frozenset("\u200b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
"""Invisible characters that change how the text around them is shown: the bidirectional embeddings,
overrides and isolates (``John \u202ehtimS`` is displayed as "John Smith"), the zero-width space and the
byte-order mark. A label, name, note or reason never needs them; two patients whose labels differ only
by them would look the same. (Joiners and the left-to-right and right-to-left marks, which Arabic,
Hebrew and Indic names use, are allowed.)"""


def is_printable(text: str, *, lines: bool = False) -> bool:
    """Whether ``text`` holds no control characters (C0, DEL, C1) and none of :data:`HIDDEN_CONTROLS`;
    with ``lines``, newlines, carriage returns and tabs are allowed (a note). The one rule of every stored text."""
    allowed = "\n\r\t" if lines else ""
    return not any((ord(c) < 32 and c not in allowed) or 0x7F <= ord(c) <= 0x9F or c in HIDDEN_CONTROLS
                   for c in text)


def check_text(field: str, value: str, limit: int) -> str:
    """``value`` if it has at most ``limit`` characters; :class:`InputError` otherwise."""
    if len(value) > limit:
        raise InputError(field, value, f"at most {limit:,} characters (got {len(value):,})")
    return value


def check_count(field: str, count: int, limit: int, what: str = "members") -> int:
    """``count`` if it is from 1 to ``limit``; :class:`InputError` otherwise."""
    if not 1 <= count <= limit:
        raise InputError(field, count, f"1 to {limit:,} {what}")
    return count


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError("json", text, "a finite number (this one overflows)")
    return value


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > JSON_INT_DIGITS:
        raise InputError("json", text, f"an integer of at most {JSON_INT_DIGITS} digits (got {digits:,})")
    return int(text)


def _no_constant(text: str) -> float:
    raise InputError("json", text, "a finite number (NaN and Infinity are not JSON)")


def _depth(doc: object) -> int:
    """Nesting depth of a parsed JSON value, without recursion (linear in its size)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > JSON_DEPTH:
            return level
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def load_json(text: str | bytes, field: str = "json", *, source: str | None = None) -> Any:
    """Parse strict JSON: refuse NaN/Infinity, overflowing numbers, huge integers and deep nesting.

    Python's :func:`json.loads` accepts ``NaN``, ``Infinity`` and ``1e999`` (as floats), fails
    with its own exception on integers over 4,300 digits and on nesting deeper than the
    recursion limit; here each of these is an :class:`InputError` naming ``field``. ``source``
    names the document (a file's name) in the message when it is not JSON at all, which says
    what is wrong in words: ``file: got 'notes.txt'; expected a UTF-8 JSON document ('notes.txt'
    is not JSON: expecting a value at line 1, column 1)``.
    """
    name = "the document" if source is None else repr(source)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(field, source if source is not None else "bytes", "a UTF-8 JSON document",
                             hint=f"{name} is not UTF-8 text: byte 0x{text[exc.start]:02x} at position "
                                  f"{exc.start:,}") from None
    try:
        doc = json.loads(text, parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_no_constant)
    except InputError as exc:
        raise InputError(field, exc.value, exc.expected) from None
    except json.JSONDecodeError as exc:
        raise InputError(field, source if source is not None else text, "a UTF-8 JSON document",
                         hint=f"{name} is not JSON: {_in_words(exc.msg)} at line {exc.lineno}, "
                              f"column {exc.colno}") from None
    except RecursionError:
        raise InputError(field, "nesting", f"JSON nested at most {JSON_DEPTH} levels deep") from None
    if _could_nest_deeper(text) and _depth(doc) > JSON_DEPTH:
        raise InputError(field, "nesting", f"JSON nested at most {JSON_DEPTH} levels deep")
    return doc


_JSON_PROBLEMS = {"Expecting value": "expecting a value", "Extra data": "more after the end of the document",
                  "Expecting property name enclosed in double quotes": "expecting a name in double quotes",
                  "Unterminated string starting at": "a text without its closing quote, starting",
                  "Invalid control character at": "a control character inside a text",
                  "Invalid \\escape": "a backslash that starts no escape"}
"""Python's JSON messages in plain words (others are kept, in lower case: "expecting ',' delimiter")."""


def _in_words(message: str) -> str:
    return _JSON_PROBLEMS.get(message, message[:1].lower() + message[1:])


def _could_nest_deeper(text: str) -> bool:
    """Whether ``text`` has enough brackets to nest deeper than :data:`JSON_DEPTH` (counted in C: a document
    with no more opening brackets than that cannot, so most request bodies skip the walk of :func:`_depth`)."""
    return text.count("{") + text.count("[") > JSON_DEPTH


# --- time budget -----------------------------------------------------------------------------------------------

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("aatd_time_budget", default=None)


class TimeBudgetExceeded(AatdError):
    """A computation ran past the time budget its caller set (see :func:`time_budget`)."""

    def __init__(self, stage: str, seconds: float) -> None:
        self.stage = stage
        self.seconds = seconds
        super().__init__(f"{stage}: stopped after the time budget of {seconds:g} s; "
                         "a smaller family or fewer options would finish in time")


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Let engine loops run for at most ``seconds`` in this context (threads started from it inherit it).

    The engines check the budget between steps (:func:`check_time_budget`) and raise
    :class:`TimeBudgetExceeded`; without a budget the checks cost one context-variable read.
    """
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextmanager
def time_budget_at_most(seconds: float) -> Iterator[None]:
    """As :func:`time_budget`, but an earlier deadline already set in this context stays (a step of a
    request, such as a family's answers inside a PDF, cannot extend the request's own budget)."""
    current = _DEADLINE.get()
    deadline = time.monotonic() + seconds
    if current is not None and current[0] <= deadline:
        yield
        return
    with time_budget(seconds):
        yield


def set_time_budget(seconds: float) -> None:
    """Start a time budget for the rest of the current context (e.g. one web request's task)."""
    _DEADLINE.set((time.monotonic() + seconds, seconds))


def check_time_budget(stage: str) -> None:
    """Raise :class:`TimeBudgetExceeded` if the current context's time budget is spent."""
    budget = _DEADLINE.get()
    if budget is not None and time.monotonic() > budget[0]:
        raise TimeBudgetExceeded(stage, budget[1])
