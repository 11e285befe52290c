"""Read FHIR R4 results (a Bundle or one Observation) into aatd's inputs.

What is read (codes from ``fhir_codes.csv``):

* serum AAT level: LOINC 1825-9 (or Mayo's 6771-0), ``valueQuantity`` in mg/dL, g/L or
  µmol/L (UCUM ``code`` first, then ``unit``), ``comparator`` ``<`` for "below detection",
  ``method`` (aatd's assay-method code or a method name);
* CRP: LOINC 1988-5 in UCUM mg/L or mg/dL (kept in its unit; any other unit is refused), used only when
  taken on the level's date;
* IEF phenotype: LOINC 32769-2; genotype: LOINC 84413-4 (Genomics Reporting ``genotype``);
* variants: LOINC 69548-6 (``variant``) named by c.HGVS on NM_000295, p.HGVS on NP_000286,
  dbSNP rsID, GRCh38/GRCh37 g.HGVS or position, or aatd's allele code, with the allelic
  state (heterozygous/homozygous);
* FEV1 % predicted (LOINC 20152-5) and smoking status (LOINC 72166-2), for the
  augmentation criteria.

Anything about AATD that cannot be mapped is refused with an :class:`InputError` naming
the resource and the element. Resources about other things (a blood pressure, a CYP2C19
genotype, alkaline phosphatase LOINC 6768-6) are listed in ``ignored``, never dropped
silently. When several results of a kind exist, the latest (``effectiveDateTime``) is
used and the choice is noted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aatd.clinic.augmentation import Smoking
from aatd.errors import InputError, shown
from aatd.family.pedigree import allele_from_variant_text
from aatd.genetics.alleles import allele_catalogue, get_allele
from aatd.genetics.genotypes import Genotype, Phenotype, parse_genotype, parse_phenotype
from aatd.genetics.units import Crp, Level, Method, parse_crp_unit, parse_method
from aatd.interop.codes import FhirCode, fhir_codes
from aatd.limits import check_time_budget, is_printable

MAX_RESOURCES = 5000
"""Largest Bundle read (entries); larger inputs are refused rather than parsed slowly."""
_ACCEPTED_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
_TRANSCRIPT = "NM_000295"
_PROTEIN = "NP_000286"
_CHROMOSOME_14 = {"NC_000014.9": "grch38", "NC_000014.8": "grch37"}
_G_HGVS = re.compile(r"^(NC_0000\d\d\.\d+):g\.(\d+)([ACGT])>([ACGT])$")
_RESULT_KEYS = ("aat_level", "aat_level_mayo", "crp", "aat_phenotype", "genotype", "variant", "fev1_pct_predicted",
                "smoking_status")


@dataclass(frozen=True, slots=True)
class ResultInputs:
    """aatd's inputs for one person: what ``interpret`` takes, as read from (or written to) FHIR."""

    level: Level | None = None
    crp: Crp | None = None
    """The CRP taken with the level, in the unit it was reported in (mg/L or mg/dL)."""
    phenotype: Phenotype | None = None
    genotype: Genotype | None = None
    panel: str | None = None
    fev1_pct: float | None = None
    smoking: Smoking | None = None
    taken_on: str | None = None
    """Date (ISO) of the level, or of the genotype when there is no level."""

    @property
    def empty(self) -> bool:
        """True when there is no level, phenotype or genotype to interpret."""
        return self.level is None and self.phenotype is None and self.genotype is None


@dataclass(frozen=True, slots=True)
class FhirImport:
    """The inputs read, the patient they belong to, and what was left out and why."""

    inputs: ResultInputs
    subject: str | None
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    results: tuple[Mapping[str, Any], ...] = ()
    """Every result read (not only the latest), as ``{"kind", "taken_on", "source", ...}`` records in the
    workspace's result vocabulary: ``level`` (value, unit, method), ``crp`` (value, unit: mg/L or mg/dL), ``phenotype``
    and ``genotype`` (text, panel); each with ``note`` (the Observation's first note, or ``None``) and ``status``:
    ``current``, ``corrected`` (``corrected_at``: the Observation's ``issued``) or ``retracted``
    (``retraction_reason``: aatd's retraction-reason extension, else one naming the Observation). Entered-in-error
    results are only records: they never reach :attr:`inputs`."""


