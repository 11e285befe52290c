"""CDS Hooks services of aatd, independent of any web framework (CDS Hooks 2.0).

* ``aatd-should-test`` (``patient-view``): a Condition or FamilyMemberHistory that a
  guideline lists as a reason to test (COPD, emphysema, bronchiectasis, panniculitis,
  liver disease named as aatd's finding table names it, a relative with AATD) and no AAT
  level, phenotype, genotype or AATD diagnosis on record -> one card recommending testing
  (:func:`aatd.clinic.who_to_test.describe_should_test`), citing the guideline; no card otherwise.
* ``aatd-interpret`` (``patient-view``): the latest AAT level, phenotype and genotype
  (:mod:`aatd.interop.fhir_in`) interpreted by
  :func:`aatd.clinic.interpretation.describe_interpretation`, with the next steps.
* ``aatd-augmentation`` (``order-select``, ``order-sign``): a draft order for alpha-1
  proteinase inhibitor is checked against each guideline's criteria
  (:mod:`aatd.clinic.augmentation`); a warning card when no guideline's criteria are met
  (not met, or not documented).

Prefetch keys a service needs but did not receive are fetched with the ``fetch`` callable
when the transport provides one, else :class:`PrefetchMissing` is raised (HTTP 412).
Nothing here re-derives a clinical rule: every decision comes from the core engines.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aatd.clinic.answers import EligibilityAnswer
from aatd.clinic.augmentation import (
    ELIGIBLE,
    ClinicalFacts,
    LevelEvidence,
    augmentation_eligibility,
    describe_eligibility,
)
from aatd.clinic.guidelines import guideline_tables
from aatd.clinic.interpretation import describe_interpretation
from aatd.clinic.who_to_test import describe_should_test, finding_index
from aatd.errors import AatdError, InputError
from aatd.genetics.alleles import fold_name
from aatd.interop.codes import fhir_codes
from aatd.interop.fhir_in import ResultInputs, codings, concept_texts, items, known_code, read_results
from aatd.interop.fhir_out import interpretation_arguments
from aatd.knowledge import knowledge, split_sources

SUMMARY_MAX = 140
"""CDS Hooks: the card summary is a one-sentence message of fewer than 140 characters."""
_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")
_TESTED_KEYS = ("aat_level", "aat_level_mayo", "aat_phenotype", "genotype", "variant")
_RESULT_KEYS = (*_TESTED_KEYS, "crp")
_LUNG_KEYS = ("fev1_pct_predicted", "smoking_status")
Fetch = Callable[[str], object]


class PrefetchMissing(AatdError):
    """The service needs prefetch data the request did not carry and that could not be fetched (HTTP 412)."""

    def __init__(self, service: str, keys: tuple[str, ...]) -> None:
        self.service, self.keys = service, keys
        super().__init__(f"{service}: prefetch {', '.join(keys)} missing and no FHIR server to fetch it from")


class UnknownService(AatdError):
    """No service has this id (HTTP 404)."""


@dataclass(frozen=True, slots=True)
class Service:
    """One CDS Service: its id, the hooks it answers and its prefetch templates."""

    id: str
    hooks: tuple[str, ...]
    title: str
    description: str
    prefetch: Mapping[str, str]


def _codes_query(keys: tuple[str, ...]) -> str:
    codes = fhir_codes()
    return ",".join(f"{codes[k].system}|{codes[k].code}" for k in keys)


def services() -> tuple[Service, ...]:
    """The services aatd offers, with prefetch templates built from ``fhir_codes.csv``."""
    patient = "{{context.patientId}}"
    results = f"Observation?patient={patient}&code={_codes_query(_RESULT_KEYS)}&_sort=-date"
    lung = f"Observation?patient={patient}&code={_codes_query(_LUNG_KEYS)}&_sort=-date"
    return (
        Service("aatd-should-test", ("patient-view",), "AATD testing",
                "Recommends alpha-1 antitrypsin deficiency testing when a guideline's reason to test (COPD, "
                "emphysema, bronchiectasis, panniculitis, unexplained liver disease, a relative with AATD) is on "
                "record and no AAT result is.",
                {"patient": f"Patient/{patient}", "conditions": f"Condition?patient={patient}",
                 "family": f"FamilyMemberHistory?patient={patient}", "results": results}),
        Service("aatd-interpret", ("patient-view",), "AATD result interpretation",
                "Interprets the latest alpha-1 antitrypsin level, phenotype and genotype and gives the next steps, "
                "citing the guidelines.",
                {"results": results, "lung": lung}),
        Service("aatd-augmentation", ("order-select", "order-sign"), "AATD augmentation therapy check",
                "Checks an order for alpha-1 proteinase inhibitor against each guideline's augmentation criteria "
                "(serum level or genotype, FEV1, smoking, COPD, emphysema, panniculitis, age) and warns when none "
                "is met or documented.",
                {"results": results, "lung": lung, "patient": f"Patient/{patient}",
                 "conditions": f"Condition?patient={patient}"}),
    )


def service(service_id: str) -> Service:
    """The service called ``service_id`` or :class:`UnknownService`."""
    for s in services():
        if s.id == service_id:
            return s
    raise UnknownService(f"no CDS service {service_id!r}")


def discovery() -> dict[str, Any]:
    """The discovery document: one entry per (service, hook)."""
    return {"services": [{"hook": hook, "title": s.title, "description": s.description, "id": s.id,
                          "prefetch": dict(s.prefetch)} for s in services() for hook in s.hooks]}


# --- requests --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Call:
    service: Service
    hook: str
    hook_instance: str
    context: Mapping[str, Any]
    prefetch: dict[str, object]
    fetch: Fetch | None

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])

    def need(self, key: str) -> object:
        """The prefetched data for ``key`` (``None`` when the client said there is none); fetched or 412."""
        value = self.prefetch.get(key, _MISSING)
        if value is _MISSING or _is_outcome(value):
            if self.fetch is None:
                raise PrefetchMissing(self.service.id, (key,))
            value = self.fetch(fill_template(self.service.prefetch[key], self.context))
            self.prefetch[key] = value
        return value

    def optional(self, key: str) -> object:
        """Prefetched data for ``key`` if sent (or fetchable), else ``None``."""
        try:
            return self.need(key)
        except PrefetchMissing:
            return None

    def card_uuid(self, kind: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aatd:{self.service.id}:{self.hook_instance}:{kind}"))


_MISSING = object()


def _is_outcome(value: object) -> bool:
    return isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome"


def fill_template(template: str, context: Mapping[str, Any]) -> str:
    """A prefetch template with its ``{{context.x}}`` tokens replaced by the context's values."""
    def value(match: re.Match[str]) -> str:
        found = context.get(match.group(1))
        if not isinstance(found, str):
            raise InputError(f"context.{match.group(1)}", found, "a string (needed by the prefetch template)")
        return found
    return _TOKEN.sub(value, template)


