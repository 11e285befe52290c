"""Write aatd results as FHIR R4 Bundles following the HL7 Genomics Reporting IG 3.0.0.

A results Bundle (``type: collection``) holds:

* the Patient (or only a reference to the EHR's Patient);
* an Observation per result: serum AAT level (LOINC 1825-9, ``valueQuantity`` in the
  unit reported, ``comparator`` ``<`` below detection, ``method`` the assay), CRP
  (1988-5, in the unit it was given: UCUM mg/L or mg/dL), IEF phenotype (32769-2), one IG ``variant`` per
  deficiency or null allele (c./p.HGVS, rsID, GRCh38 g.HGVS when the position is verified, allelic state),
  the IG ``genotype`` (84413-4, ``derivedFrom`` its variants, ``method`` the panel);
* with an interpretation: the IG ``genomic-report`` DiagnosticReport (severity as
  ``conclusionCode``, the explanation as ``conclusion``, every source cited through the
  ``workflow-relatedArtifact`` extension, next steps as ``followup-recommendation`` Tasks
  linked by ``recommended-action``), and a Provenance naming the aatd version and the
  knowledge-table version (``DATA_VERSION``).

Ids are UUIDs derived from the content, so the same input writes the same Bundle.
Every code comes from ``fhir_codes.csv``. :mod:`aatd.interop.fhir_in` reads the Bundle back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aatd.clinic.augmentation import Smoking
from aatd.clinic.findings import INDETERMINATE
from aatd.clinic.interpretation import describe_conflict, describe_interpretation, results_conflict
from aatd.errors import InputError
from aatd.family.pedigree import CarrierEvidence, Pedigree
from aatd.genetics.alleles import get_allele
from aatd.genetics.genotypes import Genotype, Phenotype, parse_genotype, parse_phenotype
from aatd.genetics.units import Crp, Level, Method, parse_crp_unit, parse_method, parse_unit
from aatd.interop.codes import fhir_codes
from aatd.interop.fhir_in import ResultInputs
from aatd.knowledge import knowledge, split_sources
from aatd.limits import typed_number
from aatd.provenance import provenance

_NAMESPACE = uuid.UUID("8a1c1a4e-5d0f-4f3e-9a51-4a1d7f0c2b61")
_UCUM_CODES = {"mg/dL": "mg/dL", "g/L": "g/L", "umol/L": "umol/L", "mg/L": "mg/L"}


@dataclass(frozen=True, slots=True)
class PatientInfo:
    """Whom the results belong to.

    ``reference`` (e.g. ``Patient/123`` on the EHR's FHIR server) is used as is and no Patient
    resource is written; otherwise a Patient with the ``identifier`` (system key of
    ``fhir_codes.csv``, value), ``name``, ``gender`` (male/female/unknown), birth year and
    vital status is written into the Bundle.
    """

    reference: str | None = None
    identifier: tuple[str, str] | None = None
    name: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    deceased: bool | None = None


class _Builder:
    """Accumulates the entries of one Bundle, with deterministic UUIDs."""

    def __init__(self, seed: str, created: str) -> None:
        self.seed = seed
        self.created = created
        self.entries: list[dict[str, Any]] = []

    def add(self, name: str, resource: dict[str, Any]) -> str:
        """Add ``resource`` under a UUID made from ``name``; return its ``urn:uuid:`` reference."""
        url = self.reference(name)
        resource = {"resourceType": resource["resourceType"], "id": url.removeprefix("urn:uuid:")} | resource
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def reference(self, name: str) -> str:
        """The ``urn:uuid:`` reference that the resource added under ``name`` has (or will have)."""
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.seed}|{name}')}"

    def bundle(self) -> dict[str, Any]:
        rid = str(uuid.uuid5(_NAMESPACE, f"{self.seed}|bundle"))
        return {"resourceType": "Bundle", "id": rid, "type": "collection", "timestamp": self.created,
                "entry": self.entries}


def now() -> str:
    """The current time as a FHIR instant (UTC, seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# --- public entry points -----------------------------------------------------------------------------------------


def results_bundle(inputs: ResultInputs, *, patient: PatientInfo | None = None, interpret: bool = True,
                   options: Mapping[str, Any] | None = None, created: str | None = None) -> dict[str, Any]:
    """The results (and, with ``interpret``, aatd's interpretation of them) as an R4 Bundle.

    The interpretation is :func:`aatd.clinic.interpretation.describe_interpretation` of the
    same inputs plus ``options`` (``country_name``, ``on_augmentation``, ``emphysema``,
    ``ct_density_decline``); nothing is re-derived here. It needs a level, a phenotype or a genotype.
    """
    created = created or now()
    builder = _Builder(_seed(inputs, patient), created)
    subject = _subject(builder, patient or PatientInfo())
    observations = _observations(builder, inputs, subject)
    if interpret and not inputs.empty:
        _report(builder, subject, observations, interpretation_or_conflict(inputs, options), inputs.taken_on)
    return builder.bundle()


def interpretation_or_conflict(inputs: ResultInputs, options: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """What the report of ``inputs`` says: :func:`~aatd.clinic.interpretation.describe_interpretation`, or, when
    the IEF phenotype and the genotype cannot both be right, :func:`~aatd.clinic.interpretation.describe_conflict`
    (both results stay in the Bundle as recorded; neither is chosen and no severity is given)."""
    if inputs.phenotype is not None and inputs.genotype is not None and results_conflict(
            inputs.phenotype, inputs.genotype, inputs.panel):
        conflict = describe_conflict(phenotype=inputs.phenotype.canonical, genotype=inputs.genotype.canonical,
                                     panel=inputs.panel)
        if conflict is not None:
            return conflict
    return describe_interpretation(**interpretation_arguments(inputs), **dict(options or {}))


RESULT_STATUS = {"current": "status_final", "corrected": "status_corrected", "retracted": "status_entered_in_error"}
"""A stored result's state and the FHIR Observation status it is written with (rows of ``fhir_codes.csv``)."""
RECORD_KINDS = ("level", "crp", "phenotype", "genotype")
"""Kinds of stored result written to FHIR (spirometry is not: only the CSV export has it)."""


@dataclass(frozen=True, slots=True)
class RecordedResult:
    """One stored result of a patient's record, as kept: value as entered (``below`` for a "<" result) in its unit,
    the assay method, the phenotype or genotype text and panel, the note, and its state.

    ``status`` is ``current``, ``corrected`` (``corrected_at``: when) or ``retracted`` (``retraction_reason``);
    ``entered_at`` and ``corrected_at`` are instants (ISO 8601, UTC when no offset is given)."""

    key: str
    kind: str
    taken_on: str
    value: float | None = None
    below: bool = False
    unit: str | None = None
    method: str | None = None
    text: str | None = None
    panel: str | None = None
    note: str | None = None
    status: str = "current"
    retraction_reason: str | None = None
    entered_at: str | None = None
    corrected_at: str | None = None


def record_bundle(results: Sequence[RecordedResult], inputs: ResultInputs, *, patient: PatientInfo,
                  options: Mapping[str, Any] | None = None, created: str | None = None) -> dict[str, Any]:
    """A patient's whole record as an R4 Bundle: one Observation per stored result (retracted ones as
    ``entered-in-error`` with the reason, corrected ones as ``corrected``), and the report of ``inputs`` (the
    latest current results, chosen by the caller) as :func:`results_bundle` writes it: the interpretation, or
    the conflict when the phenotype and the genotype disagree. :func:`aatd.interop.fhir_in.read_results` reads
    every result back with its state."""
    created = created or now()
    builder = _Builder(_seed(tuple(results), patient), created)
    subject = _subject(builder, patient)
    current: list[str] = []
    for result in results:
        refs = _recorded(builder, result, subject)
        if result.status != "retracted":
            current += refs
    if not inputs.empty:
        try:
            reading = interpretation_or_conflict(inputs, options)
        except InputError as exc:  # stored results the engine refuses to read together are still exported
            reading = _no_reading(exc)
        _report(builder, subject, current, reading, inputs.taken_on)
    return builder.bundle()


def _no_reading(exc: InputError) -> dict[str, Any]:
    """The report of results the interpretation engine refuses (the refusal, as the pages show it)."""
    from aatd.clinic.wording import DISCLAIMER

    return {"severity": INDETERMINATE, "explanation": [{"text": f"aatd gives no interpretation of these results: "
                                                                f"{exc}.", "source_ids": []}],
            "next_step_details": [], "disclaimer": DISCLAIMER}


def _recorded(builder: _Builder, result: RecordedResult, subject: Mapping[str, str]) -> list[str]:
    """The Observation(s) of one stored result (a genotype: its variants and itself), with its state."""
    if result.kind not in RECORD_KINDS:
        return []
    codes = fhir_codes()
    issued = _instant(result.corrected_at or result.entered_at) or builder.created
    name = f"result-{result.key}"
    if result.kind == "level" and result.value is not None:
        level = Level(float(result.value), parse_unit(result.unit or "mg/dL"), parse_method(result.method),
                      result.below)
        resources = [(name, _level(level, subject, issued, result.taken_on))]
    elif result.kind == "crp" and result.value is not None:
        crp = Crp.of(float(result.value), parse_crp_unit(result.unit), result.below)
        obs = _observation("crp", subject, issued, result.taken_on)
        obs["valueQuantity"] = _quantity(crp.value, crp.unit.value, "<" if crp.below else None)
        resources = [(name, obs)]
    elif result.kind == "phenotype" and result.text:
        resources = [(name, _phenotype(parse_phenotype(result.text), subject, issued, result.taken_on))]
    elif result.kind == "genotype" and result.text:
        resources = _genotype_resources(builder, parse_genotype(result.text), result.panel, subject, issued,
                                        result.taken_on, f"{name}-")
    else:
        return []
    refs = []
    for key, obs in resources:
        obs["status"] = codes[RESULT_STATUS[result.status]].code
        if result.note:
            obs["note"] = [{"text": result.note}]
        if result.status == "retracted" and result.retraction_reason:
            obs["extension"] = [{"url": codes.url("ext_retraction_reason"), "valueString": result.retraction_reason}]
        refs.append(builder.add(key, obs))
    return refs


def _instant(value: str | None) -> str | None:
    """``value`` as a FHIR instant (seconds, with an offset: UTC when none is given)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.replace(microsecond=0).isoformat()


def inputs_from_text(*, level: str | float | None = None, unit: str | None = None, method: str | None = None,
                     crp: str | float | None = None, crp_unit: str | None = None, phenotype: str | None = None,
                     genotype: str | None = None, panel: str | None = None, fev1_pct: str | float | None = None,
                     smoking: str | None = None) -> ResultInputs:
    """Validate raw inputs (as the CLI and API take them) into :class:`ResultInputs`, with the core's parsers."""
    from aatd.clinic.interpretation import get_panel

    if level is None and (unit is not None or method is not None):
        raise InputError("level", None, "a level value to go with the unit or method")
    if level is not None and unit is None:
        raise InputError("level.unit", None, "the unit of the level: mg/dL, g/L or umol/L")
    return ResultInputs(
        level=Level.parse(level, unit or "mg/dL", method) if level is not None else None,
        crp=_crp(crp, crp_unit), phenotype=parse_phenotype(phenotype) if phenotype is not None else None,
        genotype=parse_genotype(genotype) if genotype is not None else None,
        panel=get_panel(panel).panel if panel is not None else None, fev1_pct=_number("fev1_pct", fev1_pct),
        smoking=_smoking(smoking))


def _number(name: str, value: str | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):  # as the API reads it (aatd.limits.typed_number): "1,200" and "1_000" refused
        number = typed_number(name, value, "a number")
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(name, value, "a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError(name, value, "a finite number")
    return number


def _crp(value: str | float | None, unit: str | None) -> Crp | None:
    """The CRP in its unit (mg/L when none is named); the unit is checked even without a value."""
    parsed = parse_crp_unit(unit)
    return None if value is None else Crp.parse(value, parsed)


def _smoking(value: str | None) -> Smoking | None:
    if value is None:
        return None
    try:
        return Smoking(str(value).strip().lower())
    except ValueError:
        raise InputError("smoking", value, "one of never, former, current") from None


def pedigree_bundle(pedigree: Pedigree, *, family_id: str = "family", created: str | None = None
                    ) -> dict[str, Any]:
    """Each member of a pedigree as a Patient with the results measured on them (no inferred genotypes).

    A carrier test ("carries Z", the other allele not determined) is written as one heterozygous
    Variant without a Genotype.
    """
    members = []
    carriers: dict[int, str] = {}
    for k, m in enumerate(pedigree.members):
        patient = PatientInfo(identifier=("aatd_member", m.id), gender=m.sex.value, deceased=m.deceased or None)
        phenotype = m.phenotype if m.phenotype is not None and not isinstance(m.phenotype, CarrierEvidence) else None
        if isinstance(m.phenotype, CarrierEvidence):
            carriers[k] = m.phenotype.allele
        members.append((patient, ResultInputs(level=m.level.level if m.level else None,
                                              crp=Crp.of(m.level.crp_mg_l) if m.level and m.level.crp_mg_l
                                              is not None else None,
                                              phenotype=phenotype, genotype=m.genotype)))
    return family_bundle(members, seed=f"pedigree|{family_id}", created=created, carriers=carriers)


def family_bundle(members: Sequence[tuple[PatientInfo, ResultInputs]], *, seed: str = "family",
                  created: str | None = None, carriers: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Several people's measured results (a pedigree's members) as one Bundle, without interpretation.

    ``carriers`` maps a member's index to an allele known only to be carried (one heterozygous Variant).
    """
    builder = _Builder(seed, created or now())
    for k, (patient, inputs) in enumerate(members):
        person = _Builder(f"{seed}|{k}|{_seed(inputs, patient)}", builder.created)
        subject = _subject(person, patient)
        _observations(person, inputs, subject)
        if carriers and k in carriers:
            obs = variant_observation(carriers[k], "heterozygous", subject, person.created, inputs.taken_on)
            person.add(f"carrier-{carriers[k]}", obs)
        builder.entries += person.entries
    return builder.bundle()


def interpretation_arguments(inputs: ResultInputs) -> dict[str, Any]:
    """The keyword arguments of ``describe_interpretation`` for ``inputs`` (text forms that parse back)."""
    level = inputs.level
    return {
        "level": None if level is None else ("<" if level.below else "") + f"{level.value:g}",
        "unit": None if level is None else level.unit.value,
        "method": None if level is None or level.method is Method.UNSPECIFIED else level.method.value,
        "crp": None if inputs.crp is None else ("<" if inputs.crp.below else "") + f"{inputs.crp.value!r}",
        "crp_unit": None if inputs.crp is None else inputs.crp.unit.value,
        "phenotype": inputs.phenotype.canonical if inputs.phenotype else None,
        "genotype": inputs.genotype.canonical if inputs.genotype else None,
        "panel": inputs.panel if inputs.genotype else None,
        "fev1_pct": inputs.fev1_pct,
        "smoking": inputs.smoking.value if inputs.smoking else None,
    }


# --- resources ---------------------------------------------------------------------------------------------------


def _seed(inputs: ResultInputs | tuple[RecordedResult, ...], patient: PatientInfo | None) -> str:
    return repr((inputs, patient))


def _subject(builder: _Builder, patient: PatientInfo) -> dict[str, str]:
    if patient.reference:
        return {"reference": patient.reference}
    resource: dict[str, Any] = {"resourceType": "Patient"}
    if patient.identifier:
        key, value = patient.identifier
        resource["identifier"] = [{"system": fhir_codes().url(key), "value": value}]
    if patient.name:
        resource["name"] = [{"text": patient.name}]
    if patient.gender in ("male", "female", "unknown"):
        resource["gender"] = patient.gender
    if patient.birth_year is not None:
        resource["birthDate"] = f"{patient.birth_year:04d}"
    if patient.deceased is not None:
        resource["deceasedBoolean"] = patient.deceased
    return {"reference": builder.add("patient", resource)}


def _observation(code_key: str, subject: Mapping[str, str], created: str, taken_on: str | None, *,
                 genomic: bool = False, profile: str | None = None) -> dict[str, Any]:
    codes = fhir_codes()
    category = [codes["laboratory"].concept()] + ([codes["genetics"].concept()] if genomic else [])
    obs: dict[str, Any] = {"resourceType": "Observation"}
    if profile:
        obs["meta"] = {"profile": [codes.url(profile)]}
    obs |= {"status": codes["status_final"].code, "category": category, "code": codes[code_key].concept(),
            "subject": dict(subject)}
    if taken_on:
        obs["effectiveDateTime"] = taken_on
    obs["issued"] = created
    return obs


def _observations(builder: _Builder, inputs: ResultInputs, subject: Mapping[str, str]) -> list[str]:
    refs = []
    if inputs.level is not None:
        refs.append(builder.add("level", _level(inputs.level, subject, builder.created, inputs.taken_on)))
    if inputs.crp is not None:
        obs = _observation("crp", subject, builder.created, inputs.taken_on)
        obs["valueQuantity"] = _quantity(inputs.crp.value, inputs.crp.unit.value,  # the unit it has
                                         "<" if inputs.crp.below else None)
        refs.append(builder.add("crp", obs))
    if inputs.phenotype is not None:
        refs.append(builder.add("phenotype", _phenotype(inputs.phenotype, subject, builder.created,
                                                        inputs.taken_on)))
    if inputs.genotype is not None:
        refs += _genotype(builder, inputs.genotype, inputs.panel, subject, inputs.taken_on)
    return refs


def _quantity(value: float, unit: str, comparator: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    if comparator:
        out["comparator"] = comparator
    return out | {"unit": unit, "system": fhir_codes().url("ucum"), "code": _UCUM_CODES.get(unit, unit)}


def _level(level: Level, subject: Mapping[str, str], created: str, taken_on: str | None) -> dict[str, Any]:
    obs = _observation("aat_level", subject, created, taken_on)
    obs["valueQuantity"] = _quantity(level.value, level.unit.value, "<" if level.below else None)
    if level.method is not Method.UNSPECIFIED:
        obs["method"] = {"coding": [{"system": fhir_codes().url("aatd_method"), "code": level.method.value,
                                     "display": level.method.value.replace("_", " ")}],
                         "text": level.method.value.replace("_", " ")}
    return obs


def _phenotype(phenotype: Phenotype, subject: Mapping[str, str], created: str, taken_on: str | None
               ) -> dict[str, Any]:
    obs = _observation("aat_phenotype", subject, created, taken_on)
    obs["valueCodeableConcept"] = {"coding": [{"system": fhir_codes().url("aatd_phenotype"),
                                               "code": phenotype.canonical}], "text": f"Pi {phenotype.canonical}"}
    return obs


def _genotype(builder: _Builder, genotype: Genotype, panel: str | None, subject: Mapping[str, str],
              taken_on: str | None) -> list[str]:
    return [builder.add(name, obs) for name, obs in _genotype_resources(builder, genotype, panel, subject,
                                                                        builder.created, taken_on)]


def _genotype_resources(builder: _Builder, genotype: Genotype, panel: str | None, subject: Mapping[str, str],
                        created: str, taken_on: str | None, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(name, resource) of the IG ``variant`` Observations of a genotype and of its ``genotype`` Observation
    (``derivedFrom`` the variants, by the reference ``builder`` gives their names; the caller adds them);
    ``prefix`` keeps the names of several genotypes of one record apart."""
    codes = fhir_codes()
    variants: list[tuple[str, dict[str, Any]]] = []
    alleles = [a for a in dict.fromkeys((genotype.first, genotype.second)) if get_allele(a).family != "M"]
    for allele in alleles:
        zygosity = "homozygous" if genotype.is_homozygous else "heterozygous"
        variants.append((f"{prefix}variant-{allele}", variant_observation(allele, zygosity, subject, created,
                                                                          taken_on)))
    obs = _observation("genotype", subject, created, taken_on, genomic=True, profile="profile_genotype")
    obs["valueCodeableConcept"] = {"coding": [{"system": codes.url("aatd_genotype"), "code": genotype.canonical}],
                                   "text": f"PI*{genotype.canonical}"}
    if panel:
        from aatd.clinic.guidelines import guideline_tables

        label = guideline_tables().panels[panel].label if panel in guideline_tables().panels else panel
        obs["method"] = {"coding": [{"system": codes.url("aatd_panel"), "code": panel, "display": label}],
                         "text": label}
    obs["component"] = [_component("gene_studied", codes["serpina1"].concept())]
    if variants:
        obs["derivedFrom"] = [{"reference": builder.reference(name)} for name, _ in variants]
    return [*variants, (f"{prefix}genotype", obs)]


def _component(key: str, concept: dict[str, Any]) -> dict[str, Any]:
    return {"code": fhir_codes()[key].concept(), "valueCodeableConcept": concept}


def _hgvs(text: str) -> dict[str, Any]:
    return {"coding": [{"system": fhir_codes().url("hgvs"), "code": text}], "text": text}


def variant_observation(allele: str, zygosity: str, subject: Mapping[str, str], created: str,
                        taken_on: str | None) -> dict[str, Any]:
    """An IG ``variant`` Observation for one catalogued allele (``zygosity`` heterozygous/homozygous)."""
    codes = fhir_codes()
    record = get_allele(allele)
    obs = _observation("variant", subject, created, taken_on, genomic=True, profile="profile_variant")
    obs["valueCodeableConcept"] = codes["present"].concept()
    comps = [_component("gene_studied", codes["serpina1"].concept())]
    exact_c = bool(record.hgvs_c) and "reference" not in record.hgvs_c
    if exact_c:
        comps.append(_component("c_hgvs", _hgvs(f"{codes['serpina1_transcript'].code}:{record.hgvs_c}")))
        comps.append(_component("transcript", {"coding": [{"system": codes.url("refseq"),
                                                          "code": codes["serpina1_transcript"].code}]}))
    if record.hgvs_p and "reference" not in record.hgvs_p:
        comps.append(_component("p_hgvs", _hgvs(f"{codes['serpina1_protein'].code}:{record.hgvs_p}")))
    if record.verified and record.grch38_pos and record.ref_plus and record.alt_plus:
        g = f"{codes['chr14_grch38'].code}:g.{record.grch38_pos}{record.ref_plus}>{record.alt_plus}"
        comps.append(_component("g_hgvs", _hgvs(g)))
        comps.append(_component("assembly", codes["grch38"].concept()))
    comps.append(_component("allelic_state", codes[zygosity].concept()))
    names = [{"system": codes.url("aatd_allele"), "code": record.allele, "display": f"PI*{record.allele}"}]
    if record.rsid and exact_c:
        names.insert(0, {"system": codes.url("dbsnp"), "code": record.rsid})
    comps.append(_component("variation_code", {"coding": names, "text": f"PI*{record.allele}"}))
    comps.append(_component("source_class", codes["germline"].concept()))
    obs["component"] = comps
    return obs


def _citation(source_id: str) -> dict[str, Any]:
    source = knowledge().sources[source_id]
    artifact: dict[str, Any] = {"type": fhir_codes()["citation"].code, "label": source.short,
                                "display": source.title, "citation": source.citation}
    if source.link:
        artifact["url"] = source.link
    return {"url": fhir_codes().url("ext_related_artifact"), "valueRelatedArtifact": artifact}


def _source_ids(interpretation: Mapping[str, Any]) -> list[str]:
    ids: list[str] = []
    for key in ("explanation", "next_step_details"):
        for item in interpretation.get(key) or []:
            ids += list(item.get("source_ids") or [])
    for verdict in interpretation.get("eligibility") or []:
        for criterion in verdict.get("criteria") or []:
            ids += list(criterion.get("source_ids") or [])
    known = knowledge().sources
    return [s for s in dict.fromkeys(i for field in ids for i in split_sources(field)) if s in known]


def conclusion_text(interpretation: Mapping[str, Any]) -> str:
    """The report's conclusion: the severity, each explanation statement and the disclaimer."""
    lines = [f"Severity: {interpretation['severity']}."]
    lines += [str(item["text"]) for item in interpretation.get("explanation") or []]
    lines.append(str(interpretation.get("disclaimer", "")))
    return " ".join(line for line in lines if line)


def _report(builder: _Builder, subject: Mapping[str, str], results: list[str], interpretation: Mapping[str, Any],
            taken_on: str | None) -> None:
    codes = fhir_codes()
    tasks = []
    for step in interpretation.get("next_step_details") or []:
        task: dict[str, Any] = {
            "resourceType": "Task", "meta": {"profile": [codes.url("profile_followup")]},
            "status": codes["task_requested"].code, "intent": codes["task_proposal"].code,
            "code": {"coding": [{"system": codes.url("aatd_next_step"), "code": step["code"]}], "text": step["text"]},
            "description": step["text"], "for": dict(subject), "authoredOn": builder.created,
        }
        if step.get("reason"):
            task["reasonCode"] = {"text": step["reason"]}
        tasks.append(builder.add(f"task-{step['code']}", task))
    extensions = [{"url": codes.url("ext_recommended_action"), "valueReference": {"reference": t}} for t in tasks]
    extensions += [_citation(s) for s in _source_ids(interpretation)]
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport", "meta": {"profile": [codes.url("profile_report")]},
        "extension": extensions, "status": codes["status_final"].code,
        "category": [codes["genetics"].concept()], "code": codes["genomic_report"].concept(),
        "subject": dict(subject),
    }
    if taken_on:
        report["effectiveDateTime"] = taken_on
    report |= {"issued": builder.created, "result": [{"reference": r} for r in results],
               "conclusion": conclusion_text(interpretation),
               "conclusionCode": [{"coding": [{"system": codes.url("aatd_severity"),
                                               "code": str(interpretation["severity"])}],
                                   "text": str(interpretation["severity"])}]}
    report_ref = builder.add("report", report)
    prov = provenance()
    builder.add("provenance", {
        "resourceType": "Provenance",
        "target": [{"reference": r} for r in [*results, *tasks, report_ref]],
        "recorded": builder.created,
        "agent": [{"who": {"identifier": {"system": codes.url("aatd_software"), "value": str(prov["aatd_version"])},
                           "display": f"aatd {prov['aatd_version']}"}}],
        "entity": [{"role": codes["provenance_source"].code,
                    "what": {"identifier": {"system": codes.url("aatd_data_version"),
                                            "value": str(prov["data_version"])},
                             "display": f"aatd knowledge tables {prov['data_version']}"}}],
    })