@dataclass(slots=True)
class _Found:
    """One usable result: its label (``Observation/abc``), date and value."""

    label: str
    date: str
    value: Any
    order: str = ""
    """Sort key for "latest": the effective date, else the issued instant."""
    state: str = "current"
    """``current``, or ``corrected`` for an Observation whose status is corrected or amended."""
    issued: str = ""
    note: str | None = None
    """The Observation's first note, when it is text a result may hold (see :func:`_note`)."""


@dataclass(slots=True)
class _Variant:
    label: str
    date: str
    allele: str
    zygosity: str | None
    present: bool
    keys: tuple[str, ...] = ()
    """How a genotype's ``derivedFrom`` may name this Observation (``Observation/id``, ``urn:uuid:id``)."""


@dataclass(slots=True)
class _Collected:
    levels: list[_Found] = field(default_factory=list)
    crps: list[_Found] = field(default_factory=list)
    phenotypes: list[_Found] = field(default_factory=list)
    genotypes: list[_Found] = field(default_factory=list)
    variants: list[_Variant] = field(default_factory=list)
    fev1: list[_Found] = field(default_factory=list)
    smoking: list[_Found] = field(default_factory=list)
    unread_genotypes: list[tuple[str, str]] = field(default_factory=list)
    other_resources: dict[str, int] = field(default_factory=dict)
    subjects: set[str] = field(default_factory=set)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)
    """Variant reference -> label of the genotype Observation derived from it."""
    retracted: list[dict[str, Any]] = field(default_factory=list)
    """Records of entered-in-error results (kept as retracted by a workspace import, never used)."""


# --- entry points ------------------------------------------------------------------------------------------------


def resources_of(doc: object) -> list[tuple[str, Mapping[str, Any]]]:
    """The resources of a Bundle (or the one resource given), each with a label naming it.

    Labels are ``Observation/123`` when the resource has an id, else ``Bundle.entry[4]``.
    """
    if not isinstance(doc, Mapping):
        raise InputError("fhir", type(doc).__name__, "a FHIR resource (a JSON object with resourceType)")
    kind = doc.get("resourceType")
    if kind != "Bundle":
        if not isinstance(kind, str):
            raise InputError("fhir.resourceType", kind, "Bundle or Observation")
        return [(_label(doc, "resource"), doc)]
    entries = doc.get("entry") or []
    if not isinstance(entries, list):
        raise InputError("Bundle.entry", type(entries).__name__, "a list of entries")
    if len(entries) > MAX_RESOURCES:
        raise InputError("Bundle.entry", f"{len(entries)} entries", f"at most {MAX_RESOURCES} entries")
    out = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            raise InputError(f"Bundle.entry[{i}].resource", resource, "a FHIR resource with a resourceType")
        out.append((_label(resource, f"Bundle.entry[{i}]"), resource))
    return out


def read_results(doc: object) -> FhirImport:
    """Map a FHIR Bundle or Observation onto aatd's inputs (see the module docstring)."""
    found = _Collected()
    for label, resource in resources_of(doc):
        check_time_budget("reading the FHIR results")  # one context-variable read without a budget (the CLI)
        _collect(label, resource, found)
    if len(found.subjects) > 1:
        raise InputError("Observation.subject", sorted(found.subjects), "results of one patient",
                         hint="send one patient's results per request")
    level = _latest(found.levels, "serum AAT level", found.notes)
    crp = _crp_for(level, found)
    genotype, panel = _genotype(found)
    phenotype = _latest(found.phenotypes, "phenotype", found.notes)
    fev1 = _latest(found.fev1, "FEV1 % predicted", found.notes)
    smoking = _latest(found.smoking, "smoking status", found.notes)
    taken = level.date if level else (genotype.date if genotype else None)
    inputs = ResultInputs(level=level.value if level else None, crp=crp,
                          phenotype=phenotype.value if phenotype else None,
                          genotype=genotype.value if genotype else None, panel=panel,
                          fev1_pct=fev1.value if fev1 else None, smoking=smoking.value if smoking else None,
                          taken_on=taken or None)
    subject = next(iter(found.subjects), None)
    records = (*_records(found, genotype if not found.genotypes else None), *found.retracted)
    if found.other_resources:
        kinds = sorted(found.other_resources.items())
        counts = ", ".join(f"{n} {echo(kind)}" for kind, n in kinds[:ECHOED_ITEMS])
        if len(kinds) > ECHOED_ITEMS:
            counts += f" and {len(kinds) - ECHOED_ITEMS:,} other kinds"
        found.ignored.append(f"resources that are not results: {counts}")
    return FhirImport(inputs, subject, at_most(found.ignored), at_most(found.notes), records)