def _parse_request(svc: Service, request: object, fetch: Fetch | None) -> _Call:
    if not isinstance(request, Mapping):
        raise InputError("request", type(request).__name__, "a CDS Hooks request object")
    hook = request.get("hook")
    if hook not in svc.hooks:
        raise InputError("hook", hook, " or ".join(svc.hooks) + f" (the hooks of {svc.id})")
    instance = request.get("hookInstance")
    if not isinstance(instance, str) or not instance:
        raise InputError("hookInstance", instance, "a UUID string")
    context = request.get("context")
    if not isinstance(context, Mapping) or not isinstance(context.get("patientId"), str):
        raise InputError("context.patientId", context.get("patientId") if isinstance(context, Mapping) else context,
                         "the FHIR id of the patient in context")
    prefetch = request.get("prefetch") or {}
    if not isinstance(prefetch, Mapping):
        raise InputError("prefetch", type(prefetch).__name__, "an object of prefetch results")
    return _Call(svc, str(hook), instance, context, dict(prefetch), fetch)


def call_service(service_id: str, request: object, fetch: Fetch | None = None) -> dict[str, Any]:
    """Run a service on a CDS Hooks request; returns ``{"cards": [...]}``.

    Raises :class:`UnknownService`, :class:`InputError` (malformed request or results) and
    :class:`PrefetchMissing` (data needed, not sent, and no ``fetch``).
    """
    svc = service(service_id)
    call = _parse_request(svc, request, fetch)
    handler = {"aatd-should-test": _should_test, "aatd-interpret": _interpret, "aatd-augmentation": _augmentation}
    return {"cards": handler[svc.id](call)}


# --- helpers -------------------------------------------------------------------------------------------------------


def _resources(value: object) -> Iterator[Mapping[str, Any]]:
    """The resources of a prefetch value: a Bundle's entries, or the one resource; nothing for ``None``."""
    if not isinstance(value, Mapping):
        return
    if value.get("resourceType") == "Bundle":
        for entry in items(value.get("entry")):
            if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping):
                yield entry["resource"]
    elif isinstance(value.get("resourceType"), str):
        yield value


