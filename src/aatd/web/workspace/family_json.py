"""Export and import of a family: the pedigree JSON contract plus the workspace's records.

An export is a document the ``aatd pedigree`` command reads as it is::

    {"family": "Name", "country": "Ireland" | "allele_frequencies": {...}, ["residual_allele": bool],
     "members": [{"id", "name", "sex", "father", "mother", "partner", "mz_twin", "dz_twin", "adopted", "age",
                  "deceased", "proband", "genotype", "phenotype", "level": {"value", "unit", "method", "crp"}}],
     "records": {"<id>": {"birth_year", "tested", "results": [{"kind", "taken_on", ...}]}}}

``members`` holds exactly what the inference engine reads: each member's latest genotype, latest
IEF phenotype and latest level (with the CRP taken on the same day), none of them retracted.
``records`` (a top-level key the engine ignores) holds what only the workspace keeps: every
result with its date, value, unit, method, panel, spirometry and note (retracted ones with their
reason) and the birth year. An import reads both back; a plain pedigree document
without ``records`` is imported with its evidence dated today. Whatever the workspace cannot
store is refused with the field named, never dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from aatd.errors import InputError
from aatd.family.pedigree import DOCUMENT_KEYS
from aatd.genetics.prevalence import validate_frequencies
from aatd.genetics.units import Crp, parse_crp_unit
from aatd.limits import MEMBER_ID, NOTE, check_text
from aatd.web.models import SEXES, Family, Patient, Result, utcnow
from aatd.web.workspace.repository import Workspace, label_text

MAX_MEMBERS = 500
MAX_RESULTS = 200
"""Results per member in one import (a family of 500 members stays a bounded import)."""

_TOP_KEYS = DOCUMENT_KEYS  # the engine's list: an export is a pedigree document, and the engine refuses others
_MEMBER_KEYS = frozenset({"id", "name", "label", "sex", "father", "mother", "partner", "mz_twin", "dz_twin", "adopted",
                          "age", "deceased", "proband", "tested", "genotype", "phenotype", "level"})
_LINKS = (("father", "father_id"), ("mother", "mother_id"), ("partner", "partner_id"), ("mz_twin", "mz_twin_id"),
          ("dz_twin", "dz_twin_id"))
_LEVEL_KEYS = frozenset({"value", "unit", "method", "crp"})
_RECORD_KEYS = frozenset({"birth_year", "tested", "results"})
_RESULT_KEYS = frozenset({"kind", "taken_on", "value", "below", "unit", "method", "text", "panel", "fev1_l",
                          "fvc_l", "post_bronchodilator", "note", "retracted"})
_REFUSED = {"carries": "a full genotype or an IEF phenotype (the workspace stores no 'carries at least one' "
                       "result; record the test's genotype or phenotype instead)",
            "affected": "no 'affected' field (the workspace records results, not disease status)"}
_RESULT_COLUMNS = ("kind", "value", "below", "unit", "method", "text", "panel", "fev1_l", "fvc_l",
                   "post_bronchodilator", "note")


# export -----------------------------------------------------------------------------------------------------------
def live(results: Sequence[Result]) -> list[Result]:
    """The results that count: every one not retracted, oldest first."""
    return [r for r in results if r.retracted_at is None]


def evidence(results: Sequence[Result]) -> dict[str, Any]:
    """What the engine reads of a member's results: latest genotype, phenotype and level (+ same-day CRP)."""
    found: dict[str, Any] = {}
    counted = live(results)
    for kind in ("genotype", "phenotype"):
        texts = [r.text for r in counted if r.kind == kind and r.text]
        if texts:
            found[kind] = texts[-1]
    levels = [r for r in counted if r.kind == "level" and r.value is not None]
    if levels:
        r = levels[-1]
        level: dict[str, Any] = {"value": f"<{r.value:g}" if r.below else r.value, "unit": r.unit,
                                 "method": r.method}
        crp = [c for c in counted if c.kind == "crp" and c.taken_on == r.taken_on and c.value is not None]
        # the pedigree document's CRP is a number in mg/L: a CRP stored in mg/dL is converted by the core; a "<5"
        # result (below the cut-off, which Crp requires of a "<") is left out, which the engine reads the same way
        if crp and not crp[-1].below:
            level["crp"] = stored_crp(crp[-1]).mg_l
        found["level"] = level
    return found


