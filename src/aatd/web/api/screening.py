"""``POST /api/v1/screen``: screen one uploaded genotype file (no login, nothing stored).

``POST /api/v1/patients/{id}/dna-import``: import a patient's VCF/BCF or consumer raw-data file
as a genotype result of that patient (login, the organisation's patients only, audited).
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import Annotated, Any, NotRequired

from fastapi import APIRouter, File, Form, UploadFile
from typing_extensions import TypedDict

from aatd.errors import InputError
from aatd.limits import LABEL
from aatd.screening.patient_file import PatientFileAnswer, genotype_from_file
from aatd.screening.populations import check_population_column, parse_population_panel, population_frequencies
from aatd.screening.upload import UPLOAD_LIMIT_BYTES, screen_upload
from aatd.web.deps import ApiUser, Db, DbRoute
from aatd.web.schemas import Id, ResultOut
from aatd.web.workspace.repository import Workspace

router = APIRouter(tags=["screening"])

MAX_ROWS = 1000
"""Per-sample rows returned in one response; larger cohorts are screened with ``aatd screen``."""


class ScreenAnswer(TypedDict):
    """``aatd screen --json`` for one uploaded file, with the first per-sample calls."""

    samples: int
    genotyped: int
    genotype_counts: dict[str, int]
    not_genotyped: dict[str, int]
    allele_frequencies: dict[str, float]
    confidence_intervals: dict[str, Any]
    hwe: dict[str, Any]
    expected_vs_observed: dict[str, Any]
    alleles_covered: list[str]
    alleles_not_covered: list[str]
    alleles_not_screened: Any
    genotype_note: str
    sites: list[dict[str, Any]]
    files: list[dict[str, Any]]
    warnings: list[str]
    disclaimer: str
    provenance: dict[str, Any]
    calls: list[dict[str, str]]
    calls_truncated: bool
    populations: NotRequired[dict[str, Any]]
    """With a sample panel: each screened allele's count per population (``aatd screen --populations``)."""


@router.post("/screen", response_model=ScreenAnswer)
def screen_file(
    file: Annotated[UploadFile, File(description=f"A consumer raw-data file (text, .zip or .gz) or a VCF/BCF; "
                                                 f"at most {UPLOAD_LIMIT_BYTES:,} bytes.")],
    build: Annotated[str, Form(max_length=20)] = "auto",
    populations: Annotated[UploadFile | None, File(
        description=f"Optional sample panel (sample id, then population; 1000 Genomes' .panel works); "
                    f"at most {UPLOAD_LIMIT_BYTES:,} bytes.")] = None,
    population_column: Annotated[str | None, Form(max_length=LABEL)] = None,
) -> dict[str, Any]:
    """Genotype per sample over the covered sites and the summary (as ``aatd screen --json``);
    with a sample panel, the allele counts per population (as ``--populations``).

    Sync route: the file is read and screened in the thread pool, never on the event loop.
    """
    check_population_column(populations is not None, population_column)
    panel = None
    if populations is not None:
        name = populations.filename or "panel"
        panel_bytes = populations.file.read(UPLOAD_LIMIT_BYTES + 1)
        if len(panel_bytes) > UPLOAD_LIMIT_BYTES:
            raise InputError("populations", name, f"a sample panel of at most {UPLOAD_LIMIT_BYTES:,} bytes")
        panel = parse_population_panel(panel_bytes, population_column, source=name)
    data = file.file.read(UPLOAD_LIMIT_BYTES + 1)
    result = screen_upload(data, file.filename or "upload", build=build)
    out = result.to_dict()
    if panel is not None:
        out["populations"] = population_frequencies(result.cohort, panel).to_dict()
    out["calls"] = list(islice(result.rows(), MAX_ROWS))
    out["calls_truncated"] = len(result.samples) > MAX_ROWS
    return out


import_router = APIRouter(route_class=DbRoute, tags=["screening"])


class DnaImportOut(PatientFileAnswer):
    """The stored genotype result and what the file covered (the core's answer, with the result)."""

    result: ResultOut


def import_patient_file(ws: Workspace, patient_id: int, data: bytes, name: str, *, sample: str | None,
                        build: str, taken_on: str | None) -> tuple[Any, PatientFileAnswer]:
    """Screen a patient's file and store its genotype as a result (API and workspace page).

    The patient is looked up first (another organisation's patient is 404 before the file is
    read); the result and an ``import`` audit event with the file's SHA-256 are written in the
    request's transaction.
    """
    ws.patient(patient_id, audit_read=False)
    found = genotype_from_file(data, name, sample=sample, build=build)
    result = ws.add_result(patient_id, {"kind": "genotype", "taken_on": taken_on or dt.date.today().isoformat(),
                                        "text": found["genotype"], "panel": found["panel"], "note": found["note"]})
    ws.record("import", "result", result.id, patient_id=patient_id, file_type=found["file_type"],
              file_bytes=found["file_bytes"], sha256=found["sha256"], sample=found["sample"],
              sites_read=found["sites_read"], build=found["build"])
    return result, found


@import_router.post("/patients/{patient_id}/dna-import", status_code=201)
def import_dna_file(
    patient_id: Id, principal: ApiUser, db: Db,
    file: Annotated[UploadFile, File(description=f"The patient's VCF/BCF or consumer raw-data file (text, .zip or "
                                                 f".gz); at most {UPLOAD_LIMIT_BYTES:,} bytes.")],
    sample: Annotated[str, Form(max_length=200, description="The patient's sample ID in a multi-sample file.")] = "",
    build: Annotated[str, Form(max_length=20)] = "auto",
    taken_on: Annotated[str, Form(max_length=10, description="Date of the test, YYYY-MM-DD (default today).")] = "",
) -> DnaImportOut:
    """Record the genotype a patient's file shows, with the file type, sites read and provenance.

    Refused (422, the one error shape) when the file has no screened site, holds several
    samples and none is chosen, disagrees with the build asked for, or shows no genotype;
    a file above the cap is refused with the limit. Sync route: screened in the thread pool.
    """
    data = file.file.read(UPLOAD_LIMIT_BYTES + 1)
    ws = Workspace(db, principal.user)
    result, found = import_patient_file(ws, patient_id, data, file.filename or "upload", sample=sample or None,
                                        build=build, taken_on=taken_on or None)
    return {**found, "result": ResultOut.model_validate(result)}


router.include_router(import_router)