def _records(found: _Collected, from_variants: _Found | None) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for f in found.levels:
        level: Level = f.value
        out.append(_state(f) | {"kind": "level", "taken_on": f.date, "source": f.label,
                                "value": ("<" if level.below else "") + f"{level.value!r}", "unit": level.unit.value,
                                "method": level.method.value})
    out += [_state(f) | {"kind": "crp", "taken_on": f.date, "source": f.label,
                         "value": f"<{f.value.value!r}" if f.value.below else f.value.value, "unit": f.value.unit.value}
            for f in found.crps]
    out += [_state(f) | {"kind": "phenotype", "taken_on": f.date, "source": f.label, "text": f.value.canonical}
            for f in found.phenotypes]
    out += [_state(f) | {"kind": "genotype", "taken_on": f.date, "source": f.label, "text": f.value[0].canonical,
                         "panel": f.value[1]} for f in found.genotypes]
    if from_variants is not None:
        out.append({"kind": "genotype", "taken_on": from_variants.date, "source": from_variants.label,
                    "text": from_variants.value.canonical, "panel": None, "status": "current"})
    return tuple(out)


def _state(found: _Found) -> dict[str, Any]:
    """The note and status keys of a record: ``note``, ``status``, and ``corrected_at`` for a corrected result."""
    if found.state == "corrected":
        return {"note": found.note, "status": "corrected", "corrected_at": _instant_or_none(found.issued)}
    return {"note": found.note, "status": "current"}


def _instant_or_none(text: str) -> str | None:
    """``text`` if it is an ISO 8601 date or instant (a correction's time), else ``None`` (the import then uses
    its own time rather than refusing the file)."""
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return text


NOTE_CHARACTERS = 2000
"""Longest note kept from an Observation (the workspace's limit for a result's note)."""


def _note(resource: Mapping[str, Any]) -> str | None:
    """The text of the first ``note`` (an Annotation), if a result's note may hold it (printable, at most
    :data:`NOTE_CHARACTERS`); otherwise ``None`` (the importer then notes where the result came from)."""
    for annotation in items(resource.get("note")):
        text = annotation.get("text") if isinstance(annotation, Mapping) else None
        if isinstance(text, str):
            text = text.strip()
            return text if 0 < len(text) <= NOTE_CHARACTERS and is_printable(text, lines=True) else None
    return None


RETRACTION_REASON_CHARACTERS = 500
"""Longest retraction reason kept from a file (the workspace's limit); a longer one is cut, with an ellipsis."""
_RETRACTABLE = ("aat_level", "aat_level_mayo", "crp", "aat_phenotype", "genotype")


def _collect_retracted(label: str, resource: Mapping[str, Any], key: str, found: _Collected) -> None:
    """An entered-in-error result: kept as a retracted record (with its reason) and never used; anything else
    entered in error, or a result that cannot be read, is listed in ``ignored``."""
    scratch = _Collected()
    try:
        if key not in _RETRACTABLE or len(_date(resource)) < len("YYYY-MM-DD"):  # a stored result needs its day
            raise InputError(label, key, "a result with the full date it was taken")
        _READERS[key](label, resource, _date(resource), scratch)
    except InputError:
        found.ignored.append(f"{echo(label)}: status 'entered-in-error' (not used)")
        return
    reason = f"entered in error (FHIR {label})"
    for ext in items(resource.get("extension")):
        if not isinstance(ext, Mapping):
            continue
        given = ext.get("valueString")
        if ext.get("url") == fhir_codes().url("ext_retraction_reason") and isinstance(given, str) \
                and len(given.strip()) >= 3 and is_printable(given):  # as a reason typed in the workspace
            reason = given.strip()
    if len(reason) > RETRACTION_REASON_CHARACTERS:
        reason = reason[:RETRACTION_REASON_CHARACTERS - 1] + "…"
    found.retracted += [record | {"note": _note(resource), "status": "retracted", "retraction_reason": reason}
                        for record in _records(scratch, None)]
    found.ignored.append(f"{echo(label)}: status 'entered-in-error': not used (a workspace import keeps it as "
                         "a retracted result)")


# --- helpers -----------------------------------------------------------------------------------------------------


ECHO_CHARACTERS = 80
"""Characters of a value from the file repeated in ``ignored`` or ``notes`` (an id, a code, a status): enough to
find it in the file. A 100,000-character code was echoed whole (second review, wave 8)."""

