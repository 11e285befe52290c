"""The exceptions aatd raises.

Every error a user can cause is an :class:`InputError` that names the field, the value
received and what was expected, so the CLI, the API and the web app can show one clear
message instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


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
        self.field = field
        self.value = value
        self.expected = expected
        self.hint = hint
        message = f"{field}: got {value!r}; expected {expected}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)

    def as_dict(self) -> dict[str, object]:
        """The error as a JSON-ready mapping (the API's field-level error entry)."""
        return {
            "field": self.field,
            "value": self.value if isinstance(self.value, str | int | float | None) else repr(self.value),
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
