"""Export and import of a family as the pedigree JSON contract.

``{"members": [{"id", "sex", "father", "mother", "genotype" | "phenotype" | "level": {...}}]}``
Each member carries at most one piece of evidence: the latest genotype, else phenotype,
else level. Extra keys (``label``, ``deceased``, ``tested``, ``proband``) keep the workspace
details on a round trip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aatd.errors import InputError
from aatd.web.models import SEXES, Family, Patient, Result
from aatd.web.workspace.repository import Workspace

MAX_MEMBERS = 500


def _evidence(results: Sequence[Result]) -> dict[str, Any]:
    for kind in ("genotype", "phenotype", "level"):
        latest = [r for r in results if r.kind == kind]
        if latest:
            r = latest[-1]
            if kind == "level":
                value: object = f"<{r.value:g}" if r.below and r.value is not None else r.value
                return {"level": {"value": value, "unit": r.unit, "method": r.method}}
            return {kind: r.text}
    return {}


def export_family(ws: Workspace, family: Family) -> dict[str, Any]:
    """The family's living members as a pedigree document."""
    members = ws.members(family)
    ids = {m.id for m in members}
    out: list[dict[str, Any]] = []
    for m in members:
        row: dict[str, Any] = {"id": str(m.id), "label": m.label, "sex": m.sex}
        for key, rel in (("father", m.father_id), ("mother", m.mother_id), ("partner", m.partner_id)):
            if rel in ids:
                row[key] = str(rel)
        row |= {"proband": m.proband, "tested": m.tested, "deceased": m.deceased}
        row |= _evidence(ws.results(m))
        out.append(row)
    doc: dict[str, Any] = {"family": family.name, "members": out}
    if family.country:
        doc["country"] = family.country
    return doc


def _check(doc: object) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("members"), list):
        raise InputError("members", type(doc).__name__, 'a JSON object {"members": [...]}')
    members: list[dict[str, Any]] = doc["members"]
    if not 1 <= len(members) <= MAX_MEMBERS:
        raise InputError("members", len(members), f"1 to {MAX_MEMBERS} members")
    seen: set[str] = set()
    for i, m in enumerate(members):
        if not isinstance(m, dict) or not isinstance(m.get("id"), str | int) or isinstance(m.get("id"), bool):
            raise InputError(f"members[{i}].id", m.get("id") if isinstance(m, dict) else m, "a string id")
        mid = str(m["id"])
        if mid in seen:
            raise InputError(f"members[{i}].id", mid, "an id used once")
        seen.add(mid)
        if m.get("sex", "unknown") not in SEXES:
            raise InputError(f"members[{i}].sex", m.get("sex"), "female, male or unknown")
    for i, m in enumerate(members):
        for key in ("father", "mother", "partner"):
            if m.get(key) is not None and str(m[key]) not in seen:
                raise InputError(f"members[{i}].{key}", m[key], "the id of another member")
    return members


def _evidence_results(m: dict[str, Any], i: int) -> list[dict[str, Any]]:
    today = dt.date.today().isoformat()
    found: list[dict[str, Any]] = []
    if m.get("genotype") is not None:
        found.append({"kind": "genotype", "taken_on": today, "text": m["genotype"]})
    if m.get("phenotype") is not None:
        found.append({"kind": "phenotype", "taken_on": today, "text": m["phenotype"]})
    if m.get("level") is not None:
        level = m["level"]
        if not isinstance(level, dict):
            raise InputError(f"members[{i}].level", level, '{"value": ..., "unit": ...}')
        found.append({"kind": "level", "taken_on": today, "value": level.get("value"),
                      "unit": level.get("unit"), "method": level.get("method")})
    return found


def import_family(ws: Workspace, doc: object, name: str | None = None) -> Family:
    """A new family from a pedigree document (all members or none)."""
    members = _check(doc)
    assert isinstance(doc, dict)
    country = doc.get("country")
    if country is not None and not isinstance(country, str):
        raise InputError("country", country, "a country name from the allele-frequency table")
    family = ws.create_family(name or str(doc.get("family") or "Imported family")[:200], country)
    created: dict[str, Patient] = {}
    for i, m in enumerate(members):
        label = str(m.get("label") or m["id"])[:200]
        created[str(m["id"])] = ws.create_patient({
            "label": label, "family_id": family.id, "sex": m.get("sex", "unknown"),
            **{flag: _flag(m, flag, i) for flag in ("proband", "deceased", "tested")}})
        for result in _evidence_results(m, i):
            try:
                ws.add_result(created[str(m["id"])].id, result)
            except InputError as exc:
                raise InputError(f"members[{i}].{exc.field}", exc.value, exc.expected) from None
    for i, m in enumerate(members):
        links = {f"{key}_id": created[str(m[key])].id for key in ("father", "mother", "partner") if m.get(key)}
        if links:
            try:
                ws.update_patient(created[str(m["id"])].id, links, check_family=False)
            except InputError as exc:
                raise InputError(f"members[{i}].{exc.field}", exc.value, exc.expected) from None
    ws.check_family(family.id, "members")
    return family


def _flag(member: dict[str, Any], flag: str, i: int) -> bool:
    """A yes/no field: JSON ``true``/``false`` or absent; ``"false"`` is refused, not read as true."""
    value = member.get(flag, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(f"members[{i}].{flag}", value, "true or false (JSON booleans, not text)")
    return value