def stored_crp(r: Result) -> Crp:
    """A stored CRP result as the core's :class:`Crp` (in its stored unit; a row without a unit is mg/L)."""
    assert r.value is not None
    return Crp.of(r.value, parse_crp_unit(r.unit), bool(r.below))


def _result_json(r: Result) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": r.kind, "taken_on": r.taken_on.isoformat()}
    row |= {c: getattr(r, c) for c in _RESULT_COLUMNS[1:] if getattr(r, c) is not None}
    if not r.below:
        row.pop("below", None)
    if r.retracted_at is not None:
        row["retracted"] = r.retraction_reason or "retracted"
    return row


def export_family(ws: Workspace, family: Family) -> dict[str, Any]:
    """The family's living members as a pedigree document with the workspace's records."""
    members = ws.members(family)
    ids = {m.id for m in members}
    this_year = dt.date.today().year
    out: list[dict[str, Any]] = []
    records: dict[str, dict[str, Any]] = {}
    for m in members:
        row: dict[str, Any] = {"id": str(m.id), "name": m.label, "sex": m.sex}
        for key, column in _LINKS:
            if getattr(m, column) in ids:
                row[key] = str(getattr(m, column))
        if m.adopted is not None:
            row["adopted"] = m.adopted
        if m.birth_year is not None:
            row["age"] = max(0, this_year - m.birth_year)
        row |= {"deceased": m.deceased, "proband": m.proband}
        results = ws.results(m, include_retracted=True)
        row |= evidence(results)
        out.append(row)
        record: dict[str, Any] = {"tested": m.tested, "results": [_result_json(r) for r in results]}
        if m.birth_year is not None:
            record["birth_year"] = m.birth_year
        records[str(m.id)] = record
    doc: dict[str, Any] = {"family": family.name}
    if family.allele_frequencies:
        doc["allele_frequencies"] = dict(family.allele_frequencies)
    elif family.country:
        doc["country"] = family.country
    if family.residual_allele is not None:
        doc["residual_allele"] = family.residual_allele
    return doc | {"members": out, "records": records}


# import -----------------------------------------------------------------------------------------------------------
def _unknown(keys: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in sorted(set(keys) - allowed):
        expected = _REFUSED.get(key, "one of the fields " + ", ".join(sorted(allowed)))
        raise InputError(f"{where}{key}", keys[key], expected)


def _check(doc: object) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("members"), list):
        raise InputError("members", type(doc).__name__, 'a JSON object {"members": [...]}')
    _unknown(doc, _TOP_KEYS, "")
    members: list[dict[str, Any]] = doc["members"]
    if not 1 <= len(members) <= MAX_MEMBERS:
        raise InputError("members", len(members), f"1 to {MAX_MEMBERS} members")
    seen: set[str] = set()
    for i, m in enumerate(members):
        if not isinstance(m, dict) or not isinstance(m.get("id"), str | int) or isinstance(m.get("id"), bool):
            raise InputError(f"members[{i}].id", m.get("id") if isinstance(m, dict) else m, "a string id")
        _unknown(m, _MEMBER_KEYS, f"members[{i}].")
        mid = check_text(f"members[{i}].id", str(m["id"]), MEMBER_ID)
        if mid in seen:
            raise InputError(f"members[{i}].id", mid, "an id used once")
        seen.add(mid)
        if m.get("sex", "unknown") not in SEXES:
            raise InputError(f"members[{i}].sex", m.get("sex"), "female, male or unknown")
    records = doc.get("records") or {}
    if not isinstance(records, dict):
        raise InputError("records", type(records).__name__, "an object of member id -> record")
    for key, record in records.items():
        if key not in seen:
            raise InputError(f"records.{key}", key, "the id of a member")
        if not isinstance(record, dict):
            raise InputError(f"records.{key}", record, "an object with birth_year, partner, tested, results")
        _unknown(record, _RECORD_KEYS, f"records.{key}.")
    for i, m in enumerate(members):
        for key, _column in _LINKS:
            if m.get(key) is not None and str(m[key]) not in seen:
                raise InputError(f"members[{i}].{key}", m[key], "the id of another member")
    return members, records


