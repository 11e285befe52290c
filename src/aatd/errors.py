"""The exceptions aatd raises.

Every error a user can cause is an :class:`InputError` that names the field, the value
received and what was expected, so the CLI, the API and the web app can show one clear
message instead of a traceback.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable

SHOWN_CHARACTERS = 60
"""How much of a refused value an error message repeats: enough to recognise it, never a
megabyte echoed back (a 1 MB genotype gives a one-line message)."""


FIELD_CHARACTERS = 160
"""Characters of a field name an error repeats. A field is named after the element it is in, which may carry an
id from the input (``Observation/<id>.valueQuantity.unit``): a 100,000-character id made a one-line CLI error
of 100 KB. The start of the name is kept, so the place in the document stays recognisable."""


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()
    short.maxstring = short.maxother = SHOWN_CHARACTERS
    short.maxlevel, short.maxlist, short.maxdict, short.maxtuple = 2, 4, 4, 4
    return short


_SHORT = _short_repr()


def shown(value: object) -> str:
    """``repr(value)`` shortened to about :data:`SHOWN_CHARACTERS`, with a long text's length named.

    Integers too long for Python to print (over 4,300 digits) are described by their size;
    containers are shown two levels deep at most (a deeply nested document costs nothing).
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > 3 * SHOWN_CHARACTERS:
        return f"<an integer of about {int(abs(value).bit_length() * 0.30103):,} digits>"
    if isinstance(value, str | bytes) and len(value) > SHOWN_CHARACTERS:
        return f"{repr(value[:SHOWN_CHARACTERS])[:SHOWN_CHARACTERS]}… ({len(value):,} characters)"
    try:
        return _SHORT.repr(value)
    except ValueError:  # an integer over Python's digit limit inside a container
        return f"<a {type(value).__name__} too large to show>"


def json_value(value: object) -> object:
    """``value`` as a JSON-encodable scalar for an error entry: short strings, finite numbers and
    ``None`` as they are; everything else (NaN, infinities, long text, containers) as :func:`shown`."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, int):
        return value if abs(value) < 2**63 else shown(value)
    if isinstance(value, str) and len(value) <= SHOWN_CHARACTERS:
        return value
    return shown(value)


class AatdError(Exception):
    """Base class of every error aatd raises on purpose."""


class InputError(AatdError, ValueError):
    """A value given by a user is not acceptable.

    Attributes:
        field: name of the input field (e.g. ``"genotype"``, ``"level.unit"``).
        value: the value received, as given.
        expected: what would have been accepted, in words.
    """

    def __init__(self, field: str, value: object, expected: str, *, hint: str = "") -> None:
        self.field = field if len(field) <= FIELD_CHARACTERS else (
            f"{field[:FIELD_CHARACTERS]}… ({len(field):,} characters)")
        self.value = value
        self.expected = expected
        self.hint = hint
        message = f"{self.field}: got {shown(value)}; expected {expected}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)

    def as_dict(self) -> dict[str, object]:
        """The error as a JSON-ready mapping (the API's field-level error entry)."""
        return {
            "field": self.field,
            "value": json_value(self.value),
            "expected": self.expected,
            "message": str(self),
        }


class DataError(AatdError):
    """A packaged knowledge table is malformed (a defect of the release, not of the user)."""

    def __init__(self, table: str, line: int | None, problem: str) -> None:
        self.table = table
        self.line = line
        where = f"{table}, line {line}" if line is not None else table
        super().__init__(f"{where}: {problem}")


class PedigreeError(InputError):
    """A pedigree is structurally invalid or its evidence is inconsistent."""

    def __init__(
        self, field: str, value: object, expected: str, *, members: Iterable[str] = (), hint: str = ""
    ) -> None:
        self.members = tuple(members)
        super().__init__(field, value, expected, hint=hint)


class NotFound(AatdError):
    """A stored record does not exist, or is not visible to the caller's organisation."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} not found")


class Forbidden(AatdError):
    """The caller may not do this (role or ownership), though the record exists and is visible."""


class Conflict(AatdError):
    """The request conflicts with what is stored (e.g. a name already taken)."""