def _merged(*values: object) -> dict[str, Any]:
    """One collection Bundle of the Observations in several prefetch values."""
    entries = [{"resource": r} for v in values for r in _resources(v) if r.get("resourceType") == "Observation"]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _url(source_id: str) -> str | None:
    source = knowledge().sources.get(source_id)
    if source is None:
        return None
    return source.link or None


def _source(guideline_id: str) -> dict[str, Any]:
    """A card ``source``: the guideline's name and year, linked to its publication."""
    g = guideline_tables().guidelines[guideline_id]
    out: dict[str, Any] = {"label": f"{g.name} {g.year} (via aatd)"}
    first = split_sources(g.source)[0]
    url = _url(first)
    if url:
        out["url"] = url
    return out


def _guideline_of(source_ids: list[str]) -> str | None:
    """The first guideline whose publication is among ``source_ids``."""
    by_source = {split_sources(g.source)[0]: g.guideline for g in guideline_tables().guidelines.values()}
    return next((by_source[s] for s in source_ids if s in by_source), None)


def _summary(text: str) -> str:
    return text if len(text) < SUMMARY_MAX else text[:SUMMARY_MAX - 2].rstrip() + "…"


def _card(call: _Call, kind: str, summary: str, indicator: str, detail: str, source: dict[str, Any],
          **extra: Any) -> dict[str, Any]:
    return {"uuid": call.card_uuid(kind), "summary": _summary(summary), "indicator": indicator,
            "detail": detail, "source": source, **extra}


def _cite(source_ids: list[str]) -> str:
    return "; ".join(dict.fromkeys(knowledge().sources[s].short for s in source_ids if s in knowledge().sources))


# --- aatd-should-test ------------------------------------------------------------------------------------------------


def _condition_meaning(concept: object) -> list[tuple[str, str]]:
    """(meaning, what was recorded) for each coding or text of a Condition code aatd recognises."""
    table = fhir_codes()
    out = []
    for coding in codings(concept):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(code, str):
            continue
        for row in table.clinical:
            if row.match == "name" or row.system != system:
                continue
            if code == row.code or (row.match == "prefix" and code.startswith(row.code)):
                out.append((row.meaning, str(coding.get("display") or code)))
    index = finding_index()
    for text in concept_texts(concept):
        folded = fold_name(text)
        if folded in index:
            out.append((index[folded], text))
    return out


def _active(condition: Mapping[str, Any]) -> bool:
    codes = fhir_codes()
    clinical = [str(c.get("code")) for c in codings(condition.get("clinicalStatus"))]
    verification = [str(c.get("code")) for c in codings(condition.get("verificationStatus"))]
    active = {codes[k].code for k in ("clinical_active", "clinical_recurrence", "clinical_relapse")}
    excluded = {codes[k].code for k in ("verification_refuted", "verification_error")}
    return (not clinical or bool(active & set(clinical))) and not excluded & set(verification)


def _on_record(results: object) -> list[str]:
    """Labels of AAT results (level, phenotype, genotype, variant) in a prefetch value."""
    out = []
    for r in _resources(results):
        if r.get("resourceType") == "Observation" and r.get("status") != "entered-in-error" \
                and known_code(r.get("code"), _TESTED_KEYS) is not None:
            out.append(f"Observation/{r.get('id', '?')}")
    return out


