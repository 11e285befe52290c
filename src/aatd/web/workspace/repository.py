"""The data layer of the workspace: every query is scoped to the caller's organisation.

Routes never query clinical tables directly; they go through :class:`Workspace`, which
filters every read by ``organisation_id`` and answers 404 for another organisation's
records, exactly as for records that do not exist. Reads and changes of clinical records
are written to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aatd.errors import Conflict, Forbidden, InputError, NotFound, PedigreeError
from aatd.family.pedigree import Member, build_pedigree, parse_sex
from aatd.genetics.prevalence import country as country_record
from aatd.genetics.prevalence import country_allele_frequencies
from aatd.limits import LABEL, is_printable
from aatd.risk.answers import input_limits
from aatd.risk.lung import SMOKING
from aatd.web.models import ADOPTION, SEXES, AuditEvent, Family, Patient, Result, User, utcnow
from aatd.web.workspace import audit
from aatd.web.workspace.result_values import clean_result

_LISTED_IDS = 200
_RELATIONS = ("father_id", "mother_id", "partner_id")
_LINKS = ("mz_twin_id", "dz_twin_id")
_STRUCTURE = ("sex", "father_id", "mother_id", "partner_id", "mz_twin_id", "dz_twin_id", "adopted")


class Workspace:
    """Organisation-scoped access for one authenticated user."""

    def __init__(self, db: Session, user: User) -> None:
        self.db = db
        self.user = user
        self.org = user.organisation_id

    def record(self, action: str, entity: str, entity_id: int | None, **detail: object) -> None:
        """Write an audit event of the caller (in the current transaction)."""
        audit.record(self.db, self.user, action, entity, entity_id, detail=detail)

    # families -----------------------------------------------------------------
    def families(self) -> Sequence[Family]:
        """The organisation's families, newest first (the listing is audited)."""
        found = self.db.scalars(select(Family).where(Family.organisation_id == self.org)
                                .order_by(Family.id.desc())).all()
        self._record_list("family", found)
        return found

    def member_counts(self) -> dict[int, int]:
        """Living members of each of the organisation's families, by family id (one grouped query).

        The families list shows them, with the family number and date, so that families with the same
        name (an import of an export, two families called "Smith") can be told apart."""
        rows = self.db.execute(select(Patient.family_id, func.count()).where(
            Patient.organisation_id == self.org, Patient.deleted_at.is_(None)).group_by(Patient.family_id)).all()
        return {int(family_id): int(count) for family_id, count in rows}

    def _record_list(self, entity: str, rows: Sequence[Family] | Sequence[Patient], **detail: object) -> None:
        """Audit a list read: how many records were shown, and the ids of the first 200."""
        self.record("list", entity, None, count=len(rows), ids=[r.id for r in rows[:_LISTED_IDS]], **detail)

    def family(self, family_id: int, *, audit_read: bool = True) -> Family:
        """One family of the organisation, or 404."""
        family = self.db.scalar(select(Family).where(Family.id == family_id, Family.organisation_id == self.org))
        if family is None:
            raise NotFound("family", family_id)
        if audit_read:
            self.record("read", "family", family.id)
        return family

    def create_family(self, name: str, country: str | None = None) -> Family:
        """A new, empty family; ``country`` sets the founders' allele frequencies."""
        family = Family(organisation_id=self.org, name=label_text("name", name), country=_country(country))
        self.db.add(family)
        self.db.flush()
        self.record("create", "family", family.id, name=family.name)
        return family

    def update_family(self, family_id: int, data: dict[str, Any]) -> Family:
        """Rename a family or change its population."""
        family = self.family(family_id, audit_read=False)
        if "name" in data and data["name"] is not None:
            family.name = label_text("name", data["name"])
        if "country" in data:
            family.country = _country(data["country"])
            if family.country is not None:  # a chosen population replaces explicit frequencies
                family.allele_frequencies = family.residual_allele = None
        self.record("update", "family", family.id, fields=sorted(data))
        return family

    def members(self, family: Family, *, include_deleted: bool = False) -> Sequence[Patient]:
        """The family's patients (living records only unless asked)."""
        query = select(Patient).where(Patient.organisation_id == self.org, Patient.family_id == family.id)
        if not include_deleted:
            query = query.where(Patient.deleted_at.is_(None))
        return self.db.scalars(query.order_by(Patient.id)).all()

    # patients -----------------------------------------------------------------
    def patients(self, *, deleted: bool = False, search: str | None = None) -> Sequence[Patient]:
        """The organisation's patients (or only the soft-deleted ones, admins only), optionally filtered by label.

        The listing is audited (with the search text), as single reads are.
        """
        if deleted and not self.user.is_admin:
            raise Forbidden("deleted patients are listed for admins only")
        query = select(Patient).where(Patient.organisation_id == self.org)
        query = query.where(Patient.deleted_at.is_not(None) if deleted else Patient.deleted_at.is_(None))
        if search:
            query = query.where(func.lower(Patient.label).contains(search.lower(), autoescape=True))  # % and _ literal
        found = self.db.scalars(query.order_by(Patient.label, Patient.id)).all()
        self._record_list("patient", found, deleted=deleted, search=(search or "")[:100])
        return found

    def patient(self, patient_id: int, *, include_deleted: bool = False, audit_read: bool = True) -> Patient:
        """One patient of the organisation, or 404 (also for soft-deleted ones unless asked)."""
        patient = self.db.scalar(select(Patient).where(Patient.id == patient_id, Patient.organisation_id == self.org))
        if patient is None or (patient.deleted_at is not None and not include_deleted):
            raise NotFound("patient", patient_id)
        if audit_read:
            self.record("read", "patient", patient.id)
        return patient

    def _relative(self, field: str, relative_id: int | None, family_id: int, *, sex: str | None = None) -> None:
        if relative_id is None:
            return
        relative = self.db.scalar(select(Patient).where(Patient.id == relative_id, Patient.organisation_id == self.org,
                                                        Patient.deleted_at.is_(None)))
        if relative is None or relative.family_id != family_id:
            raise InputError(field, relative_id, "a patient of the same family")
        if sex is not None and relative.sex not in (sex, "unknown"):
            raise InputError(field, relative_id, f"a {sex} or unknown-sex member as {field.removesuffix('_id')}")

    def create_patient(self, data: dict[str, Any]) -> Patient:
        """A new patient; a new family named after them when ``family_id`` is not given."""
        label = label_text("label", data.get("label"))
        family_id = data.get("family_id")
        family = self.family(family_id, audit_read=False) if family_id is not None else self.create_family(label)
        patient = Patient(organisation_id=self.org, family_id=family.id, label=label)
        self._apply(patient, {k: v for k, v in data.items() if k not in ("label", "family_id")})
        self.db.add(patient)
        self.db.flush()
        self.record("create", "patient", patient.id, family_id=family.id)
        return patient

    def _apply(self, patient: Patient, data: dict[str, Any]) -> None:
        if "label" in data:
            patient.label = label_text("label", data["label"])
        if "sex" in data:
            if data["sex"] not in SEXES:
                raise InputError("sex", data["sex"], "one of " + ", ".join(SEXES))
            patient.sex = data["sex"]
        for field, sex in (("father_id", "male"), ("mother_id", "female"), ("partner_id", None)):
            if field in data:
                if data[field] is not None and data[field] == patient.id:
                    raise InputError(field, data[field], "another member than the patient")
                self._relative(field, data[field], patient.family_id, sex=sex)
                setattr(patient, field, data[field])
        for field in _LINKS:
            if field in data:
                if data[field] is not None and data[field] == patient.id:
                    raise InputError(field, data[field], "another member than the patient")
                self._relative(field, data[field], patient.family_id)
                setattr(patient, field, data[field])
        if "adopted" in data:
            if data["adopted"] not in (None, *ADOPTION):
                raise InputError("adopted", data["adopted"], "in (adopted into the family), out (placed for "
                                 "adoption) or empty")
            patient.adopted = data["adopted"]
        if "birth_year" in data:
            patient.birth_year = data["birth_year"]
        _apply_risk_inputs(patient, data)
        for flag in ("proband", "tested", "deceased"):
            if flag in data and data[flag] is not None:
                setattr(patient, flag, data[flag])

    def update_patient(self, patient_id: int, data: dict[str, Any], *, check_family: bool = True) -> Patient:
        """Change the given fields of a patient (all or nothing).

        A change of sex or parents that makes the family impossible (a parenthood cycle, a
        father recorded as female...) is refused with the engine's own checks; an import
        passes ``check_family=False`` and checks the whole family once at the end.
        """
        patient = self.patient(patient_id, audit_read=False)
        self._apply(patient, data)
        if patient.partner_id is not None:
            partner = self.db.get(Patient, patient.partner_id)
            if partner is not None and partner.partner_id is None:
                partner.partner_id = patient.id
        self.db.flush()
        if check_family and any(key in data for key in _STRUCTURE):
            self.check_family(patient.family_id, next(k for k in _STRUCTURE if k in data), data)
        self.record("update", "patient", patient.id, fields=sorted(data))
        return patient

    def check_family(self, family_id: int, field: str = "family", data: dict[str, Any] | None = None) -> None:
        """Refuse a family the engine could not analyse: the same validation as
        :func:`aatd.family.pedigree.build_pedigree` (cycles, parents' sex, one person as both parents)."""
        rows = self.db.scalars(select(Patient).where(Patient.organisation_id == self.org,
                                                     Patient.family_id == family_id,
                                                     Patient.deleted_at.is_(None))).all()
        names = {p.id: f"{p.label} #{p.id}" for p in rows}
        try:
            build_pedigree([Member(id=names[p.id], sex=parse_sex(p.sex), father=names.get(p.father_id or 0),
                                   mother=names.get(p.mother_id or 0), mz_twin=names.get(p.mz_twin_id or 0),
                                   dz_twin=names.get(p.dz_twin_id or 0), partner=names.get(p.partner_id or 0),
                                   adopted=p.adopted) for p in rows])
        except PedigreeError as exc:
            # the value the request gave, else the engine's (the cycle, the parent): never the family's row id
            value = data[field] if data is not None and field in data else exc.value
            raise InputError(field, value, exc.expected, hint=exc.hint or str(exc)) from None

    def delete_patient(self, patient_id: int) -> Patient:
        """Soft delete: the record stays and an admin can restore it."""
        patient = self.patient(patient_id, audit_read=False)
        patient.deleted_at = utcnow()
        self.record("delete", "patient", patient.id)
        return patient

    def restore_patient(self, patient_id: int) -> Patient:
        """Undo a soft delete (admins only)."""
        if not self.user.is_admin:
            raise Forbidden("restoring a patient needs the admin role")
        patient = self.patient(patient_id, include_deleted=True, audit_read=False)
        patient.deleted_at = None
        self.db.flush()
        self.check_family(patient.family_id)
        self.record("restore", "patient", patient.id)
        return patient

    # results ------------------------------------------------------------------
    def results(self, patient: Patient, *, include_retracted: bool = False) -> Sequence[Result]:
        """A patient's results, oldest first; retracted ones only when asked (for the history and exports)."""
        return self.db.scalars(self._results_query(select(Result), patient, include_retracted)).all()

    def result_values(self, patient: Patient, *, include_retracted: bool = False) -> list[dict[str, Any]]:
        """The same results as :meth:`results`, in the same order, as plain column values (one dict per
        result, keyed by column name) rather than tracked ORM objects.

        For answers that only list them (the API's list of a patient's results): a patient can have
        thousands, and building and tracking an ORM object for each took about 16 ms of CPU per 1,000
        results with the interpreter lock held, against about 8 ms for this (``benchmarks/results_list.py``).
        """
        columns = tuple(Result.__table__.columns)
        names = [column.name for column in columns]
        rows = self.db.execute(self._results_query(select(*columns), patient, include_retracted))
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _results_query(self, query: Select[Any], patient: Patient, include_retracted: bool) -> Select[Any]:
        """``query`` limited to ``patient``'s results in this organisation, oldest first (id breaks ties)."""
        query = query.where(Result.organisation_id == self.org, Result.patient_id == patient.id)
        if not include_retracted:
            query = query.where(Result.retracted_at.is_(None))
        return query.order_by(Result.taken_on, Result.id)

    def add_result(self, patient_id: int, data: dict[str, Any], idempotency_key: str | None = None) -> Result:
        """Validate and store a result of a patient.

        With an ``idempotency_key`` (the client's ``Idempotency-Key`` header), a retry of the
        same creation returns the stored result instead of storing it twice, also when the
        first attempt and the retry race (the key is unique per organisation).
        """
        patient = self.patient(patient_id, audit_read=False)
        if idempotency_key is not None:
            stored = self._result_with_key(idempotency_key, patient.id)
            if stored is not None:
                return stored
        result = Result(organisation_id=self.org, patient_id=patient.id, created_by=self.user.id,
                        idempotency_key=idempotency_key, **clean_result(data))
        try:
            with self.db.begin_nested():
                self.db.add(result)
                self.db.flush()
        except IntegrityError:
            stored = self._result_with_key(idempotency_key, patient.id) if idempotency_key is not None else None
            if stored is None:
                raise
            return stored
        if result.kind in ("genotype", "phenotype", "level"):
            patient.tested = True
        self.db.flush()
        self.record("create", "result", result.id, patient_id=patient.id, kind=result.kind)
        return result

    def add_results(self, patient_id: int, rows: Sequence[dict[str, Any]], *, keep_status: bool = False
                    ) -> list[Result]:
        """Validate and store many results of one patient at once (all or nothing): the FHIR import.

        Stores and audits exactly what :meth:`add_result` called once per row (without an idempotency
        key) would: the same rows, one ``create`` event per result in the same order, and the first
        invalid row's error. But the patient is read once, every row is validated before any is
        written, and the rows go to the database in one flush (one multi-row insert) rather than a
        savepoint, an insert and a flush each: 5,000 rows took seconds of round trips.

        With ``keep_status`` (an import of results kept elsewhere), a row's ``status`` is kept: ``retracted``
        (with its ``retraction_reason``) is stored and then retracted, audited as :meth:`retract_result` does;
        ``corrected`` is stored with ``corrected_at`` (when it was corrected there; now if not given) as its
        correction time, and its ``create`` event says so.
        """
        patient = self.patient(patient_id, audit_read=False)
        columns = [clean_result(data) for data in rows]
        states = [_imported_state(data) if keep_status else {} for data in rows]
        results = [Result(organisation_id=self.org, patient_id=patient.id, created_by=self.user.id,
                          idempotency_key=None, **values) for values in columns]
        self.db.add_all(results)
        self.db.flush()
        if any(result.kind in ("genotype", "phenotype", "level") for result in results):
            patient.tested = True
            self.db.flush()
        for result, state in zip(results, states, strict=True):
            corrected = state.get("corrected_at")
            if corrected is not None:
                result.updated_at = corrected
                self.record("create", "result", result.id, patient_id=patient.id, kind=result.kind,
                            status="corrected")
            else:
                self.record("create", "result", result.id, patient_id=patient.id, kind=result.kind)
            if state.get("retraction_reason") is not None:
                result.retracted_at = utcnow()
                result.retraction_reason = state["retraction_reason"]
                self.record("retract", "result", result.id, patient_id=patient.id, kind=result.kind,
                            reason=state["retraction_reason"])
        if any(states):
            self.db.flush()
        return results

    def result(self, patient_id: int, result_id: int) -> Result:
        """One result of one patient of the organisation, or 404."""
        patient = self.patient(patient_id, audit_read=False)
        result = self.db.scalar(select(Result).where(Result.id == result_id, Result.organisation_id == self.org,
                                                     Result.patient_id == patient.id))
        if result is None:
            raise NotFound("result", result_id)
        return result

    def correct_result(self, patient_id: int, result_id: int, data: dict[str, Any], reason: object) -> Result:
        """Correct a result (validated as a new one, same kind); the audit log keeps the old values and why."""
        result = self.result(patient_id, result_id)
        why = _reason(reason)
        if result.retracted_at is not None:
            raise InputError("result", result_id, "a result that is not retracted (retracted results are kept as "
                                                  "they were)")
        columns = clean_result({**_as_input(result), **data, "kind": result.kind})
        before = {k: _plain(getattr(result, k)) for k in columns if getattr(result, k) != columns[k]}
        if not before:
            raise InputError("result", result_id, "at least one changed value")
        for key in before:
            setattr(result, key, columns[key])
        result.updated_at = utcnow()
        self.db.flush()
        self.record("correct", "result", result.id, patient_id=patient_id, reason=why, before=before,
                    after={k: _plain(getattr(result, k)) for k in before})
        return result

    def retract_result(self, patient_id: int, result_id: int, reason: object) -> Result:
        """Retract a result: it stays in the record (shown struck through) and leaves every answer."""
        result = self.result(patient_id, result_id)
        why = _reason(reason)
        if result.retracted_at is not None:
            raise Conflict("this result was already retracted")
        result.retracted_at = utcnow()
        result.retraction_reason = why
        self.db.flush()
        self.record("retract", "result", result.id, patient_id=patient_id, kind=result.kind, reason=why)
        return result

    def _result_with_key(self, key: str, patient_id: int) -> Result | None:
        stored = self.db.scalar(select(Result).where(Result.organisation_id == self.org,
                                                     Result.idempotency_key == key))
        if stored is not None and stored.patient_id != patient_id:
            raise Conflict("this Idempotency-Key was already used for a result of another patient")
        return stored

    # users and audit ----------------------------------------------------------
    def users(self) -> Sequence[User]:
        """The organisation's users."""
        return self.db.scalars(select(User).where(User.organisation_id == self.org).order_by(User.email)).all()

    def audit_events(self, limit: int = 200, offset: int = 0) -> Sequence[AuditEvent]:
        """The organisation's audit log, newest first (admins only)."""
        if not self.user.is_admin:
            raise Forbidden("the audit log needs the admin role")
        return self.db.scalars(select(AuditEvent).where(AuditEvent.organisation_id == self.org)
                               .order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)).all()