def _frequencies(doc: dict[str, Any]) -> tuple[str | None, dict[str, float] | None, bool | None]:
    """The family's population: a country or explicit allele frequencies (not both), and the residual switch."""
    country, freqs, residual = doc.get("country"), doc.get("allele_frequencies"), doc.get("residual_allele")
    if country is not None and freqs is not None:
        raise InputError("country", country, "either 'country' or 'allele_frequencies', not both")
    if country is not None and not isinstance(country, str):
        raise InputError("country", country, "a country name from the allele-frequency table")
    if freqs is not None:
        if not isinstance(freqs, dict) or not freqs:
            raise InputError("allele_frequencies", freqs, "an object such as {'M': 0.95, 'S': 0.03, 'Z': 0.02}")
        freqs = validate_frequencies(freqs)
    if residual is not None and not isinstance(residual, bool):
        raise InputError("residual_allele", residual, "true or false")
    return country, freqs, residual


def _birth_year(m: dict[str, Any], record: dict[str, Any], where: str) -> int | None:
    """The birth year from the record, else from a whole ``age`` in years (this year minus the age)."""
    this_year = dt.date.today().year
    year, age = record.get("birth_year"), m.get("age")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1850 <= year <= this_year):
        raise InputError(f"records.{m['id']}.birth_year", year, f"a year from 1850 to {this_year}")
    if age is not None:
        if isinstance(age, bool) or not isinstance(age, int | float) or age != int(age) or not 0 <= age <= 130:
            raise InputError(f"{where}.age", age, "a whole number of years from 0 to 130 (stored as a birth year)")
        if year is not None and max(0, this_year - year) != int(age):
            raise InputError(f"{where}.age", age, f"the age of someone born in {year} ({this_year - year})")
        year = year if year is not None else this_year - int(age)
    return year