def _age(patient: object, today: dt.date | None = None) -> float | None:
    """Age in completed years from a full ``birthDate``; None when only the year (or nothing) is known,
    so that age-limited guideline rows are listed as pending rather than guessed."""
    birth = patient.get("birthDate") if isinstance(patient, Mapping) else None
    try:
        born = dt.date.fromisoformat(birth) if isinstance(birth, str) and len(birth) == 10 else None
    except ValueError:
        return None
    if born is None:
        return None
    today = today or dt.date.today()
    return float(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def _should_test(call: _Call) -> list[dict[str, Any]]:
    findings: dict[str, str] = {}
    diagnosed = False
    for condition in _resources(call.need("conditions")):
        if condition.get("resourceType") != "Condition" or not _active(condition):
            continue
        for meaning, recorded in _condition_meaning(condition.get("code")):
            if meaning == "aatd_diagnosis":
                diagnosed = True
            elif meaning in guideline_tables().findings:
                findings.setdefault(meaning, recorded)
    for history in _resources(call.optional("family")):
        if history.get("resourceType") != "FamilyMemberHistory":
            continue
        for cond in items(history.get("condition")):
            meanings = _condition_meaning(cond.get("code")) if isinstance(cond, Mapping) else []
            if any(m == "aatd_diagnosis" for m, _ in meanings):
                findings.setdefault("relative_with_aatd", "a relative with alpha-1 antitrypsin deficiency")
    if diagnosed or not findings or _on_record(call.need("results")):
        return []
    answer = describe_should_test(sorted(findings), age=_age(call.optional("patient")))
    if answer["overall"] not in _TESTING_ADVISED:
        return []  # not indicated, or not covered at this age: no guideline advises a test to put on a card
    return [_testing_card(call, findings, answer)]


_TESTING_ADVISED = frozenset({"recommended", "suggested"})


def _testing_card(call: _Call, findings: Mapping[str, str], answer: Mapping[str, Any]) -> dict[str, Any]:
    tables = guideline_tables()
    labels = [tables.findings[f].label for f in findings]
    guidelines = [g for g in answer["guidelines"] if g["recommendation"] in _TESTING_ADVISED]
    strongest = next(g for g in guidelines if g["recommendation"] == answer["overall"])
    recorded = "; ".join(f"**{tables.findings[f].label}** (recorded as {r})" for f, r in findings.items())
    lines = [f"On record: {recorded}. No serum alpha-1 antitrypsin level, phenotype or genotype is on record.", ""]
    for g in guidelines:
        criteria = "; ".join(r["criterion"] for r in g["triggered_by"])
        lines.append(f"- {g['name']}: testing **{g['recommendation']}** for {criteria} "
                     f"({'; '.join(g['guideline_source'])})")
    step = tables.next_steps["measure_level"]
    lines += ["", f"Next step: {step.clinician_text} ({_cite(list(split_sources(step.source)))})", "",
              str(answer["disclaimer"])]
    order = {"resourceType": "ServiceRequest", "status": fhir_codes()["request_draft"].code,
             "intent": fhir_codes()["request_proposal"].code, "code": fhir_codes()["aat_level"].concept(),
             "subject": {"reference": f"Patient/{call.patient_id}"}}
    suggestion = {"label": "Order a serum alpha-1 antitrypsin level", "uuid": call.card_uuid("order-level"),
                  "actions": [{"type": "create", "description": "Draft order: serum AAT level (LOINC 1825-9)",
                               "resource": order}]}
    indicator = "warning" if answer["overall"] == "recommended" else "info"
    summary = f"Test for alpha-1 antitrypsin deficiency: {'; '.join(labels)}; no AAT result on record"
    return _card(call, "should-test", summary, indicator, "\n".join(lines), _source(strongest["guideline"]),
                 suggestions=[suggestion])


# --- aatd-interpret --------------------------------------------------------------------------------------------------


def _inputs(call: _Call) -> tuple[ResultInputs, tuple[str, ...]]:
    imported = read_results(_merged(call.need("results"), call.optional("lung")))
    return imported.inputs, imported.notes


def _clinical_context(call: _Call) -> dict[str, Any]:
    """Age, COPD, emphysema and panniculitis from the record, as the eligibility rules need them.

    A diagnosis on record sets the criterion; its absence leaves it unknown (``None``), never
    "absent": a problem list is not proof that a disease is not there.
    """
    found: set[str] = set()
    for condition in _resources(call.optional("conditions")):
        if condition.get("resourceType") == "Condition" and _active(condition):
            found.update(meaning for meaning, _ in _condition_meaning(condition.get("code")))
    return {"age": _age(call.optional("patient")),
            "lung_disease": True if "copd" in found else None,
            "emphysema": True if "emphysema" in found else None,
            "panniculitis": True if "necrotising_panniculitis" in found else None}


def _result_text(inputs: ResultInputs) -> str:
    parts = []
    if inputs.genotype is not None:
        parts.append(f"PI*{inputs.genotype.canonical}")
    if inputs.phenotype is not None:
        parts.append(f"phenotype {inputs.phenotype.canonical}")
    if inputs.level is not None:
        parts.append(str(inputs.level))
    return ", ".join(parts)


def _interpret(call: _Call) -> list[dict[str, Any]]:
    inputs, notes = _inputs(call)
    if inputs.empty:
        return []
    data = describe_interpretation(**interpretation_arguments(inputs))
    severity = str(data["severity"])
    alarming = severity in ("severe", "absent", "indeterminate") or data["consistent"] is False
    lines = [f"**Result**: {_result_text(inputs)}" + (f" (taken {inputs.taken_on[:10]})" if inputs.taken_on else ""),
             f"**Severity**: {severity}", ""]
    source_ids: list[str] = []
    for item in data["explanation"]:
        lines.append(f"- {item['text']} ({'; '.join(item['sources'])})")
        source_ids += [s for f in item["source_ids"] for s in split_sources(f)]
    lines += ["", "**Next steps**:"]
    for step in data["next_step_details"]:
        lines.append(f"- {step['text']} ({'; '.join(step['sources'])})")
        source_ids += [s for f in step["source_ids"] for s in split_sources(f)]
    lines += ["", "**Augmentation therapy**: " + "; ".join(
        f"{e['name']}: {e['decision']}" for e in data["eligibility"])]
    lines += [f"_{n}_" for n in notes]
    lines += ["", str(data["disclaimer"])]
    first_step = data["next_step_details"][0]["text"] if data["next_step_details"] else ""
    summary = f"Alpha-1 antitrypsin {_result_text(inputs)}: {severity}" + (f". {first_step}" if first_step else "")
    guideline = _guideline_of(source_ids)
    source = _source(guideline) if guideline else {"label": f"aatd ({_cite(source_ids[:1])})"}
    return [_card(call, "interpret", summary, "warning" if alarming else "info", "\n".join(lines), source)]


# --- aatd-augmentation -----------------------------------------------------------------------------------------------


def _orders(call: _Call) -> list[Mapping[str, Any]]:
    draft = call.context.get("draftOrders")
    if not isinstance(draft, Mapping):
        raise InputError("context.draftOrders", draft, "a Bundle of draft orders")
    orders = list(_resources(draft))
    if call.hook == "order-select":
        selections = call.context.get("selections")
        if not isinstance(selections, list):
            raise InputError("context.selections", selections, "a list of the selected orders' ids")
        chosen = {str(s) for s in selections}
        orders = [o for o in orders if f"{o.get('resourceType')}/{o.get('id')}" in chosen]
    return orders


def is_augmentation_order(order: Mapping[str, Any]) -> bool:
    """True for a MedicationRequest of alpha-1 proteinase inhibitor (by RxNorm code or product name)."""
    if order.get("resourceType") != "MedicationRequest":
        return False
    rows = [r for r in fhir_codes().clinical if r.meaning == "augmentation_product"]
    concept = order.get("medicationCodeableConcept")
    for coding in codings(concept):
        if any(r.match == "exact" and coding.get("system") == r.system and coding.get("code") == r.code for r in rows):
            return True
    reference = order.get("medicationReference")
    texts = concept_texts(concept) + ([str(reference["display"])] if isinstance(reference, Mapping)
                                      and isinstance(reference.get("display"), str) else [])
    folded = [fold_name(t) for t in texts]
    return any(r.match == "name" and r.code in f for r in rows for f in folded)


def _augmentation(call: _Call) -> list[dict[str, Any]]:
    orders = [o for o in _orders(call) if is_augmentation_order(o)]
    if not orders:
        return []
    inputs, notes = _inputs(call)
    eligibility: list[EligibilityAnswer]
    if inputs.empty:
        facts = ClinicalFacts(LevelEvidence(), inputs.fev1_pct, inputs.smoking)
        eligibility = describe_eligibility(augmentation_eligibility(facts))
    else:
        data = describe_interpretation(**interpretation_arguments(inputs), **_clinical_context(call))
        eligibility = data["eligibility"]
    if any(e["decision"] in ELIGIBLE for e in eligibility):
        return []  # the core's reading: 'discuss' (A1F 2016: FEV1 > 65% with lung disease) may be offered too
    lines = ["No guideline's criteria for augmentation therapy are met on the data in this record"
             + (f" ({_result_text(inputs)})." if not inputs.empty else " (no AAT level or genotype on record)."), ""]
    source_ids: list[str] = []
    for e in eligibility:
        unmet = [c for c in e["criteria"] if c["met"] is False]
        why = "; ".join(f"{c['criterion']} {c['operator']} {c['value']} not met ({c['detail']})" for c in unmet)
        missing = ", ".join(e["missing"])
        lines.append(f"- {e['name']}: **{e['decision']}**" + (f"; {why}" if why else "")
                     + (f"; not documented: {missing}" if missing else "")
                     + f" ({'; '.join(dict.fromkeys(s for c in e['criteria'] for s in c['sources']))})")
        source_ids += [e["guideline"]]
    lines += [f"_{n}_" for n in notes]
    lines += ["", "aatd supports, and does not replace, clinical judgement."]
    reasons = [fhir_codes()[k].coding() for k in ("override_documented_elsewhere", "override_specialist")]
    summary = "Alpha-1 proteinase inhibitor: augmentation criteria not met or not documented"
    return [_card(call, "augmentation", summary, "warning", "\n".join(lines), _source(eligibility[0]["guideline"]),
                  overrideReasons=reasons)]
