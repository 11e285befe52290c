"""Shared ``--format fhir`` and ``--fhir FILE`` plumbing of the commands that speak FHIR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aatd.errors import InputError
from aatd.limits import load_json, read_file

MAX_FHIR_BYTES = 20_000_000
"""Largest FHIR file read by ``--fhir``."""

FormatOption = Annotated[str | None, typer.Option(
    "--format", help="'fhir': print an HL7 FHIR R4 Bundle (Genomics Reporting IG 3.0.0) instead.")]


def wants_fhir(value: str | None) -> bool:
    """True for ``--format fhir``; refuses any other format name."""
    if value is None:
        return False
    if value.strip().lower() != "fhir":
        raise InputError("--format", value, "fhir (or leave --format out for text, --json for JSON)")
    return True


def read_fhir_file(path: Path) -> Any:
    """The JSON document in ``path`` (a FHIR Bundle or Observation), size-capped and parsed strictly
    (:func:`aatd.limits.load_json`: no NaN, no runaway nesting or integers)."""
    data = read_file(path, "--fhir", MAX_FHIR_BYTES)
    try:
        return load_json(data, "--fhir", source=str(path))
    except InputError as exc:
        value = exc.value if exc.value == str(path) else f"{path}: {exc.value}"
        raise InputError("--fhir", value, f"valid FHIR JSON ({exc.expected})", hint=exc.hint) from None