def _evidence_results(m: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Results made from a plain pedigree document's evidence, dated today."""
    today = dt.date.today().isoformat()
    found: list[dict[str, Any]] = []
    for kind in ("genotype", "phenotype"):
        if m.get(kind) is not None:
            found.append({"kind": kind, "taken_on": today, "text": m[kind]})
    level = m.get("level")
    if level is not None:
        if not isinstance(level, dict):
            raise InputError(f"{where}.level", level, '{"value": ..., "unit": ...}')
        _unknown(level, _LEVEL_KEYS, f"{where}.level.")
        found.append({"kind": "level", "taken_on": today, "value": level.get("value"),
                      "unit": level.get("unit"), "method": level.get("method")})
        if level.get("crp") is not None:
            found.append({"kind": "crp", "taken_on": today, "value": level["crp"]})
    return found


def _record_results(record: dict[str, Any], key: str) -> list[dict[str, Any]]:
    results = record.get("results") or []
    if not isinstance(results, list) or len(results) > MAX_RESULTS:
        raise InputError(f"records.{key}.results", type(results).__name__, f"a list of at most {MAX_RESULTS} results")
    out = []
    for j, r in enumerate(results):
        if not isinstance(r, dict):
            raise InputError(f"records.{key}.results[{j}]", r, "a result object")
        _unknown(r, _RESULT_KEYS, f"records.{key}.results[{j}].")
        row = dict(r)
        if row.get("kind") in ("level", "crp") and row.pop("below", False) is True and row.get("value") is not None:
            row["value"] = f"<{row['value']:g}" if isinstance(row["value"], int | float) else row["value"]
        out.append(row)
    return out


def _store_results(ws: Workspace, patient: Patient, results: list[dict[str, Any]], where: str,
                   fields: dict[str, str] | None = None) -> None:
    """Store results; an error names the document's field (``fields`` maps a kind's column to it)."""
    for j, data in enumerate(results):
        retracted = data.pop("retracted", None)
        if retracted is not None and (not isinstance(retracted, str) or not retracted.strip()):
            raise InputError(f"{where}[{j}].retracted", retracted, "the reason the result was retracted (text)")
        reason = None if retracted is None else check_text(f"{where}[{j}].retracted", retracted.strip(), NOTE)
        try:
            stored = ws.add_result(patient.id, data)
        except InputError as exc:
            if fields is None:
                raise InputError(f"{where}[{j}].{exc.field}", exc.value, exc.expected) from None
            field = fields.get(f"{data['kind']}.{exc.field}", exc.field)
            raise InputError(f"{where}.{field}", exc.value, exc.expected) from None
        if reason is not None:
            stored.retracted_at = utcnow()
            stored.retraction_reason = reason


_EVIDENCE_FIELDS = {"genotype.text": "genotype", "phenotype.text": "phenotype", "level.value": "level.value",
                    "crp.value": "level.crp", "level.taken_on": "level", "genotype.taken_on": "genotype"}


def _same_evidence(ws: Workspace, patient: Patient, m: dict[str, Any], where: str) -> None:
    """The member's evidence must be what the records give (else the engine and the workspace would disagree)."""
    derived = evidence(ws.results(patient))
    for kind in ("genotype", "phenotype", "level"):
        if m.get(kind) is not None and m[kind] != derived.get(kind):
            raise InputError(f"{where}.{kind}", m[kind], f"the latest {kind} of the member's results "
                             f"({derived.get(kind)!r})")


def import_family(ws: Workspace, doc: object, name: str | None = None) -> Family:
    """A new family from a pedigree document (all members or none)."""
    members, records = _check(doc)
    assert isinstance(doc, dict)
    country, freqs, residual = _frequencies(doc)
    family = ws.create_family(name or _family_name(doc), country)
    family.allele_frequencies, family.residual_allele = freqs, residual
    created: dict[str, Patient] = {}
    for i, m in enumerate(members):
        key, where = str(m["id"]), f"members[{i}]"
        record = records.get(key, {})
        label = _member_label(m, where)
        created[key] = patient = ws.create_patient({
            "label": label, "family_id": family.id, "sex": m.get("sex", "unknown"),
            "birth_year": _birth_year(m, record, where),
            **{flag: _flag(m, flag, where) for flag in ("proband", "deceased")}})
        if "results" in record:
            _store_results(ws, patient, _record_results(record, key), f"records.{key}.results")
            _same_evidence(ws, patient, m, where)
        else:
            _store_results(ws, patient, _evidence_results(m, where), where, _EVIDENCE_FIELDS)
        tested = record.get("tested", m.get("tested"))
        if tested is not None:
            patient.tested = _flag({"tested": tested}, "tested", f"records.{key}" if "tested" in record else where)
    for i, m in enumerate(members):
        links: dict[str, Any] = {column: created[str(m[key])].id for key, column in _LINKS
                                 if m.get(key) is not None}
        if m.get("adopted") is not None:
            links["adopted"] = m["adopted"]
        if links:
            try:
                ws.update_patient(created[str(m["id"])].id, links, check_family=False)
            except InputError as exc:
                raise InputError(f"members[{i}].{exc.field.removesuffix('_id')}", m.get(exc.field.removesuffix('_id'),
                                 exc.value), exc.expected) from None
    ws.check_family(family.id, "members")
    return family


def _family_name(doc: dict[str, Any]) -> str:
    """The document's ``family`` name, checked as any family name (never shortened or converted to text)."""
    value = doc.get("family")
    return "Imported family" if value is None else label_text("family", value)


def _member_label(member: dict[str, Any], where: str) -> str:
    """The member's ``name``, else ``label``, else ``id``: checked as any patient label (never shortened)."""
    for key in ("name", "label"):
        if member.get(key) not in (None, ""):
            return label_text(f"{where}.{key}", member[key])
    return label_text(f"{where}.id", str(member["id"]))


def _flag(member: dict[str, Any], flag: str, where: str) -> bool:
    """A yes/no field: JSON ``true``/``false`` or absent; ``"false"`` is refused, not read as true."""
    value = member.get(flag, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(f"{where}.{flag}", value, "true or false (JSON booleans, not text)")
    return value


def member_evidence(row: dict[str, Any]) -> str:
    """The member's most specific evidence: genotype, else IEF phenotype, else serum level."""
    if row.get("genotype") or row.get("phenotype"):
        return str(row.get("genotype") or row.get("phenotype"))
    return f"{row['level']['value']} {row['level']['unit']}" if "level" in row else ""
