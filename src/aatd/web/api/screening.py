"""``POST /api/v1/screen``: screen one uploaded genotype file (no login, nothing stored)."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from typing_extensions import TypedDict

from aatd.screening.upload import UPLOAD_LIMIT_BYTES, screen_upload

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


@router.post("/screen", response_model=ScreenAnswer)
def screen_file(
    file: Annotated[UploadFile, File(description=f"A consumer raw-data file (text, .zip or .gz) or a VCF/BCF; "
                                                 f"at most {UPLOAD_LIMIT_BYTES:,} bytes.")],
    build: Annotated[str, Form(max_length=20)] = "auto",
) -> dict[str, Any]:
    """Genotype per sample over the covered sites and the summary (as ``aatd screen --json``).

    Sync route: the file is read and screened in the thread pool, never on the event loop.
    """
    data = file.file.read(UPLOAD_LIMIT_BYTES + 1)
    result = screen_upload(data, file.filename or "upload", build=build)
    out = result.to_dict()
    out["calls"] = list(islice(result.rows(), MAX_ROWS))
    out["calls_truncated"] = len(result.samples) > MAX_ROWS
    return out
