"""Request and response models of the REST API (pydantic)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aatd import limits

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _printable(text: str) -> str:
    if not limits.is_printable(text):
        raise ValueError("printable characters only (no control characters)")
    return text


def _printable_lines(text: str) -> str:
    if not limits.is_printable(text, lines=True):
        raise ValueError("printable characters only (no control characters)")
    return text


Name = Annotated[str, Field(min_length=1, max_length=limits.LABEL), AfterValidator(_printable)]
ShortText = Annotated[str, Field(max_length=limits.LABEL), AfterValidator(_printable)]
Note = Annotated[str, Field(max_length=limits.NOTE), AfterValidator(_printable_lines)]
GenotypeText = Annotated[str, Field(min_length=1, max_length=limits.GENOTYPE_TEXT, examples=["ZZ"])]
Sex = Literal["female", "male", "unknown"]
Year = Annotated[int, Field(ge=1850, le=2100)]


class Strict(BaseModel):
    """Unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


class FamilyIn(Strict):
    name: Name
    country: ShortText | None = None


class FamilyPatch(Strict):
    name: Name | None = None
    country: ShortText | None = None


class FamilyOut(BaseModel):
    id: int
    name: str
    country: str | None
    created_at: dt.datetime
    model_config = ConfigDict(from_attributes=True)


class PatientIn(Strict):
    label: Name
    sex: Sex = "unknown"
    family_id: Id | None = None
    birth_year: Year | None = None
    father_id: Id | None = None
    mother_id: Id | None = None
    partner_id: Id | None = None
    proband: bool = False
    tested: bool = False
    deceased: bool = False


class PatientPatch(Strict):
    label: Name | None = None
    sex: Sex | None = None
    birth_year: Year | None = None
    father_id: Id | None = None
    mother_id: Id | None = None
    partner_id: Id | None = None
    proband: bool | None = None
    tested: bool | None = None
    deceased: bool | None = None


class PatientOut(BaseModel):
    id: int
    family_id: int
    label: str
    sex: str
    birth_year: int | None
    father_id: int | None
    mother_id: int | None
    partner_id: int | None
    proband: bool
    tested: bool
    deceased: bool
    deleted_at: dt.datetime | None
    model_config = ConfigDict(from_attributes=True)


class ResultValues(Strict):
    """The values of a result, every one optional: shared by a new result and a correction."""

    value: Annotated[float, Field(allow_inf_nan=False)] | Annotated[str, Field(max_length=30)] | None = None
    unit: Annotated[ShortText | None, Field(description="A level's unit (mg/dL, g/L or umol/L), or a CRP's (mg/L, the "
                                                    "default, or mg/dL; a CRP is stored in the unit given)")] = None
    method: ShortText | None = None
    text: ShortText | None = None
    panel: ShortText | None = None
    fev1_l: Annotated[float, Field(allow_inf_nan=False)] | None = None
    fvc_l: Annotated[float, Field(allow_inf_nan=False)] | None = None
    post_bronchodilator: bool | None = None
    """Spirometry only: measured after a bronchodilator (left out: not said)."""
    note: Note | None = None


class ResultIn(ResultValues):
    kind: Literal["level", "crp", "phenotype", "genotype", "spirometry"]
    taken_on: dt.date


class ResultOut(BaseModel):
    id: int
    patient_id: int
    kind: str
    taken_on: dt.date
    value: float | None
    below: bool
    unit: str | None
    method: str | None
    text: str | None
    panel: str | None
    fev1_l: float | None
    fvc_l: float | None
    post_bronchodilator: bool | None = None
    note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    retracted_at: dt.datetime | None = None
    retraction_reason: str | None = None
    model_config = ConfigDict(from_attributes=True)


Reason = Annotated[str, Field(min_length=3, max_length=500, description="why the result is changed (audited)"),
                   AfterValidator(_printable)]


class ResultCorrection(ResultValues):
    """A correction of a stored result: the fields given replace the stored ones (same kind), with the reason."""

    reason: Reason
    taken_on: dt.date | None = None


class RetractionIn(Strict):
    reason: Reason


class UserIn(Strict):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=12, max_length=200)]
    role: Literal["admin", "clinician"] = "clinician"


class UserOut(BaseModel):
    id: int
    email: str
    role: str
    active: bool
    model_config = ConfigDict(from_attributes=True)


class MeOut(UserOut):
    organisation: str
    two_step: bool = False


class TokenIn(Strict):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=200)]
    name: Annotated[str, Field(max_length=100, description="at most 100 characters (a longer name is refused)"),
                    AfterValidator(_printable)] = "api"
    scope: Literal["read", "write"] = "write"
    expires_in_days: Annotated[int, Field(ge=1, le=365)] = 90
    code: Annotated[str | None, Field(max_length=10, description="two-step login code, when set up")] = None


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    scope: Literal["read", "write"] = "write"


class TokenInfoOut(BaseModel):
    """An API token as listed: never the secret itself."""

    id: int
    name: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    model_config = ConfigDict(from_attributes=True)


class PasswordChangeIn(Strict):
    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    new_password: Annotated[str, Field(min_length=12, max_length=200)]


class PasswordResetIn(Strict):
    new_password: Annotated[str, Field(min_length=12, max_length=200)]


class UserPatch(Strict):
    active: bool


class TotpNewOut(BaseModel):
    """A fresh two-step login key: type ``secret`` into an authenticator app, or give it ``uri``."""

    secret: str
    uri: str


class TotpIn(Strict):
    secret: Annotated[str, Field(min_length=32, max_length=32)]
    code: Annotated[str, Field(min_length=6, max_length=10)]


class TotpCodeIn(Strict):
    code: Annotated[str, Field(min_length=6, max_length=10)]


class AuditOut(BaseModel):
    id: int
    seq: int
    hash: str
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    detail: dict[str, Any]
    model_config = ConfigDict(from_attributes=True)


class AuditVerifyOut(BaseModel):
    """The outcome of checking the whole audit hash chain."""

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None


class ErrorEntry(BaseModel):
    field: str
    value: Any = None
    expected: str
    message: str


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    ok: Literal[False] = False
    status: int
    error: str
    errors: list[ErrorEntry] = []


class FamilyDocument(BaseModel):
    """A family as the pedigree JSON contract: ``{"members": [{"id", "sex", "father", "mother", ...}]}``."""

    members: list[dict[str, Any]]
    model_config = ConfigDict(extra="allow")
