"""Shared ``--format fhir`` and ``--fhir FILE`` plumbing of the commands that speak FHIR."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from aatd.errors import InputError

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
    """The JSON document in ``path`` (a FHIR Bundle or Observation), size-capped."""
    if path.stat().st_size > MAX_FHIR_BYTES:
        raise InputError("--fhir", str(path), f"a file of at most {MAX_FHIR_BYTES // 1_000_000} MB")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError("--fhir", f"{path} line {exc.lineno}", "valid FHIR JSON", hint=exc.msg) from None
