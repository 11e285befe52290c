"""Screening one uploaded file (the REST API and the public "Check my DNA file" page).

A consumer raw-data file is read in memory and nothing is written anywhere. A VCF/BCF
upload (REST API only) needs htslib, which reads files: it is written to a private
temporary directory that is deleted before the answer is returned.
Uploads are capped at :data:`UPLOAD_LIMIT_BYTES`; a compressed upload may expand to at
most :data:`EXPANDED_LIMIT_BYTES`, so a small "zip bomb" cannot exhaust memory.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zlib

from aatd.errors import InputError
from aatd.screening.build import normalise_build
from aatd.screening.consumer import read_consumer_bytes
from aatd.screening.engine import assemble
from aatd.screening.result import ScreenResult
from aatd.screening.sites import screening_sites

UPLOAD_LIMIT_BYTES = 4_000_000
"""Largest upload accepted (the web app's request-body limit): a zipped or gzipped consumer file
(23andMe/AncestryDNA downloads compress to about a quarter of their 15-25 MB of text) fits."""
EXPANDED_LIMIT_BYTES = 64_000_000
"""Largest decompressed size of a compressed upload."""


def check_size(data: bytes, name: str) -> None:
    """Refuse an upload above :data:`UPLOAD_LIMIT_BYTES`, saying the limit."""
    if len(data) > UPLOAD_LIMIT_BYTES:
        raise InputError("file", f"{name} ({len(data):,} bytes)",
                         f"a file of at most {UPLOAD_LIMIT_BYTES:,} bytes",
                         hint="upload the .zip or .gz download as it came, not the unpacked text")


def _is_vcf(data: bytes) -> bool:
    head = data[:3]
    if head == b"BCF":
        return True
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                head = gz.read(16)
        except (OSError, EOFError, zlib.error):
            return False
        return head.startswith((b"##fileformat=VCF", b"BCF"))
    return data.startswith(b"##fileformat=VCF")


def screen_upload(data: bytes, name: str, *, build: str = "auto", allow_vcf: bool = True) -> ScreenResult:
    """Screen one uploaded file: consumer raw data in memory, VCF/BCF via a deleted temporary file."""
    check_size(data, name)
    build = normalise_build(build)
    sites = screening_sites()
    if _is_vcf(data):
        if not allow_vcf:
            raise InputError("file", name, "a raw-data download from 23andMe, AncestryDNA, MyHeritage, "
                             "FamilyTreeDNA or LivingDNA", hint="VCF files are screened with the aatd command line")
        from aatd.screening.vcf import read_vcf

        with tempfile.TemporaryDirectory(prefix="aatd-upload-") as tmp:
            path = os.path.join(tmp, "upload.bcf" if data[:3] == b"BCF" else "upload.vcf.gz"
                                if data[:2] == b"\x1f\x8b" else "upload.vcf")
            with open(path, "wb") as handle:
                handle.write(data)
            scan = read_vcf(path, sites, build)
        scan.path = name
        return assemble([scan], sites, "single process (upload)")
    scan = read_consumer_bytes(data, name, sites, build, expanded_limit=EXPANDED_LIMIT_BYTES)
    return assemble([scan], sites, "single process (upload, in memory)")
