"""The FHIR code systems, codes, profiles and extensions aatd reads and writes.

Every one of them is a row of ``fhir_codes.csv`` (with its ``source``) or of
``fhir_clinical_codes.csv`` (conditions and medications for the CDS Hooks services);
nothing is spelled in code. Rows are looked up by ``key``; input codings are matched by
(system, code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from aatd.errors import DataError
from aatd.knowledge import read_table

KINDS = ("system", "coding", "code", "profile", "extension")
DIRECTIONS = ("read", "write", "both")


@dataclass(frozen=True, slots=True)
class FhirCode:
    """One row of ``fhir_codes.csv``: a coding (system URI + code), a bare code, a profile or an extension URL."""

    key: str
    kind: str
    system: str
    code: str
    display: str
    direction: str
    source: str

    def coding(self) -> dict[str, str]:
        """``{"system", "code", "display"}`` as written into a CodeableConcept."""
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, text: str | None = None) -> dict[str, Any]:
        """A CodeableConcept holding this coding (and ``text`` when given)."""
        out: dict[str, Any] = {"coding": [self.coding()]}
        if text:
            out["text"] = text
        return out


@dataclass(frozen=True, slots=True)
class ClinicalCode:
    """One row of ``fhir_clinical_codes.csv``: a code (or a name) that means an aatd finding or product."""

    system: str
    code: str
    match: str
    meaning: str
    display: str
    source: str


@dataclass(frozen=True, slots=True)
class FhirCodes:
    """The loaded tables."""

    by_key: Mapping[str, FhirCode]
    by_coding: Mapping[tuple[str, str], FhirCode]
    clinical: tuple[ClinicalCode, ...]

    def __getitem__(self, key: str) -> FhirCode:
        try:
            return self.by_key[key]
        except KeyError:
            raise DataError("fhir_codes.csv", None, f"missing key {key!r}") from None

    def url(self, key: str) -> str:
        """The URI of a system, profile or extension row (its ``code`` column)."""
        return self[key].code

    def lookup(self, system: object, code: object) -> FhirCode | None:
        """The row an input coding names (``None`` for codes aatd does not know)."""
        if not isinstance(system, str) or not isinstance(code, str):
            return None
        return self.by_coding.get((system.strip(), code.strip()))


def _row_code(row: Any, systems: dict[str, str]) -> FhirCode:
    kind = row.one_of("kind", KINDS)
    system = row.text("system")
    if kind == "coding":
        if system not in systems:
            raise DataError("fhir_codes.csv", row.line, f"unknown system key {system!r}")
        system = systems[system]
    return FhirCode(row.required("key"), kind, system, row.required("code"), row.required("display"),
                    row.one_of("direction", DIRECTIONS), row.source())


@cache
def fhir_codes() -> FhirCodes:
    """Load and validate ``fhir_codes.csv`` and ``fhir_clinical_codes.csv`` once."""
    columns = ("key", "kind", "system", "code", "display", "direction", "source")
    rows = list(read_table("fhir_codes.csv", columns))
    systems = {r.required("key"): r.required("code") for r in rows if r.text("kind") == "system"}
    codes = [_row_code(r, systems) for r in rows]
    by_key: dict[str, FhirCode] = {}
    by_coding: dict[tuple[str, str], FhirCode] = {}
    for c in codes:
        if c.key in by_key:
            raise DataError("fhir_codes.csv", None, f"duplicate key {c.key!r}")
        by_key[c.key] = c
        if c.kind == "coding":
            by_coding.setdefault((c.system, c.code), c)
    clinical = tuple(_clinical(r, systems) for r in read_table(
        "fhir_clinical_codes.csv", ("system", "code", "match", "meaning", "display", "source")))
    return FhirCodes(MappingProxyType(by_key), MappingProxyType(by_coding), clinical)


def _clinical(row: Any, systems: dict[str, str]) -> ClinicalCode:
    system_key = row.required("system")
    match = row.one_of("match", ("exact", "prefix", "name"))
    system = "" if match == "name" else systems.get(system_key, "")
    if match != "name" and not system:
        raise DataError("fhir_clinical_codes.csv", row.line, f"unknown system key {system_key!r}")
    return ClinicalCode(system, row.required("code"), match, row.required("meaning"), row.required("display"),
                        row.source())