def _country(value: str | None) -> str | None:
    """The table's spelling of a country, or ``None``; unknown names are refused with suggestions, and so is a
    country whose survey did not publish S (a family's founders need the full M/S/Z distribution)."""
    if value is None or not str(value).strip():
        return None
    name = country_record(str(value)).country
    country_allele_frequencies(name)
    return name


def _apply_risk_inputs(patient: Patient, data: dict[str, Any]) -> None:
    """Height (cm), smoking, pack-years and quit age, within the risk model's own bounds (``None`` clears)."""
    limits = input_limits()
    for field in ("height_cm", "pack_years", "quit_age"):
        if field in data:
            value = data[field]
            low, high = limits[field]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not low <= value <= high):
                raise InputError(field, value, f"a number from {low:g} to {high:g}")
            setattr(patient, field, None if value is None else float(value))
    if "smoking" in data:
        if data["smoking"] not in (None, *SMOKING):
            raise InputError("smoking", data["smoking"], "never, former or current")
        patient.smoking = data["smoking"]


REASON_LENGTH = 500


def _reason(value: object) -> str:
    """Why a result is corrected or retracted: required, 3 to 500 printable characters."""
    text = str(value or "").strip()
    if not 3 <= len(text) <= REASON_LENGTH or not is_printable(text):
        raise InputError("reason", value, f"the reason for the change, 3 to {REASON_LENGTH} printable characters")
    return text