ECHOED_ITEMS = 20
"""Entries of ``ignored`` and of ``notes`` listed (and codes or kinds within one entry); the rest are counted."""


def echo(value: object) -> str:
    """``value`` as repeated in a note: a text as it is, up to :data:`ECHO_CHARACTERS`, then ``…`` and its length;
    anything else (a status given as a number or an object) by its ``repr``, bounded the same way."""
    text = value if isinstance(value, str) else shown(value)
    if len(text) <= ECHO_CHARACTERS:
        return text
    return f"{text[:ECHO_CHARACTERS]}… ({len(text):,} characters)"


def at_most(entries: list[str]) -> tuple[str, ...]:
    """The first :data:`ECHOED_ITEMS` entries, then one saying how many more there were (the answer stays small)."""
    if len(entries) <= ECHOED_ITEMS:
        return tuple(entries)
    return (*entries[:ECHOED_ITEMS], f"and {len(entries) - ECHOED_ITEMS:,} more like these, not listed")


def _label(resource: Mapping[str, Any], fallback: str) -> str:
    rid = resource.get("id")
    kind = resource.get("resourceType")
    return f"{kind}/{rid}" if isinstance(rid, str) and rid else f"{fallback} ({kind})"


def items(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else nothing (a malformed element is then simply absent)."""
    return value if isinstance(value, list) else []


def codings(concept: object) -> Iterator[Mapping[str, Any]]:
    """The codings of a CodeableConcept (nothing for anything else)."""
    if isinstance(concept, Mapping):
        for coding in items(concept.get("coding")):
            if isinstance(coding, Mapping):
                yield coding


def concept_texts(concept: object) -> list[str]:
    """``text`` and every coding's ``display`` and ``code`` of a CodeableConcept, as given."""
    out = []
    if isinstance(concept, Mapping) and isinstance(concept.get("text"), str):
        out.append(concept["text"])
    for coding in codings(concept):
        out += [str(coding[k]) for k in ("code", "display") if isinstance(coding.get(k), str)]
    return out


def known_code(concept: object, keys: Sequence[str]) -> FhirCode | None:
    """The first coding of ``concept`` that is one of the rows ``keys`` of ``fhir_codes.csv``."""
    table = fhir_codes()
    for coding in codings(concept):
        row = table.lookup(coding.get("system"), coding.get("code"))
        if row is not None and row.key in keys:
            return row
    return None


def _code_in(concept: object, system_key: str) -> str | None:
    system = fhir_codes().url(system_key)
    for coding in codings(concept):
        if coding.get("system") == system and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _date(resource: Mapping[str, Any]) -> str:
    """The effective date (``effectiveDateTime`` or ``effectivePeriod.start``), or ``""``."""
    if isinstance(resource.get("effectiveDateTime"), str):
        return str(resource["effectiveDateTime"])
    period = resource.get("effectivePeriod")
    if isinstance(period, Mapping) and isinstance(period.get("start"), str):
        return str(period["start"])
    return ""


def _collect(label: str, resource: Mapping[str, Any], found: _Collected) -> None:
    kind = str(resource.get("resourceType"))
    if kind != "Observation":
        found.other_resources[kind] = found.other_resources.get(kind, 0) + 1
        return
    row = known_code(resource.get("code"), (*_RESULT_KEYS, "alkaline_phosphatase"))
    if row is None:
        texts = concept_texts(resource.get("code"))
        found.ignored.append(f"{echo(label)}: code {echo(', '.join(texts[:ECHOED_ITEMS])) or 'missing'} "
                             "is not a result aatd reads")
        return
    if row.key == "alkaline_phosphatase":
        found.ignored.append(f"{echo(label)}: LOINC 6768-6 is alkaline phosphatase, not alpha-1 antitrypsin")
        return
    status = resource.get("status")
    if status == "entered-in-error":
        _collect_retracted(label, resource, row.key, found)
        return
    if not isinstance(status, str) or status not in _ACCEPTED_STATUS:
        found.ignored.append(f"{echo(label)}: status {echo(repr(status))} "
                             "(only final, amended, corrected or preliminary are read)")
        return
    if status == "preliminary":
        found.notes.append(f"{echo(label)} is preliminary")
    subject = resource.get("subject")
    if isinstance(subject, Mapping) and isinstance(subject.get("reference"), str):
        found.subjects.add(subject["reference"])
    date = _date(resource)
    lists = _found_lists(found)
    before = [len(items) for items in lists]  # readers only append: what is new stands past these lengths
    _READERS[row.key](label, resource, date, found)
    given = resource.get("issued")
    issued = given if isinstance(given, str) else ""
    state = "corrected" if status in ("corrected", "amended") else "current"
    note = _note(resource) if "note" in resource else None
    for items, start in zip(lists, before, strict=True):
        for item in items[start:]:
            item.order = date or issued
            item.state, item.issued, item.note = state, issued, note


def _found_lists(found: _Collected) -> tuple[list[_Found], ...]:
    """The lists of read results (each reader appends to one of them)."""
    return (found.levels, found.crps, found.phenotypes, found.genotypes, found.fev1, found.smoking)


def _read_level(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    value, unit, comparator = _quantity(label, obs)
    if comparator in (">", ">="):
        raise InputError(f"{label}.valueQuantity.comparator", comparator, "no comparator, or '<' below detection")
    text = f"<{value}" if comparator in ("<", "<=") else value
    method, note = _method(label, obs.get("method"))
    if note:
        found.notes.append(note)
    level = Level.parse(text, unit, method, field=f"{label}.valueQuantity")
    found.levels.append(_Found(label, date, level))


def _quantity(label: str, obs: Mapping[str, Any]) -> tuple[float, str, str | None]:
    quantity = obs.get("valueQuantity")
    if not isinstance(quantity, Mapping):
        kinds = [k for k in obs if k.startswith("value")] or ["no value"]
        raise InputError(f"{label}.value[x]", kinds[0], "a valueQuantity with a number and a unit")
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{label}.valueQuantity.value", value, "a finite number")
    ucum = fhir_codes().url("ucum")
    unit = quantity.get("code") if quantity.get("system") == ucum and quantity.get("code") else quantity.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise InputError(f"{label}.valueQuantity.unit", unit, "a unit (UCUM code or unit text)")
    comparator = quantity.get("comparator")
    return float(value), unit, comparator if isinstance(comparator, str) else None


def _method(label: str, concept: object) -> tuple[Method, str]:
    code = _code_in(concept, "aatd_method")
    if code is not None:
        return parse_method(code, f"{label}.method"), ""
    texts = concept_texts(concept)
    for text in texts:
        try:
            return parse_method(text, f"{label}.method"), ""
        except InputError:
            continue
    if texts:
        return Method.UNSPECIFIED, (f"{label}: assay method {texts[0]!r} not recognised; converted as a "
                                    "purified-standard assay (nephelometry)")
    return Method.UNSPECIFIED, ""


def _read_crp(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    """A CRP in UCUM ``mg/L`` or ``mg/dL`` (kept in its unit; the core converts it once); any other unit is
    refused, never read as mg/L."""
    value, unit, comparator = _quantity(label, obs)
    if comparator in (">", ">="):
        raise InputError(f"{label}.valueQuantity.comparator", comparator, "no comparator, or '<' (CRP)")
    try:
        crp_unit = parse_crp_unit(unit.replace(" ", ""), f"{label}.valueQuantity.unit")
    except InputError as exc:
        raise InputError(exc.field, unit, "UCUM mg/L or mg/dL for a CRP",
                         hint="convert the CRP to mg/L or mg/dL; aatd does not guess other units") from None
    given = f"<{value!r}" if comparator == "<" else value  # "<5 mg/L": below the laboratory's reporting limit
    found.crps.append(_Found(label, date, Crp.parse(given, crp_unit, f"{label}.valueQuantity.value")))


def _text_value(label: str, obs: Mapping[str, Any], system_key: str) -> tuple[str | None, list[str], str]:
    """(aatd code, other texts, element name) of a coded or string value."""
    concept = obs.get("valueCodeableConcept")
    if concept is not None:
        return _code_in(concept, system_key), concept_texts(concept), "valueCodeableConcept"
    if isinstance(obs.get("valueString"), str):
        return None, [obs["valueString"]], "valueString"
    raise InputError(f"{label}.value[x]", None, "a valueCodeableConcept or valueString")


def _read_phenotype(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    code, texts, element = _text_value(label, obs, "aatd_phenotype")
    where = f"{label}.{element}"
    if code is not None:
        found.phenotypes.append(_Found(label, date, parse_phenotype(code, where)))
        return
    found.phenotypes.append(_Found(label, date, _first_parsed(texts, parse_phenotype, where, "an IEF phenotype "
                                                                 "such as MZ or Z")))


def _first_parsed(texts: list[str], parse: Any, where: str, expected: str) -> Any:
    for text in texts:
        try:
            return parse(text, where)
        except InputError:
            continue
    raise InputError(where, " | ".join(texts) or None, expected)


def _gene_is_serpina1(obs: Mapping[str, Any]) -> bool | None:
    """True/False when a gene-studied component names SERPINA1 or another gene; None without one."""
    table = fhir_codes()
    serpina1 = table["serpina1"]
    for comp in _components(obs, "gene_studied"):
        concept = comp.get("valueCodeableConcept")
        for coding in codings(concept):
            if coding.get("code") == serpina1.code:
                return True
        texts = [t.upper() for t in concept_texts(concept)]
        return "SERPINA1" in texts
    return None


def _components(obs: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
    for comp in items(obs.get("component")):
        if isinstance(comp, Mapping) and known_code(comp.get("code"), (key,)) is not None:
            yield comp


def _read_genotype(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    if _gene_is_serpina1(obs) is False:
        found.ignored.append(f"{echo(label)}: genotype of another gene (gene studied is not SERPINA1)")
        return
    code, texts, element = _text_value(label, obs, "aatd_genotype")
    where = f"{label}.{element}"
    panel = _code_in(obs.get("method"), "aatd_panel")
    for ref in items(obs.get("derivedFrom")):
        if isinstance(ref, Mapping) and isinstance(ref.get("reference"), str):
            found.derived[ref["reference"]] = label
    if code is not None:
        found.genotypes.append(_Found(label, date, (parse_genotype(code, where), panel)))
        return
    try:
        genotype = _first_parsed(texts, parse_genotype, where, "a SERPINA1 genotype such as PI*MZ, SZ or Z/Null")
    except InputError:
        if _gene_is_serpina1(obs) is None and not any("SERPINA1" in t.upper() or "PI*" in t.upper() for t in texts):
            shown_texts = echo(repr(" | ".join(texts[:ECHOED_ITEMS])))
            found.ignored.append(f"{echo(label)}: genotype {shown_texts} names no SERPINA1 alleles")
            return
        if obs.get("hasMember") or obs.get("derivedFrom"):
            found.unread_genotypes.append((where, " | ".join(texts)))
            return
        raise
    found.genotypes.append(_Found(label, date, (genotype, panel)))


def _read_variant(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    if _gene_is_serpina1(obs) is False:
        found.ignored.append(f"{echo(label)}: variant in another gene (gene studied is not SERPINA1)")
        return
    value = known_code(obs.get("valueCodeableConcept"), ("present", "absent"))
    allele = _variant_allele(label, obs)
    if allele is None:
        if _gene_is_serpina1(obs) is None:
            found.ignored.append(f"{echo(label)}: variant not in SERPINA1's catalogue and no gene studied given")
            return
        raise InputError(f"{label}.component", _variant_texts(obs), "a SERPINA1 allele of aatd's catalogue named by "
                         f"c.HGVS on {_TRANSCRIPT} (c.1096G>A), p.HGVS, rsID (rs28929474), GRCh38 position or "
                         "allele name (Z)")
    zygosity = None
    for comp in _components(obs, "allelic_state"):
        state = known_code(comp.get("valueCodeableConcept"), ("heterozygous", "homozygous"))
        texts = [t.lower() for t in concept_texts(comp.get("valueCodeableConcept"))]
        zygosity = state.key if state else next((z for z in ("heterozygous", "homozygous") if z in texts), None)
        if zygosity is None:
            raise InputError(f"{label}.component[allelic-state]", texts, "heterozygous (LA6706-1) or homozygous "
                             "(LA6705-3)")
    rid = obs.get("id")
    keys = (label, f"urn:uuid:{rid}") if isinstance(rid, str) and rid else (label,)
    found.variants.append(_Variant(label, date, allele, zygosity, value is None or value.key == "present", keys))


def _variant_texts(obs: Mapping[str, Any]) -> list[str]:
    out = []
    for comp in items(obs.get("component")):
        if isinstance(comp, Mapping):
            out += concept_texts(comp.get("valueCodeableConcept"))
            if isinstance(comp.get("valueString"), str):
                out.append(comp["valueString"])
    return out


def _variant_allele(label: str, obs: Mapping[str, Any]) -> str | None:
    """The catalogue allele a Variant names, or None; refuses HGVS on another transcript."""
    for comp in _components(obs, "variation_code"):
        code = _code_in(comp.get("valueCodeableConcept"), "aatd_allele")
        if code is not None:
            return get_allele(code, f"{label}.component[variation-code]").allele
    for key, accession in (("c_hgvs", _TRANSCRIPT), ("p_hgvs", _PROTEIN)):
        for comp in _components(obs, key):
            for text in concept_texts(comp.get("valueCodeableConcept")):
                prefix = text.split(":", 1)[0] if ":" in text else ""
                if prefix and not prefix.startswith(accession):
                    raise InputError(f"{label}.component[{key.replace('_', '-')}]", text,
                                     f"HGVS on SERPINA1 {accession} (any version)")
                allele = allele_from_variant_text(text)
                if allele is not None:
                    return allele
    for comp in _components(obs, "variation_code"):
        for text in concept_texts(comp.get("valueCodeableConcept")):
            allele = allele_from_variant_text(text)
            if allele is not None:
                return allele
    for comp in _components(obs, "g_hgvs"):
        for text in concept_texts(comp.get("valueCodeableConcept")):
            allele = _allele_at_g_hgvs(label, text)
            if allele is not None:
                return allele
    return _allele_at_position(label, obs)


def _allele_by_position(build: str, pos: int, ref: str, alt: str) -> str | None:
    for a in allele_catalogue():
        if not a.verified or not a.ref_plus or not a.alt_plus:
            continue
        site = a.grch38_pos if build == "grch38" else a.grch37_pos
        if site == pos and a.ref_plus == ref and a.alt_plus == alt:
            return a.allele
    return None


def _allele_at_g_hgvs(label: str, text: str) -> str | None:
    match = _G_HGVS.match(text.strip())
    if match is None:
        return None
    build = _CHROMOSOME_14.get(match.group(1))
    if build is None:
        raise InputError(f"{label}.component[genomic-hgvs]", text, "g.HGVS on chromosome 14 (NC_000014.9 GRCh38 or "
                         "NC_000014.8 GRCh37)")
    return _allele_by_position(build, int(match.group(2)), match.group(3), match.group(4))


def _allele_at_position(label: str, obs: Mapping[str, Any]) -> str | None:
    """A variant given as assembly/reference sequence + start + ref + alt (IG positional form)."""
    starts = list(_components(obs, "exact_start_end"))
    if not starts:
        return None
    rng = starts[0].get("valueRange")
    low_q = rng.get("low") if isinstance(rng, Mapping) else None
    low = low_q.get("value") if isinstance(low_q, Mapping) else None
    ref = next((c.get("valueString") for c in _components(obs, "ref_allele")), None)
    alt = next((c.get("valueString") for c in _components(obs, "alt_allele")), None)
    if not isinstance(low, int | float) or not isinstance(ref, str) or not isinstance(alt, str):
        return None
    build = _build(obs)
    if build is None:
        raise InputError(f"{label}.component[reference-sequence-assembly]", None, "GRCh38 (LA26806-2) or GRCh37 "
                         "(LA14029-5), or a chromosome 14 reference sequence (NC_000014.9 / NC_000014.8)")
    zero_based = any(known_code(c.get("valueCodeableConcept"), ("zero_based_interval",)) is not None
                     for c in _components(obs, "coordinate_system"))
    return _allele_by_position(build, int(low) + (1 if zero_based else 0), ref.upper(), alt.upper())


def _build(obs: Mapping[str, Any]) -> str | None:
    for comp in _components(obs, "assembly"):
        row = known_code(comp.get("valueCodeableConcept"), ("grch38", "grch37"))
        if row is not None:
            return row.key
    for comp in _components(obs, "genomic_ref_seq"):
        for text in concept_texts(comp.get("valueCodeableConcept")):
            if text in _CHROMOSOME_14:
                return _CHROMOSOME_14[text]
    return None


def _read_fev1(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    value, unit, _ = _quantity(label, obs)
    if unit.strip() != "%":
        raise InputError(f"{label}.valueQuantity.unit", unit, "% (FEV1 % predicted)")
    found.fev1.append(_Found(label, date, value))


def _read_smoking(label: str, obs: Mapping[str, Any], date: str, found: _Collected) -> None:
    table = fhir_codes()
    concept = obs.get("valueCodeableConcept")
    for coding in codings(concept):
        for c in table.clinical:
            if c.meaning.startswith("smoking_") and c.match == "exact" and coding.get("system") == c.system \
                    and coding.get("code") == c.code:
                found.smoking.append(_Found(label, date, Smoking(c.meaning.removeprefix("smoking_"))))
                return
    texts = echo(repr(" | ".join(concept_texts(concept)[:ECHOED_ITEMS])))
    found.ignored.append(f"{echo(label)}: smoking status {texts} is not one aatd maps "
                         "(never, former or current smoker)")


_READERS = {"aat_level": _read_level, "aat_level_mayo": _read_level, "crp": _read_crp,
            "aat_phenotype": _read_phenotype, "genotype": _read_genotype, "variant": _read_variant,
            "fev1_pct_predicted": _read_fev1, "smoking_status": _read_smoking}


def _latest(items: list[_Found], what: str, notes: list[str]) -> _Found | None:
    if not items:
        return None
    best = max(items, key=lambda f: f.order or f.date)  # ISO 8601 sorts as text; undated ones sort first
    if len(items) > 1:
        notes.append(f"{len(items)} results for {what}: used the latest, {echo(best.label)}"
                     + (f" ({echo(best.date)})" if best.date else ""))
    return best


def _crp_for(level: _Found | None, found: _Collected) -> Crp | None:
    """The CRP taken on the level's date (CRP on another day says nothing about the level)."""
    if not found.crps:
        return None
    if level is None:
        found.notes.append("CRP given without a serum level: not used")
        return None
    same_day = [c for c in found.crps if c.date[:10] == level.date[:10]]
    if not same_day:
        found.notes.append(f"no CRP taken on the level's date ({echo(level.date[:10]) or 'undated'}): CRP not used")
        return None
    chosen: Crp = max(same_day, key=lambda c: c.date).value
    return chosen


def _genotype(found: _Collected) -> tuple[_Found | None, str | None]:
    """The genotype Observation (latest), else the genotype the Variants amount to; checked against each other."""
    chosen = _latest(found.genotypes, "genotype", found.notes)
    present = [v for v in found.variants if v.present]
    found.notes += [f"{v.label}: {v.allele} reported absent" for v in found.variants if not v.present]
    if chosen is not None:
        genotype, panel = chosen.value
        by_label = {f.label: f.value[0] for f in found.genotypes}
        for variant in present:  # against the genotype derived from it, else the one used
            owner = next((found.derived[k] for k in variant.keys if k in found.derived), None)
            _check_variants(by_label.get(owner, genotype) if owner else genotype, [variant])
        return _Found(chosen.label, chosen.date, genotype), panel
    if not present:
        if found.unread_genotypes:
            where, text = found.unread_genotypes[0]
            raise InputError(where, text, "a SERPINA1 genotype such as PI*MZ, SZ or Z/Null, or Variant observations "
                             "naming its alleles")
        return None, None
    found.notes += [f"{where}: genotype {text!r} read from its Variant observations"
                    for where, text in found.unread_genotypes]
    return _Found(present[0].label, max(v.date for v in present), _from_variants(present, found.notes)), None


def _check_variants(genotype: Genotype, variants: list[_Variant]) -> None:
    alleles = {genotype.first, genotype.second}
    for v in variants:
        record = get_allele(v.allele)
        if record.family != "M" and v.allele not in alleles:
            raise InputError(f"{v.label}.component", v.allele,
                             f"a variant of the reported genotype {genotype.canonical}",
                             hint="the Variant and Genotype observations disagree")


def _from_variants(variants: list[_Variant], notes: list[str]) -> Genotype:
    distinct = list(dict.fromkeys((v.allele, v.zygosity) for v in variants))
    for v in variants:
        if v.zygosity is None:
            raise InputError(f"{v.label}.component[allelic-state]", None, "heterozygous (LA6706-1) or homozygous "
                             "(LA6705-3), to build the genotype from the variants")
    homozygous = [a for a, z in distinct if z == "homozygous"]
    if len(distinct) > 2 or (homozygous and len(distinct) > 1):
        raise InputError("Observation (variant)", [f"{a} {z}" for a, z in distinct], "at most two SERPINA1 alleles "
                         "(one homozygous variant, or one or two heterozygous ones)")
    if homozygous:
        return Genotype.of(homozygous[0], homozygous[0])
    if len(distinct) == 2:
        notes.append(f"two heterozygous variants ({distinct[0][0]}, {distinct[1][0]}) taken to be on different "
                     "chromosomes (in trans)")
        return Genotype.of(distinct[0][0], distinct[1][0])
    notes.append(f"one heterozygous variant ({distinct[0][0]}) and no genotype: the other allele read as reported "
                 f"normal (M{distinct[0][0]}); untested alleles are weighed by the interpretation")
    return Genotype.of("M", distinct[0][0])
