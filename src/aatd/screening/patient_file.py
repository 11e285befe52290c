"""One patient's genotype from an uploaded file: a VCF/BCF or a consumer raw-data download.

The clinician workspace imports a patient's file as a genotype result. The file is screened
by the same rule as ``aatd screen`` (:func:`aatd.screening.upload.screen_upload`); this module
picks the patient's sample, refuses what cannot become one honest result, and says what the
file covered:

- no screened SERPINA1 site in the file: refused (a file without Z or S says nothing);
- several samples and none chosen, or a sample ID not in the file: refused, naming the count;
- no determined genotype (missing or half-call at a covered site): refused with the calls seen;
- a build that disagrees with the file, or a file above the upload cap: refused by the screen.

``M`` in the genotype means "none of the covered alleles": the panel text lists the sites read
and the note says which were not covered and that a clinical test confirms the result.
"""

from __future__ import annotations

import hashlib

from typing_extensions import TypedDict

from aatd.errors import InputError
from aatd.provenance import software_version
from aatd.screening.result import DISCLAIMER, ScreenResult
from aatd.screening.upload import screen_upload

_FILE_TYPES = {"vcf": "VCF", "bcf": "BCF"}
_NOTE_LIMIT = 2000
_PANEL_LIMIT = 200


class PatientFileAnswer(TypedDict):
    """The genotype one file shows for one person, and what the file could and could not show.

    The core's one answer: the API declares it (under the stored result) and the workspace stores
    its ``genotype``, ``panel`` and ``note`` as the result.
    """

    genotype: str
    """Canonical genotype over the covered sites (``MZ``; ``M`` = none of the covered alleles)."""
    severity: str
    status: str
    """``called`` (hard calls) or ``dosage`` (imputed dosages within plink2's hard-call rule)."""
    sample: str
    samples_in_file: int
    file_type: str
    """``VCF``, ``BCF`` or the vendor's raw data (``23andMe raw data``)."""
    file_name: str
    file_bytes: int
    sha256: str
    build: str | None
    build_basis: str
    sites_read: list[str]
    """Alleles read, with their rsIDs: ``Z (rs28929474)``."""
    not_covered: dict[str, str]
    """Screened alleles the file does not show, and why."""
    reader: str
    warnings: list[str]
    panel: str
    """The result's panel: the file type and the sites read (at most 200 characters)."""
    note: str
    """Provenance of the result, for its note (at most 2,000 characters)."""
    disclaimer: str


def _panel(file_type: str, sites_read: list[str]) -> str:
    return f"{file_type} file: {', '.join(sites_read)}"[:_PANEL_LIMIT]


def _note(found: PatientFileAnswer) -> str:
    missing = "; ".join(f"{allele} not covered ({why})" for allele, why in found["not_covered"].items())
    text = (f"Imported from {found['file_type']} file '{found['file_name']}' ({found['file_bytes']:,} bytes, "
            f"SHA-256 {found['sha256']}), sample {found['sample']} of {found['samples_in_file']}, "
            f"build {found['build'] or 'unknown'} ({found['build_basis']}). "
            f"Sites read: {', '.join(found['sites_read'])}. "
            f"{missing + '. ' if missing else ''}Call: {found['status']}. Read by {found['reader']}, aatd "
            f"{software_version()}. {DISCLAIMER}")
    return text[:_NOTE_LIMIT]


def genotype_from_file(data: bytes, name: str, *, sample: str | None = None,
                       build: str = "auto") -> PatientFileAnswer:
    """The genotype of ``sample`` (or of the file's only sample) in an uploaded file."""
    result = screen_upload(data, name, build=build)
    covered = result.covered()
    scan = result.cohort.files[0]
    if not covered:
        reasons = "; ".join(f"{n.site.allele}: {n.reason}" for n in scan.not_seen)
        raise InputError("file", name, "a genotype file with at least one screened SERPINA1 site "
                         "(Z rs28929474, S rs17580 or I rs28931570)", hint=reasons)
    index = _sample_index(result, name, sample)
    chosen = str(result.samples[index])
    genotype = str(result.calls.genotype[index])
    status = str(result.calls.status[index])
    if not genotype:
        row = next(r for i, r in enumerate(result.rows()) if i == index)
        raise InputError("file", f"{name}: sample {chosen}", "a call at every screened site the file covers",
                         hint=f"{status} ({row['copies']}); no genotype was recorded")
    sites = {s.allele: s for s in result.cohort.sites}
    file_type = _file_type(scan.format, scan.reader)
    sites_read = [f"{a} ({sites[a].rsid})" for a in covered]
    found = PatientFileAnswer(
        genotype=genotype, severity=str(result.calls.severity[index]), status=status, sample=chosen,
        samples_in_file=len(result.samples), file_type=file_type, file_name=name,
        file_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), build=scan.build,
        build_basis=scan.build_basis, sites_read=sites_read,
        not_covered={n.site.allele: n.reason for n in scan.not_seen}, reader=scan.reader,
        warnings=list(result.warnings), panel=_panel(file_type, sites_read), note="", disclaimer=DISCLAIMER)
    found["note"] = _note(found)
    return found


def _sample_index(result: ScreenResult, name: str, sample: str | None) -> int:
    samples = result.samples
    count = len(samples)
    wanted = (sample or "").strip()
    example = ", ".join(list(samples[:3])) + (" ..." if count > 3 else "")
    if not wanted:
        if count == 1:
            return 0
        raise InputError("sample", "", f"the sample ID of this patient: {name} holds {count:,} samples "
                         f"({example})")
    try:
        return list(samples).index(wanted)
    except ValueError:
        raise InputError("sample", wanted, f"one of the {count:,} sample IDs in {name} ({example})") from None


def _file_type(fmt: str, reader: str) -> str:
    if fmt in _FILE_TYPES:
        return _FILE_TYPES[fmt]
    vendor = reader.split("(", 1)[1].rstrip(")") if "(" in reader else "consumer"
    return f"{vendor} raw data"