def _imported_state(data: dict[str, Any]) -> dict[str, Any]:
    """The state of an imported result: ``retraction_reason`` (a retracted one) or ``corrected_at`` (an aware
    datetime; a corrected one), or nothing for a current one; anything else is refused naming the field."""
    status = data.get("status", "current")
    if status == "retracted":
        return {"retraction_reason": _reason(data.get("retraction_reason"))}
    if status == "corrected":
        return {"corrected_at": _moment("corrected_at", data.get("corrected_at"))}
    if status != "current":
        raise InputError("status", status, "current, corrected or retracted")
    return {}


def _moment(field: str, value: object) -> dt.datetime:
    """An ISO 8601 instant (UTC when no offset is given), or now when none is given."""
    if value in (None, ""):
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError(field, value, "an instant as YYYY-MM-DDThh:mm:ss+00:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _as_input(result: Result) -> dict[str, Any]:
    """A stored result as the input that would store it again (fields left out are kept on a correction)."""
    data: dict[str, Any] = {k: getattr(result, k) for k in ("taken_on", "unit", "method", "text", "panel", "fev1_l",
                                                           "fvc_l", "post_bronchodilator", "note")
                            if getattr(result, k) is not None}
    if result.value is not None:
        data["value"] = f"<{result.value!r}" if result.below else result.value  # exact: "<0.3" lost 4e-17
    return data


def _plain(value: object) -> object:
    """A column value as JSON for the audit log (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def label_text(field: str, value: object) -> str:
    """A patient label or family name as stored: 1 to :data:`~aatd.limits.LABEL` printable characters, stripped.

    Anything else is refused naming ``field``, never shortened or converted: a longer text, or a number or
    object where text belongs (an imported ``"family": {"a": 1}`` would otherwise be stored as ``{'a': 1}``).
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > LABEL or not is_printable(text):
        raise InputError(field, value, f"1 to {LABEL} printable characters")
    return text
